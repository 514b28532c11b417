from .applications import (
    Application,
    ApplicationDocument,
    ApplicationEvent,
    OnSiteCheck,
    OnSiteCheckPhoto,
    ProductionSite,
)
from .authorizations import (
    AnnualReport,
    Authorization,
    AuthorizationSerial,
    ComplianceAction,
)
from .calendar import Holiday
from .screening import ScreeningClass, ScreeningGrid

__all__ = [
    "AnnualReport",
    "Application",
    "ApplicationDocument",
    "ApplicationEvent",
    "Authorization",
    "AuthorizationSerial",
    "ComplianceAction",
    "Holiday",
    "OnSiteCheck",
    "OnSiteCheckPhoto",
    "ProductionSite",
    "ScreeningClass",
    "ScreeningGrid",
]
