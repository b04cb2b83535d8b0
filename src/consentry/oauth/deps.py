"""Typed dependencies of the OAuth endpoints' routes: the core services they call."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.introspection import TokenIntrospection
from consentry.core.metadata import ServerMetadata
from consentry.core.revocation import TokenRevocation
from consentry.core.server import AuthorizationServer
from consentry.core.tokens import PublishedKeys
from consentry.web.components import component

AuthorizationDep = Annotated[AuthorizationEndpoint, Depends(component(AuthorizationEndpoint))]
TokenServerDep = Annotated[AuthorizationServer, Depends(component(AuthorizationServer))]
RevocationDep = Annotated[TokenRevocation, Depends(component(TokenRevocation))]
IntrospectionDep = Annotated[TokenIntrospection, Depends(component(TokenIntrospection))]
PublishedKeysDep = Annotated[PublishedKeys, Depends(component(PublishedKeys))]
MetadataDep = Annotated[ServerMetadata, Depends(component(ServerMetadata))]
