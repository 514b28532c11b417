"""The authorization to use the special label, and what follows approval."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel

from ..choices import AbnormalReason, AuthorizationStatus, ComplianceStep


class AuthorizationSerial(models.Model):
    """The last authorization serial issued in a year; locked row by row so numbers
    are unique and gapless however many approvals run at once."""

    year = models.PositiveSmallIntegerField(
        verbose_name=_("year"),
        primary_key=True,
    )
    last = models.PositiveIntegerField(
        verbose_name=_("last serial"),
        default=0,
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("authorization serial")
        verbose_name_plural = _("authorization serials")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Authorization(ChangeLoggedModel):
    """Approval to use the GI special label (专用标志使用核准), public and verifiable.

    The label on the product carries the producer's credit code and the GI name
    with its standard code or announcement number: ``label_text`` freezes that
    text at approval.
    """

    number = models.CharField(
        verbose_name=_("authorization number"),
        max_length=20,
        unique=True,
        help_text=_("YN-GI-YYYY-NNNNN: year and serial, gapless per year."),
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("year"),
    )
    serial = models.PositiveIntegerField(
        verbose_name=_("serial"),
    )
    application = models.OneToOneField(
        to="labels.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="authorization",
    )
    producer = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="label_authorizations",
    )
    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("GI product"),
        on_delete=models.PROTECT,
        related_name="label_authorizations",
        null=True,
        blank=True,
    )
    mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("GI mark"),
        on_delete=models.PROTECT,
        related_name="label_authorizations",
        null=True,
        blank=True,
    )
    credit_code = models.CharField(
        verbose_name=_("unified social credit code"),
        max_length=18,
    )
    gi_name = models.CharField(
        verbose_name=_("GI name"),
        max_length=200,
    )
    gi_reference = models.CharField(
        verbose_name=_("standard or announcement"),
        max_length=200,
        blank=True,
        help_text=_("Standard code or announcement number; for a mark, its registration number."),
    )
    valid_from = models.DateField(
        verbose_name=_("valid from"),
    )
    valid_until = models.DateField(
        verbose_name=_("valid until"),
        null=True,
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=AuthorizationStatus.choices,
        default=AuthorizationStatus.VALID,
        db_index=True,
    )
    status_reason = models.TextField(
        verbose_name=_("reason for status"),
        blank=True,
    )
    status_changed = models.DateTimeField(
        verbose_name=_("status changed"),
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-year", "-serial"]
        verbose_name = _("label authorization")
        verbose_name_plural = _("label authorizations")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "serial"],
                name="authorization_unique_year_serial",
                violation_error_message=_("This serial is already used this year."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="authorization_validity_ordered",
                violation_error_message=_("'Valid until' must not be before 'valid from'."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("labels:verify_detail", kwargs={"number": self.number})

    @property
    def label_text(self) -> str:
        """What the printed label must carry next to the special label."""
        parts = [self.gi_name, self.gi_reference, self.credit_code]
        return " · ".join(p for p in parts if p)


class AnnualReport(ChangeLoggedModel):
    """A producer's yearly disclosure of label use (年度使用情况报告)."""

    authorization = models.ForeignKey(
        to="labels.Authorization",
        verbose_name=_("authorization"),
        on_delete=models.CASCADE,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(
        verbose_name=_("year reported"),
    )
    labels_printed = models.PositiveIntegerField(
        verbose_name=_("labels printed"),
    )
    labels_used = models.PositiveIntegerField(
        verbose_name=_("labels used"),
    )
    output = models.DecimalField(
        verbose_name=_("output"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    filed_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["authorization", "-year"]
        verbose_name = _("annual usage report")
        verbose_name_plural = _("annual usage reports")
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "year"],
                name="annualreport_unique_year",
                violation_error_message=_("A report for this year has been filed."),
            ),
            models.CheckConstraint(
                condition=Q(labels_used__lte=F("labels_printed")),
                name="annualreport_used_le_printed",
                violation_error_message=_("More labels used than printed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authorization} {self.year}"

    def clean(self) -> None:
        super().clean()
        if (
            self.labels_used is not None
            and self.labels_printed is not None
            and self.labels_used > self.labels_printed
        ):
            raise ValidationError({"labels_used": _("More labels used than printed.")})


class ComplianceAction(ChangeLoggedModel):
    """One step after approval: abnormal-use listing, rectification, suspension,
    cancellation or restoration. Cancellations are published."""

    authorization = models.ForeignKey(
        to="labels.Authorization",
        verbose_name=_("authorization"),
        on_delete=models.CASCADE,
        related_name="compliance_actions",
    )
    step = models.CharField(
        verbose_name=_("step"),
        max_length=20,
        choices=ComplianceStep.choices,
    )
    reason = models.CharField(
        verbose_name=_("reason"),
        max_length=20,
        choices=AbnormalReason.choices,
    )
    details = models.TextField(
        verbose_name=_("details"),
        blank=True,
    )
    actor = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Empty when girrepo detected it (missing reports, non-use)."),
    )
    at = models.DateTimeField(
        verbose_name=_("at"),
        auto_now_add=True,
    )

    class Meta:
        ordering = ["authorization", "at", "id"]
        verbose_name = _("compliance action")
        verbose_name_plural = _("compliance actions")

    def __str__(self) -> str:
        return f"{self.authorization} {self.get_step_display()}"
