from django.db import models
from django.utils.translation import gettext_lazy as _


class ProducerKind(models.TextChoices):
    """The kinds of market actor (市场主体) that register or use GIs."""

    ENTERPRISE = "enterprise", _("Enterprise")
    COOPERATIVE = "cooperative", _("Farmers' professional cooperative")
    ASSOCIATION = "association", _("Industry association")
    INDIVIDUAL = "individual", _("Individual business")
    RESEARCH = "research", _("Research institute")


class ProducerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended business")
    DEREGISTERED = "deregistered", _("Deregistered")
    REVOKED = "revoked", _("Licence revoked")
