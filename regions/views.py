"""Public pages of the region register: one page per region, province downwards."""

import json
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from girrepo.gis import SimplifyPreserveTopology

from .choices import RegionLevel, SourceCRS, UnitType
from .models import Region

# Pages never need the full boundary; the map draws vector tiles (maps app).
HEAVY_FIELDS = ("geom", "geom_display", "label_point")
# Headings for a county's township-level units, in statistical-code order.
# "Townships" alone means the whole level (乡级); here it means 乡, hence the context.
TOWNSHIP_GROUPS = {
    UnitType.SUBDISTRICT: pgettext_lazy("unit types", "Sub-districts"),
    UnitType.TOWN: pgettext_lazy("unit types", "Towns"),
    UnitType.TOWNSHIP: pgettext_lazy("unit types", "Townships"),
    UnitType.ETHNIC_TOWNSHIP: pgettext_lazy("unit types", "Ethnic townships"),
    UnitType.NON_ADMINISTRATIVE: pgettext_lazy("unit types", "Non-administrative units"),
}


def _region_for_page(*, code: str | None) -> Region:
    """The region with ``code`` (the province if None), and whether it and its
    parent have a boundary (townships have none: their county is shown)."""
    regions = Region.objects.defer(*HEAVY_FIELDS).annotate(
        has_boundary=ExpressionWrapper(Q(geom_display__isnull=False), output_field=BooleanField()),
        parent_has_boundary=ExpressionWrapper(
            Q(parent__geom_display__isnull=False), output_field=BooleanField()
        ),
    )
    if code is None:
        region = regions.filter(level=RegionLevel.PROVINCE).order_by("code").first()
    else:
        region = regions.filter(code=code).first()
    if region is None:
        raise Http404(_("No region with this code."))
    return region


def _children_for_page(region: Region) -> QuerySet[Region]:
    return (
        region.children.defer(*HEAVY_FIELDS)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


@dataclass
class UnitGroup:
    """Children of one unit type, e.g. a county's towns (镇)."""

    label: str
    regions: list[Region]


def _group_by_unit_type(children: list[Region]) -> list[UnitGroup]:
    groups = {unit_type: UnitGroup(label, []) for unit_type, label in TOWNSHIP_GROUPS.items()}
    other = UnitGroup(_("Other"), [])
    for child in children:
        groups.get(child.unit_type, other).regions.append(child)
    return [g for g in [*groups.values(), other] if g.regions]


def region_detail(request: HttpRequest, code: str | None = None) -> HttpResponse:
    region = _region_for_page(code=code)
    ancestors = list(region.get_ancestors().defer(*HEAVY_FIELDS))
    if ancestors:
        # The parent is already loaded; the map and templates must not fetch it again.
        region.parent = ancestors[-1]
    children = list(_children_for_page(region))
    crs = region.boundary_source_crs
    context = {
        "region": region,
        "ancestors": ancestors,
        "children": children,
        "child_groups": _group_by_unit_type(children)
        if region.level == RegionLevel.COUNTY
        else None,
        "non_administrative_count": sum(not c.is_administrative for c in children),
        "source_crs_label": SourceCRS(crs).label if crs in SourceCRS.values else crs,
        "shows_parent_boundary": not region.has_boundary and region.parent_has_boundary,
    }
    return render(request, "regions/region_detail.html", context)


# Coarse enough for a whole-province base layer (~300 m), fine enough to recognise counties.
OUTLINE_TOLERANCE_DEG = 0.003


def outlines_geojson(request: HttpRequest, level: str) -> HttpResponse:
    """Simplified outlines of every prefecture or county as GeoJSON (map base layers)."""
    if level not in (RegionLevel.PREFECTURE, RegionLevel.COUNTY):
        raise Http404(_("Outlines are served for prefectures and counties."))
    rows = (
        Region.objects.filter(level=level, geom_display__isnull=False)
        .annotate(
            gj=AsGeoJSON(
                SimplifyPreserveTopology("geom_display", OUTLINE_TOLERANCE_DEG), precision=4
            )
        )
        .values_list("code", "name", "gj")
    )
    features = ",".join(
        f'{{"type":"Feature","properties":{json.dumps({"code": code, "name": name}, ensure_ascii=False)},"geometry":{gj}}}'
        for code, name, gj in rows
    )
    body = f'{{"type":"FeatureCollection","features":[{features}]}}'
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response
