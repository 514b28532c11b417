"""Public pages of the region register: one page per region, province downwards."""

import json
from dataclasses import dataclass

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Case, Count, Expression, FloatField, QuerySet, TextField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from girrepo.gis import SimplifyPreserveTopology
from maps.folium import MapParts, offline_map, outline_layer, render_map

from .choices import RegionLevel, SourceCRS, UnitType
from .models import Region

# ~1 m at Yunnan's latitude: finer than the display boundaries themselves.
GEOJSON_PRECISION = 5
# Further simplification for small-scale maps, by the level of the page's
# region: the province map shows all of Yunnan, where 500 m is under a pixel.
# It cuts the province page from 520 kB of outlines to 160 kB.
MAP_TOLERANCE_DEG = {RegionLevel.PROVINCE: 0.005, RegionLevel.PREFECTURE: 0.002}
# Pages never need the full boundary; the simplified one is fetched as GeoJSON.
HEAVY_FIELDS = ("geom", "geom_display", "label_point")
REGION_STYLE = {"color": "#b02a37", "weight": 3, "fill": True, "fillOpacity": 0.08}
CHILD_STYLE = {"color": "#0d6efd", "weight": 1.5, "fillOpacity": 0.12}
FALLBACK_STYLE = {"color": "#6c757d", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.05}
# Headings for a county's township-level units, in statistical-code order.
# "Townships" alone means the whole level (乡级); here it means 乡, hence the context.
TOWNSHIP_GROUPS = {
    UnitType.SUBDISTRICT: pgettext_lazy("unit types", "Sub-districts"),
    UnitType.TOWN: pgettext_lazy("unit types", "Towns"),
    UnitType.TOWNSHIP: pgettext_lazy("unit types", "Townships"),
    UnitType.ETHNIC_TOWNSHIP: pgettext_lazy("unit types", "Ethnic townships"),
    UnitType.NON_ADMINISTRATIVE: pgettext_lazy("unit types", "Non-administrative units"),
}


def _display_geojson(field: str, *, tolerance: float | Expression = 0.0) -> AsGeoJSON:
    """``field`` (a ``geom_display``, never ``geom``) as GeoJSON with a bbox."""
    if not isinstance(tolerance, Expression):
        tolerance = Value(tolerance, output_field=FloatField())
    return AsGeoJSON(
        SimplifyPreserveTopology(field, tolerance), precision=GEOJSON_PRECISION, bbox=True
    )


def _tolerance_by_level() -> Case:
    whens = [When(level=level, then=Value(t)) for level, t in MAP_TOLERANCE_DEG.items()]
    return Case(*whens, default=Value(0.0), output_field=FloatField())


def _region_for_page(*, code: str | None) -> Region:
    """The region with ``code`` (the province if None), its simplified boundary as
    GeoJSON and, when it has none (townships), its parent's, in one query."""
    regions = Region.objects.defer(*HEAVY_FIELDS).annotate(
        display_geojson=_display_geojson("geom_display", tolerance=_tolerance_by_level()),
        fallback_geojson=Case(
            When(geom_display__isnull=True, then=_display_geojson("parent__geom_display")),
            output_field=TextField(),
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
        .annotate(
            child_count=Count("children"),
            display_geojson=_display_geojson(
                "geom_display", tolerance=MAP_TOLERANCE_DEG.get(region.level, 0.0)
            ),
        )
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


def _feature(region: Region, geojson: str, *, link: bool) -> dict:
    props = {"label": f"{region.name} ({region.code})"}
    if link:
        props["url"] = region.get_absolute_url()
    return {"type": "Feature", "geometry": json.loads(geojson), "properties": props}


def _region_map(region: Region, children: list[Region]) -> MapParts | None:
    """The region's outline with its mapped children, or its parent's outline."""
    own = region.display_geojson
    shown = own or region.fallback_geojson
    if not shown:
        return None
    xmin, ymin, xmax, ymax = json.loads(shown)["bbox"]
    m = offline_map(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], zoom_start=8)
    # Leaflet shows attributions as HTML; the source is our data, but escape it anyway.
    attribution = escape((region if own else region.parent).boundary_source)
    if own:
        mapped = [_feature(c, c.display_geojson, link=True) for c in children if c.display_geojson]
        outline_layer(
            [_feature(region, own, link=False)], style=REGION_STYLE, attribution=attribution
        ).add_to(m)
        if mapped:
            outline_layer(mapped, style=CHILD_STYLE).add_to(m)
    else:
        parent_feature = _feature(region.parent, shown, link=True)
        outline_layer([parent_feature], style=FALLBACK_STYLE, attribution=attribution).add_to(m)
    m.fit_bounds([[ymin, xmin], [ymax, xmax]], padding=(24, 24))
    return render_map(m)


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
        "map": _region_map(region, children),
        "shows_parent_boundary": not region.display_geojson and bool(region.fallback_geojson),
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
