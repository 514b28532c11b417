"""Yunnan's administrative regions: the map every registration refers to."""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey
from simple_history.models import HistoricalRecords

from girrepo.models import TimestampedModel

from .choices import CODE_LENGTH, PARENT_LEVEL, CodeSystem, RegionLevel, UnitType


class Region(MPTTModel, TimestampedModel):
    """An administrative unit (行政区划): province, prefecture, county or township.

    Boundaries are stored in WGS-84 whatever system they arrived in; townships
    have no boundary until an agency imports one, and code that asks a spatial
    question must treat such a region as "not mapped", never guess.
    """

    code = models.CharField(
        verbose_name=_("code"),
        max_length=12,
        help_text=_("6-digit GB/T 2260 code, or 9-digit statistical code for townships."),
    )
    code_system = models.CharField(
        verbose_name=_("code system"),
        max_length=20,
        choices=CodeSystem.choices,
        default=CodeSystem.GB2260,
    )
    name = models.CharField(
        verbose_name=_("Chinese name"),
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
    search_key = models.CharField(
        max_length=200,
        editable=False,
        blank=True,
        help_text=_("Compact toneless pinyin for search: 禄丰市 -> lufengshi."),
    )
    level = models.CharField(
        verbose_name=_("level"),
        max_length=20,
        choices=RegionLevel.choices,
        db_index=True,
    )
    unit_type = models.CharField(
        verbose_name=_("unit type"),
        max_length=30,
        choices=UnitType.choices,
        blank=True,
    )
    is_administrative = models.BooleanField(
        verbose_name=_("administrative unit"),
        default=True,
        help_text=_("False for state farms, development zones and similar units."),
    )
    parent = TreeForeignKey(
        to="self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    geom = models.MultiPolygonField(
        verbose_name=_("boundary"),
        srid=4326,
        null=True,
        blank=True,
    )
    geom_display = models.MultiPolygonField(
        verbose_name=_("display boundary"),
        srid=4326,
        null=True,
        blank=True,
        help_text=_("Simplified boundary for maps; never used for containment checks."),
    )
    label_point = models.PointField(
        verbose_name=_("label point"),
        srid=4326,
        null=True,
        blank=True,
    )
    area_km2 = models.FloatField(
        verbose_name=_("area (km²)"),
        null=True,
        blank=True,
    )
    former_names = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("former names"),
        default=list,
        blank=True,
    )
    aliases = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("aliases"),
        default=list,
        blank=True,
    )
    valid_from = models.DateField(
        verbose_name=_("valid from"),
        null=True,
        blank=True,
    )
    valid_until = models.DateField(
        verbose_name=_("valid until"),
        null=True,
        blank=True,
        help_text=_("Set when the unit was renamed, merged or abolished."),
    )
    boundary_source = models.CharField(
        verbose_name=_("boundary source"),
        max_length=200,
        blank=True,
    )
    boundary_source_crs = models.CharField(
        verbose_name=_("boundary source CRS"),
        max_length=30,
        blank=True,
    )
    boundary_loaded = models.DateTimeField(
        verbose_name=_("boundary loaded"),
        null=True,
        blank=True,
    )
    boundary_checksum = models.CharField(
        verbose_name=_("boundary checksum"),
        max_length=64,
        blank=True,
        editable=False,
    )
    code_source = models.CharField(
        verbose_name=_("code source"),
        max_length=200,
        blank=True,
    )

    # MPTT's bookkeeping columns are rebuilt wholesale; they are not history.
    history = HistoricalRecords(excluded_fields=["lft", "rght", "tree_id", "tree_depth"])

    class MPTTMeta:
        # "level" is the administrative level; MPTT's depth gets its own column.
        level_attr = "tree_depth"
        order_insertion_by = ["code"]

    class Meta:
        ordering = ["tree_id", "lft"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="region_unique_code",
                violation_error_message=_("A region with this code already exists."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="region_validity_ordered",
                violation_error_message=_("'Valid until' must not be before 'valid from'."),
            ),
            models.CheckConstraint(
                condition=Q(level=RegionLevel.PROVINCE) | Q(parent__isnull=False),
                name="region_parent_required",
                violation_error_message=_("Only a province may have no parent."),
            ),
        ]
        indexes = [
            models.Index(fields=["level", "code"], name="region_level_code"),
            GinIndex(fields=["name"], name="region_name_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(fields=["name_pinyin"], name="region_pinyin_trgm", opclasses=["gin_trgm_ops"]),
            GinIndex(
                fields=["search_key"], name="region_search_key_trgm", opclasses=["gin_trgm_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("regions:region_detail", kwargs={"code": self.code})

    @property
    def is_mapped(self) -> bool:
        return self.geom is not None

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        expected = CODE_LENGTH.get(self.level)
        if self.code and (not self.code.isdigit() or (expected and len(self.code) != expected)):
            errors["code"] = _("A %(level)s code must be %(n)d digits.") % {
                "level": self.get_level_display(),
                "n": expected,
            }
        expected_parent = PARENT_LEVEL.get(self.level)
        if self.parent_id and expected_parent and self.parent.level != expected_parent:
            errors["parent"] = _("The parent of a %(level)s must be a %(parent)s.") % {
                "level": self.get_level_display(),
                "parent": RegionLevel(expected_parent).label,
            }
        if self.level == RegionLevel.PROVINCE and self.parent_id:
            errors["parent"] = _("A province has no parent.")
        if self.geom is not None and not self.geom.valid:
            errors["geom"] = _("The boundary is not a valid geometry: %(reason)s") % {
                "reason": self.geom.valid_reason
            }
        if errors:
            raise ValidationError(errors)


class RegionPiece(models.Model):
    """A small piece of a county's or township's boundary (``ST_Subdivide``).

    Derived data, rebuilt whenever the region's boundary is loaded and never edited:
    "which county is this point in?" is then one GiST-indexed test against a
    polygon of at most a few hundred vertices instead of a whole county outline.
    The pieces of a region tile it exactly; a point on a seam between two pieces
    of the same region meets both, so lookups take distinct regions.
    """

    region = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="pieces",
    )
    geom = models.PolygonField(
        verbose_name=_("piece"),
        srid=4326,
        spatial_index=True,
    )

    class Meta:
        ordering = ["region", "id"]
        verbose_name = _("region boundary piece")
        verbose_name_plural = _("region boundary pieces")

    def __str__(self) -> str:
        return f"{self.region_id}#{self.pk}"
