"""Typed dependencies of the customer pages' routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from consentry.consent.dashboard import ConsentDashboard
from consentry.consent.service import ConsentService
from consentry.web.components import component

ConsentServiceDep = Annotated[ConsentService, Depends(component(ConsentService))]
DashboardDep = Annotated[ConsentDashboard, Depends(component(ConsentDashboard))]
