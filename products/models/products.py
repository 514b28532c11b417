"""GI products (地理标志产品) in their two registers, with standards and photos."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from girrepo.models import ChangeLoggedModel, OrganizationalModel, PhotoModel, TimestampedModel
from girrepo.text import pinyin_key

from ..choices import (
    AQSIQ_LAST_YEAR,
    CNIPA_FIRST_YEAR,
    REGISTER_AUTHORITIES,
    AreaPrecision,
    Authority,
    ProductStatus,
    Register,
)

# Columns computed in PostGIS from the area units; copying them into every
# history row would store megabytes per edit and say nothing the units don't.
DERIVED_AREA_FIELDS = [
    "area_geom",
    "area_display",
    "area_label_point",
    "area_km2",
    "area_computed",
]

validate_standard_code = RegexValidator(
    regex=r"^[A-Z]{2,}\d*(/[TZ])?\s?[0-9.]+-(19|20)\d\d$",
    message=_("Give a standard code such as “GB/T 22111-2008” or “DB53/T 123-2010”."),
)


class Category(OrganizationalModel):
    """A product category (产品类别): tea, coffee, medicinal material, meat products…"""

    name_en = models.CharField(
        verbose_name=_("English name"),
        max_length=100,
        blank=True,
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")


class AreaHistoryModel(TimestampedModel):
    """Change history without the derived area columns.

    Declared on an abstract base with ``inherit=True`` so that simple-history
    puts the historical model in this module, where it can be imported from.
    """

    history = HistoricalRecords(inherit=True, excluded_fields=DERIVED_AREA_FIELDS)

    class Meta:
        abstract = True


class GIProduct(AreaHistoryModel):
    """A product protected by a geographical indication, in one of two registers.

    地理标志保护产品 (``register=gi_product``, AQSIQ until 2018, then CNIPA) and
    农产品地理标志 (``register=agri_gi``, Ministry of Agriculture) are separate
    registers: the same name may exist once in each, as two records.

    The protected area (保护范围) is kept three ways: the announced text
    verbatim, the regions it names (:class:`ProtectedAreaUnit`) plus the names
    that matched no region, and a geometry computed from those regions in
    PostGIS, with a precision saying how far that geometry can be trusted.
    """

    name = models.CharField(
        verbose_name=_("name"),
        max_length=100,
    )
    name_pinyin = models.CharField(
        verbose_name=_("pinyin"),
        max_length=200,
        blank=True,
    )
    name_en = models.CharField(
        verbose_name=_("English name"),
        max_length=200,
        blank=True,
    )
    category = models.ForeignKey(
        to="products.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    register = models.CharField(
        verbose_name=_("register"),
        max_length=20,
        choices=Register.choices,
    )
    authority = models.CharField(
        verbose_name=_("authority"),
        max_length=20,
        choices=Authority.choices,
        blank=True,
        help_text=_("Leave empty when the announcing authority is not recorded."),
    )
    announcement_number = models.CharField(
        verbose_name=_("announcement number"),
        max_length=100,
        blank=True,
    )
    announcement_date = models.DateField(
        verbose_name=_("announcement date"),
        null=True,
        blank=True,
    )
    announcement_year = models.PositiveSmallIntegerField(
        verbose_name=_("announcement year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1999), MaxValueValidator(2100)],
        help_text=_("When only the year is known; must agree with the date if both are set."),
    )
    announcement_verified = models.BooleanField(
        verbose_name=_("announcement verified"),
        default=False,
        help_text=_("Ticked once number and date were checked against the announcement."),
    )
    quality_requirements = models.TextField(
        verbose_name=_("quality requirements"),
        blank=True,
    )
    status = models.CharField(
        verbose_name=_("status"),
        max_length=20,
        choices=ProductStatus.choices,
        default=ProductStatus.PROTECTED,
    )
    description = models.TextField(
        verbose_name=_("description"),
        blank=True,
    )
    sources = models.TextField(
        verbose_name=_("sources"),
        blank=True,
        help_text=_("Where each fact comes from: announcements, standards, official pages."),
    )
    is_demo = models.BooleanField(
        verbose_name=_("demo data"),
        default=False,
        help_text=_("Fictional record for demonstration; not a real GI product."),
    )
    area_text = models.TextField(
        verbose_name=_("protected area as announced"),
        blank=True,
        help_text=_("The announced text of the protected area, verbatim."),
    )
    area_note = models.CharField(
        verbose_name=_("note on the protected area"),
        max_length=300,
        blank=True,
    )
    area_unmatched = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("names matching no region"),
        default=list,
        blank=True,
        help_text=_("Places named in the announced area that match no current region."),
    )
    area_units_contain_area = models.BooleanField(
        verbose_name=_("units contain a finer area"),
        default=False,
        help_text=_(
            "Ticked when the announced area is finer than the linked units (e.g. a township "
            "list girrepo does not have) and the units only contain it."
        ),
    )
    area_precision = models.CharField(
        verbose_name=_("area precision"),
        max_length=20,
        choices=AreaPrecision.choices,
        default=AreaPrecision.NOT_MAPPED,
        editable=False,
    )
    area_geom = models.MultiPolygonField(
        verbose_name=_("protected area"),
        srid=4326,
        null=True,
        blank=True,
        editable=False,
    )
    area_display = models.MultiPolygonField(
        verbose_name=_("display protected area"),
        srid=4326,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Simplified area for maps and exports; never used for containment checks."),
    )
    area_label_point = models.PointField(
        verbose_name=_("area label point"),
        srid=4326,
        null=True,
        blank=True,
        editable=False,
    )
    area_km2 = models.FloatField(
        verbose_name=_("mapped area (km²)"),
        null=True,
        blank=True,
        editable=False,
    )
    area_computed = models.DateTimeField(
        verbose_name=_("area computed"),
        null=True,
        blank=True,
        editable=False,
    )
    search_key = models.CharField(
        max_length=400,
        editable=False,
        blank=True,
    )

    class Meta:
        ordering = ["register", "name", "id"]
        verbose_name = _("GI product")
        verbose_name_plural = _("GI products")
        constraints = [
            models.UniqueConstraint(
                fields=["register", "name"],
                name="giproduct_unique_name_per_register",
                violation_error_message=_("This register already has a product with this name."),
            ),
            models.CheckConstraint(
                condition=Q(
                    register=Register.GI_PRODUCT,
                    authority__in=REGISTER_AUTHORITIES[Register.GI_PRODUCT],
                )
                | Q(
                    register=Register.AGRI_GI,
                    authority__in=REGISTER_AUTHORITIES[Register.AGRI_GI],
                ),
                name="giproduct_authority_matches_register",
                violation_error_message=_("This authority does not announce into this register."),
            ),
            models.CheckConstraint(
                condition=Q(announcement_date__isnull=True)
                | Q(announcement_year__isnull=True)
                | Q(announcement_year=ExtractYear("announcement_date")),
                name="giproduct_announcement_year_matches_date",
                violation_error_message=_("The announcement year differs from the date's year."),
            ),
            models.CheckConstraint(
                condition=Q(area_precision=AreaPrecision.NOT_MAPPED, area_geom__isnull=True)
                | Q(
                    area_precision__in=[AreaPrecision.EXACT, AreaPrecision.APPROXIMATE],
                    area_geom__isnull=False,
                ),
                name="giproduct_precision_matches_geometry",
                violation_error_message=_("Only a product without area geometry is not mapped."),
            ),
        ]
        indexes = [
            models.Index(fields=["register", "status"], name="giproduct_register_status"),
            GinIndex(fields=["name"], name="giproduct_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(
                fields=["search_key"], name="giproduct_search_key_trgm", opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("products:product_detail", kwargs={"pk": self.pk})

    @property
    def announcement_year_shown(self) -> int | None:
        if self.announcement_date:
            return self.announcement_date.year
        return self.announcement_year

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        allowed = REGISTER_AUTHORITIES.get(self.register, ())
        if self.register and self.authority not in allowed:
            errors["authority"] = _("%(authority)s does not announce into the %(register)s.") % {
                "authority": self.get_authority_display() or _("An unrecorded authority"),
                "register": self.get_register_display(),
            }
        date, year = self.announcement_date, self.announcement_year
        if date and year and date.year != year:
            errors["announcement_year"] = _("The announcement year differs from the date's year.")
        if date and date > timezone.localdate():
            errors["announcement_date"] = _("The announcement date lies in the future.")
        when = date.year if date else year
        if when and "authority" not in errors:
            if self.authority == Authority.AQSIQ and when > AQSIQ_LAST_YEAR:
                errors["authority"] = _("AQSIQ announced GI products only until 2018.")
            elif self.authority == Authority.CNIPA and when < CNIPA_FIRST_YEAR:
                errors["authority"] = _("CNIPA announces GI products only since 2018.")
        if self.announcement_verified and not (self.announcement_number or date):
            errors["announcement_verified"] = _(
                "Nothing to verify: record the announcement number or date first."
            )
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        # A derived search column, not workflow: kept in step with the names.
        self.search_key = pinyin_key(self.name)
        super().save(*args, **kwargs)


class StandardReference(ChangeLoggedModel):
    """A standard a GI product must be produced to (产品标准), e.g. GB/T 22111-2008."""

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="standards",
    )
    code = models.CharField(
        verbose_name=_("standard code"),
        max_length=50,
        validators=[validate_standard_code],
    )
    title = models.CharField(
        verbose_name=_("title"),
        max_length=200,
        blank=True,
    )
    effective_date = models.DateField(
        verbose_name=_("in force from"),
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["product", "code"]
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "code"],
                name="standardreference_unique_per_product",
                violation_error_message=_("This standard is already listed for the product."),
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ProductPhoto(PhotoModel):
    """A photo of a GI product, its production area or its packaging."""

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="photos",
    )

    class Meta:
        ordering = ["product", "id"]
        verbose_name = _("product photo")
        verbose_name_plural = _("product photos")

    def __str__(self) -> str:
        return self.caption or f"{self.product} #{self.pk}"
