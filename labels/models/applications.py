"""An application to use the GI special label, its sites, documents, checks and audit trail."""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel, PhotoModel
from regions.coords import CRS

from ..choices import ApplicationKind, ApplicationStatus, CheckResult, DocumentKind, UseBasis


class Application(ChangeLoggedModel):
    """A producer's request to use the special label (专用标志使用申请) for a GI.

    Its status moves only through the services in ``labels.services``; the
    county of the applicant scopes which staff may act on it.
    """

    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=10,
        choices=ApplicationKind.choices,
        default=ApplicationKind.NEW,
    )
    producer = models.ForeignKey(
        to="producers.Producer",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="label_applications",
    )
    basis = models.CharField(
        verbose_name=_("basis of use"),
        max_length=30,
        choices=UseBasis.choices,
        default=UseBasis.AREA_PRODUCER,
    )
    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("GI product"),
        on_delete=models.PROTECT,
        related_name="label_applications",
        null=True,
        blank=True,
    )
    mark = models.ForeignKey(
        to="brands.GIMark",
        verbose_name=_("GI mark"),
        on_delete=models.PROTECT,
        related_name="label_applications",
        null=True,
        blank=True,
        help_text=_("For members of a collective mark or licensees of a certification mark."),
    )
    changes = models.ForeignKey(
        to="labels.Authorization",
        verbose_name=_("authorization changed"),
        on_delete=models.PROTECT,
        related_name="change_applications",
        null=True,
        blank=True,
    )
    county = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="label_applications",
        help_text=_("The applicant's county: it decides which staff review the application."),
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    varieties = models.CharField(
        verbose_name=_("varieties"),
        max_length=300,
        blank=True,
    )
    annual_output = models.DecimalField(
        verbose_name=_("annual output"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    output_unit = models.CharField(
        verbose_name=_("output unit"),
        max_length=20,
        default="吨",
    )
    planned_label_use = models.PositiveIntegerField(
        verbose_name=_("planned labels per year"),
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(
        verbose_name=_("submitted"),
        null=True,
        blank=True,
    )
    onsite_due = models.DateField(
        verbose_name=_("on-site check due"),
        null=True,
        blank=True,
        help_text=_("10 working days after acceptance."),
    )
    site_check_result = models.CharField(
        verbose_name=_("site check"),
        max_length=10,
        choices=CheckResult.choices,
        blank=True,
    )
    site_check_at = models.DateTimeField(
        verbose_name=_("site check run"),
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("label application")
        verbose_name_plural = _("label applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | Q(mark__isnull=False),
                name="application_product_or_mark",
                violation_error_message=_("Name the GI product or the GI mark."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=ApplicationKind.CHANGE) | Q(changes__isnull=False),
                name="application_change_names_authorization",
                violation_error_message=_(
                    "A change application names the authorization it changes."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "onsite_due"], name="application_status_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.producer} · {self.gi_name}"

    def get_absolute_url(self) -> str:
        return reverse("labels:application_detail", kwargs={"pk": self.pk})

    @property
    def gi_name(self) -> str:
        return self.product.name if self.product_id else (self.mark.name if self.mark_id else "")

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.basis == UseBasis.AREA_PRODUCER and not self.product_id:
            errors["product"] = _("A producer in the protected area applies for a GI product.")
        if self.basis != UseBasis.AREA_PRODUCER and not self.mark_id:
            errors["mark"] = _("Members and licensees apply under a GI mark.")
        if errors:
            raise ValidationError(errors)


class ProductionSite(ChangeLoggedModel):
    """A field, orchard, farm or workshop where the product is made (生产地块)."""

    application = models.ForeignKey(
        to="labels.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="sites",
    )
    name = models.CharField(
        verbose_name=_("name"),
        max_length=200,
        blank=True,
    )
    geom = models.GeometryField(
        verbose_name=_("site"),
        srid=4326,
        help_text=_("A point, polygon or multipolygon, stored in WGS-84."),
    )
    entered_crs = models.CharField(
        verbose_name=_("entered in"),
        max_length=10,
        choices=CRS.choices,
        default=CRS.WGS84,
    )
    check_result = models.CharField(
        verbose_name=_("site check"),
        max_length=10,
        choices=CheckResult.choices,
        blank=True,
    )
    check_details = models.JSONField(
        verbose_name=_("site check details"),
        default=dict,
        blank=True,
    )

    class Meta:
        ordering = ["application", "id"]
        verbose_name = _("production site")
        verbose_name_plural = _("production sites")

    def __str__(self) -> str:
        return self.name or f"{_('site')} {self.pk}"

    def clean(self) -> None:
        super().clean()
        if self.geom is not None:
            if self.geom.geom_type not in ("Point", "Polygon", "MultiPolygon"):
                raise ValidationError(
                    {
                        "geom": _("A site is a point, a polygon or a multipolygon, not %(t)s.")
                        % {"t": self.geom.geom_type}
                    }
                )
            if not self.geom.valid:
                raise ValidationError(
                    {
                        "geom": _("The site geometry is invalid: %(r)s")
                        % {"r": self.geom.valid_reason}
                    }
                )


class ApplicationDocument(ChangeLoggedModel):
    """A supporting document: verification report, test report or proof of origin."""

    application = models.ForeignKey(
        to="labels.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(
        verbose_name=_("kind"),
        max_length=30,
        choices=DocumentKind.choices,
    )
    file = models.FileField(
        verbose_name=_("file"),
        upload_to="applications/%Y/",
    )
    content_type = models.CharField(
        verbose_name=_("content type"),
        max_length=50,
        editable=False,
    )
    uploaded_by = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["application", "kind", "id"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.application_id})"


class OnSiteCheck(ChangeLoggedModel):
    """The county's on-site check (现场核查) during preliminary review."""

    application = models.ForeignKey(
        to="labels.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="onsite_checks",
    )
    date = models.DateField(
        verbose_name=_("date"),
    )
    inspectors = models.CharField(
        verbose_name=_("inspectors"),
        max_length=300,
    )
    findings = models.TextField(
        verbose_name=_("findings"),
    )
    passed = models.BooleanField(
        verbose_name=_("passed"),
        default=True,
    )

    class Meta:
        ordering = ["application", "-date"]
        verbose_name = _("on-site check")
        verbose_name_plural = _("on-site checks")

    def __str__(self) -> str:
        return f"{self.date} {self.inspectors}"


class OnSiteCheckPhoto(PhotoModel):
    onsite_check = models.ForeignKey(
        to="labels.OnSiteCheck",
        verbose_name=_("on-site check"),
        on_delete=models.CASCADE,
        related_name="photos",
    )

    class Meta:
        ordering = ["onsite_check", "id"]
        verbose_name = _("on-site check photo")
        verbose_name_plural = _("on-site check photos")


class ApplicationEvent(models.Model):
    """One audited step of an application: who, when, from which state to which, and why."""

    application = models.ForeignKey(
        to="labels.Application",
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    actor = models.ForeignKey(
        to=settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )
    at = models.DateTimeField(
        verbose_name=_("at"),
        auto_now_add=True,
    )
    action = models.CharField(
        verbose_name=_("action"),
        max_length=40,
    )
    from_status = models.CharField(
        verbose_name=_("from status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        blank=True,
    )
    to_status = models.CharField(
        verbose_name=_("to status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        blank=True,
    )
    reason = models.TextField(
        verbose_name=_("reason"),
        blank=True,
    )

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
