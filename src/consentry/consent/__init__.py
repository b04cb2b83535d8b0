"""Sign-in and the consent page: a customer picks which advertisers an app may use."""
