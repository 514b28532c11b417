"""Who a user acts as: quality-supervision staff of a region, or a producer's account."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel
from regions.choices import RegionLevel

STAFF_LEVELS = (RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY)


class StaffAssignment(ChangeLoggedModel):
    """A quality-supervision officer's jurisdiction (辖区): a county, prefecture or the province.

    Staff see and act only inside their region and the regions below it.
    """

    user = models.OneToOneField(
        to=settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_assignment",
    )
    region = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="staff_assignments",
        limit_choices_to={"level__in": STAFF_LEVELS},
    )
    office = models.CharField(
        verbose_name=_("office"),
        max_length=200,
        blank=True,
        help_text=_("e.g. the county market-regulation bureau."),
    )

    class Meta:
        ordering = ["region__code", "user__username"]
        verbose_name = _("staff assignment")
        verbose_name_plural = _("staff assignments")

    def __str__(self) -> str:
        return f"{self.user} @ {self.region.name}"

    @property
    def level(self) -> str:
        return self.region.level

    def clean(self) -> None:
        super().clean()
        if self.region_id and self.region.level not in STAFF_LEVELS:
            raise ValidationError(
                {"region": _("Staff are assigned to a county, a prefecture or the province.")}
            )


class ProducerAccount(ChangeLoggedModel):
    """A login that acts for a producer (cooperative or enterprise) in the portal."""

    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="producer_accounts",
    )
    producer = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("producer"),
        on_delete=models.CASCADE,
        related_name="accounts",
    )

    class Meta:
        ordering = ["producer__name", "user__username"]
        verbose_name = _("producer account")
        verbose_name_plural = _("producer accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "producer"],
                name="produceraccount_unique_user_producer",
                violation_error_message=_("This user already acts for this producer."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.producer}"
