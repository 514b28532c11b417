"""Reads from the GI product registers (HackSoft-style selectors: keyword-only, typed)."""

import json
from dataclasses import dataclass, field

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db.models import Case, FloatField, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from girrepo.gis import SimplifyPreserveTopology

from .choices import AreaPrecision, UnitBoundary
from .models import GIProduct, ProtectedAreaPart, ProtectedAreaUnit

GEOJSON_PRECISION = 5  # ~1 m, finer than the display geometry itself


@dataclass(frozen=True)
class AreaCoverage:
    """Whether a product's protected area covers a geometry, and how sure that is.

    ``covered`` is None when the registry cannot decide: the area is not
    mapped, or the geometry lies inside an approximate area (a county standing
    in for townships covers more than the announced area). Such a case needs
    manual verification; it is never reported as inside.
    """

    covered: bool | None
    precision: str
    in_mapped_area: bool | None
    reason: str = ""

    @property
    def needs_manual_check(self) -> bool:
        return self.covered is None


def product_area_covers(*, product: GIProduct, geometry: GEOSGeometry) -> AreaCoverage:
    """Is ``geometry`` inside the protected area of ``product``?

    A point is one GiST-indexed query over the area's subdivided parts; other
    geometries are tested against the whole area (a polygon may straddle parts).
    """
    precision = product.area_precision
    if precision == AreaPrecision.NOT_MAPPED:
        return AreaCoverage(
            covered=None,
            precision=precision,
            in_mapped_area=None,
            reason=_("The protected area is not mapped; verify manually."),
        )
    if geometry.srid is None:
        raise ValueError("geometry needs an SRID")
    if geometry.srid != 4326:
        geometry = geometry.transform(4326, clone=True)
    if isinstance(geometry, Point):
        inside = ProtectedAreaPart.objects.filter(product_id=product.pk, geom__covers=geometry)
    else:
        inside = GIProduct.objects.filter(pk=product.pk, area_geom__covers=geometry)
    inside = inside.exists()
    if precision == AreaPrecision.EXACT:
        return AreaCoverage(covered=inside, precision=precision, in_mapped_area=inside)
    if inside:
        return AreaCoverage(
            covered=None,
            precision=precision,
            in_mapped_area=True,
            reason=_(
                "Inside the approximate area, whose stand-in units are larger than the "
                "announced ones; verify manually."
            ),
        )
    # Stand-ins contain what they stand for, so outside them is outside the
    # announced area, unless part of the area is missing from the map.
    if product.area_unmatched or product.area_units.exclude(boundary__in=_MAPPED).exists():
        return AreaCoverage(
            covered=None,
            precision=precision,
            in_mapped_area=False,
            reason=_("Outside the mapped area, but part of the area is not mapped."),
        )
    return AreaCoverage(covered=False, precision=precision, in_mapped_area=False)


_MAPPED = (UnitBoundary.OWN, UnitBoundary.COUNTY)

# Further simplification for large areas: 普洱茶's eleven prefectures need no
# 100 m detail on a 600 px map.
MAP_TOLERANCE_BY_KM2 = ((50_000, 0.005), (5_000, 0.002))


def map_tolerance(area_km2: float | None) -> float:
    for threshold, tolerance in MAP_TOLERANCE_BY_KM2:
        if area_km2 and area_km2 >= threshold:
            return tolerance
    return 0.0


def _simplified(field_name: str, tolerance: float) -> AsGeoJSON:
    return AsGeoJSON(
        SimplifyPreserveTopology(field_name, Value(tolerance, output_field=FloatField())),
        precision=GEOJSON_PRECISION,
        bbox=True,
    )


@dataclass
class AreaMap:
    """What the detail page draws: the area, the units' own outlines, the stand-ins."""

    area: dict | None
    units: list[dict] = field(default_factory=list)
    stand_ins: list[dict] = field(default_factory=list)

    @property
    def bbox(self) -> list[float] | None:
        return self.area["bbox"] if self.area else None


def product_area_map(*, product: GIProduct) -> AreaMap:
    """Simplified GeoJSON of the area and its units, never the full-resolution geometry."""
    tolerance = map_tolerance(product.area_km2)
    row = (
        GIProduct.objects.filter(pk=product.pk, area_display__isnull=False)
        .annotate(geojson=_simplified("area_display", tolerance))
        .values_list("geojson", flat=True)
        .first()
    )
    if row is None:
        return AreaMap(area=None)
    units = (
        ProtectedAreaUnit.objects.filter(product=product)
        .exclude(boundary=UnitBoundary.NONE)
        .annotate(
            geojson=Case(
                When(
                    boundary=UnitBoundary.OWN, then=_simplified("region__geom_display", tolerance)
                ),
                default=_simplified("region__parent__geom_display", tolerance),
            )
        )
        .values(
            "boundary",
            "geojson",
            "region__code",
            "region__name",
            "region__parent__code",
            "region__parent__name",
        )
        .order_by("region__code")
    )
    area_map = AreaMap(area=json.loads(row))
    stand_ins: dict[str, dict] = {}
    for unit in units:
        if not unit["geojson"]:
            continue
        if unit["boundary"] == UnitBoundary.OWN:
            area_map.units.append(
                _feature(unit["geojson"], unit["region__name"], unit["region__code"])
            )
            continue
        code = unit["region__parent__code"]
        if code not in stand_ins:
            stand_ins[code] = _feature(unit["geojson"], unit["region__parent__name"], code)
            stand_ins[code]["properties"]["townships"] = []
        stand_ins[code]["properties"]["townships"].append(unit["region__name"])
    for feature in stand_ins.values():
        names = "、".join(feature["properties"].pop("townships"))
        feature["properties"]["label"] = _("%(county)s (stands in for %(townships)s)") % {
            "county": feature["properties"]["label"],
            "townships": names,
        }
    area_map.stand_ins = list(stand_ins.values())
    return area_map


def _feature(geojson: str, name: str, code: str) -> dict:
    return {
        "type": "Feature",
        "geometry": json.loads(geojson),
        "properties": {
            "label": f"{name} ({code})",
            "url": reverse("regions:region_detail", kwargs={"code": code}),
        },
    }
