"""The protected area (保护范围) of a GI product: its regions and its indexed parts."""

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from girrepo.models import ChangeLoggedModel
from regions.choices import RegionLevel

from ..choices import MatchedBy, UnitBoundary

AREA_UNIT_LEVELS = (RegionLevel.PREFECTURE, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


class ProtectedAreaUnit(ChangeLoggedModel):
    """A region named in a product's announced protected area (保护范围所辖单位).

    Keeps the words the announcement used, which may be an older name of the
    region, and how the link was made, so a reviewer can check every match.
    """

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="area_units",
    )
    region = models.ForeignKey(
        to="regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="product_area_units",
        limit_choices_to={"level__in": AREA_UNIT_LEVELS},
    )
    text_as_announced = models.CharField(
        verbose_name=_("name as announced"),
        max_length=100,
        blank=True,
    )
    matched_by = models.CharField(
        verbose_name=_("matched by"),
        max_length=20,
        choices=MatchedBy.choices,
        default=MatchedBy.MANUAL,
    )
    boundary = models.CharField(
        verbose_name=_("boundary used"),
        max_length=20,
        choices=UnitBoundary.choices,
        default=UnitBoundary.NONE,
        editable=False,
        help_text=_("Set when the area is computed: own boundary, county stand-in, or none."),
    )

    class Meta:
        ordering = ["product", "region__code"]
        verbose_name = _("protected-area unit")
        verbose_name_plural = _("protected-area units")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "region"],
                name="protectedareaunit_unique_region",
                violation_error_message=_("This region is already part of the protected area."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.region.name}"

    def clean(self) -> None:
        super().clean()
        if self.region_id and self.region.level not in AREA_UNIT_LEVELS:
            raise ValidationError(
                {"region": _("A protected area is made of prefectures, counties or townships.")}
            )


class ProtectedAreaPart(models.Model):
    """A small piece of a product's mapped area (``ST_Subdivide``), for indexed checks.

    Derived data: rebuilt whenever the area is computed, never edited. "Is this
    point inside the area?" is then one GiST-indexed query over few-vertex
    polygons instead of one test against a 100,000-vertex outline.
    """

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="area_parts",
    )
    geom = models.PolygonField(
        verbose_name=_("part"),
        srid=4326,
        spatial_index=True,
    )

    class Meta:
        ordering = ["product", "id"]
        verbose_name = _("protected-area part")
        verbose_name_plural = _("protected-area parts")

    def __str__(self) -> str:
        return f"{self.product_id}#{self.pk}"


class ProtectedAreaOutline(models.Model):
    """A short stretch of a product's area outline (``ST_Subdivide`` of its boundary).

    Derived data, rebuilt with the parts. "How far is this site from the boundary?"
    then reads the few GiST-indexed stretches near the site instead of walking an
    outline of 20,000 vertices.
    """

    product = models.ForeignKey(
        to="products.GIProduct",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="area_outline",
    )
    geom = models.LineStringField(
        verbose_name=_("outline stretch"),
        srid=4326,
        spatial_index=True,
    )

    class Meta:
        ordering = ["product", "id"]
        verbose_name = _("protected-area outline stretch")
        verbose_name_plural = _("protected-area outline stretches")

    def __str__(self) -> str:
        return f"{self.product_id}~{self.pk}"
