"""The SQL repositories, one module per aggregate, each on the connection of one unit of work."""
