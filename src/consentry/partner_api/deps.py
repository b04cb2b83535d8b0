"""Typed dependencies of the partner API's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from consentry.partner_api.context import PartnerGate
from consentry.web.components import component

PartnerGateDep = Annotated[PartnerGate, Depends(component(PartnerGate))]
