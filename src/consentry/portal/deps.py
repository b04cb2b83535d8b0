"""Typed dependencies of the developer portal's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from consentry.portal.web import PortalWeb
from consentry.web.components import component

PortalWebDep = Annotated[PortalWeb, Depends(component(PortalWeb))]
