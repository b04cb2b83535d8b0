"""Typed dependencies every face may use: units of work, sessions, templates, forms, the clock,
sign-in throttling. Each face keeps the aliases of its own components in its `deps.py`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from consentry.clock import Clock
from consentry.core.ports.unit_of_work import PortalUnitOfWorkFactory, UnitOfWorkFactory
from consentry.core.sign_in import LoginThrottle
from consentry.web.components import component
from consentry.web.forms import FormLimits
from consentry.web.sessions import SessionManager
from consentry.web.templates import Templates

UnitsOfWorkDep = Annotated[UnitOfWorkFactory, Depends(component(UnitOfWorkFactory))]
PortalUnitsOfWorkDep = Annotated[
    PortalUnitOfWorkFactory, Depends(component(PortalUnitOfWorkFactory))
]
SessionsDep = Annotated[SessionManager, Depends(component(SessionManager))]
TemplatesDep = Annotated[Templates, Depends(component(Templates))]
FormLimitsDep = Annotated[FormLimits, Depends(component(FormLimits))]
ClockDep = Annotated[Clock, Depends(component(Clock))]
LoginThrottleDep = Annotated[LoginThrottle, Depends(component(LoginThrottle))]
