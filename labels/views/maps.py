"""The application map: sites over the protected area, outside parts in red, neighbours in grey."""

import json

import folium
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

from girrepo.offline_maps import MapParts, OfflineMap, offline_map, outline_layer, render_map

from ..choices import ApplicationStatus, CheckResult
from ..models import Application, ProductionSite

AREA_STYLE = {"color": "#1f5f4a", "weight": 2, "fillOpacity": 0.08}
APPROXIMATE_AREA_STYLE = {**AREA_STYLE, "dashArray": "6 4"}
SITE_STYLES = {
    CheckResult.PASS: {"color": "#198754", "weight": 2, "fillOpacity": 0.35},
    CheckResult.MANUAL: {"color": "#fd7e14", "weight": 2, "fillOpacity": 0.35},
    CheckResult.FAIL: {"color": "#6f42c1", "weight": 2, "fillOpacity": 0.35},
    "": {"color": "#0d6efd", "weight": 2, "fillOpacity": 0.35},
}
OUTSIDE_STYLE = {"color": "#dc3545", "weight": 2, "fillColor": "#dc3545", "fillOpacity": 0.6}
NEIGHBOUR_STYLE = {"color": "#6c757d", "weight": 1, "fillOpacity": 0.2}
# Neighbouring approved sites within this many degrees (~10 km) of the application's sites.
NEIGHBOUR_MARGIN_DEG = 0.1
MAX_NEIGHBOURS = 200


def _feature(geom: GEOSGeometry | dict | str, label: str) -> dict:
    if isinstance(geom, GEOSGeometry):
        geometry = json.loads(geom.json)
    elif isinstance(geom, str):
        geometry = json.loads(geom)
    else:
        geometry = geom
    return {"type": "Feature", "geometry": geometry, "properties": {"label": label}}


def _layer(features: list[dict], style: dict) -> folium.GeoJson:
    layer = outline_layer(features, style=style)
    # Points as circles: Leaflet's default marker needs icon images we do not serve.
    layer.marker = folium.CircleMarker(radius=7, **style)
    return layer


def _outside(site: ProductionSite):
    outside = (site.check_details or {}).get("outside")
    if not outside:
        return None
    if isinstance(outside, dict) and outside.get("type") == "Feature":
        return outside.get("geometry")
    return outside


def neighbour_sites(application: Application, sites: list[ProductionSite]):
    """Approved sites of other producers near this application's sites."""
    if not sites:
        return ProductionSite.objects.none()
    extent = sites[0].geom.envelope
    for site in sites[1:]:
        extent = extent.union(site.geom.envelope)
    box = extent.envelope.buffer(NEIGHBOUR_MARGIN_DEG).envelope
    return (
        ProductionSite.objects.filter(
            application__status=ApplicationStatus.APPROVED, geom__intersects=box
        )
        .exclude(application__producer_id=application.producer_id)
        .select_related("application__producer")[:MAX_NEIGHBOURS]
    )


def application_map(
    application: Application, *, neighbours: bool = False
) -> tuple[MapParts, OfflineMap]:
    """The map of ``application``; also the folium map, whose name the draw tool needs."""
    sites = list(application.sites.all())
    product = application.product
    m = offline_map(location=[25.0, 101.5], zoom_start=6)
    bounds = None
    if product is not None and product.area_display is not None:
        style = AREA_STYLE if product.area_precision == "exact" else APPROXIMATE_AREA_STYLE
        label = _("Protected area of %(name)s") % {"name": product.name}
        _layer([_feature(product.area_display, label)], style).add_to(m)
        bounds = product.area_display.extent
    if neighbours:
        others = [
            _feature(s.geom, _("Approved site of %(p)s") % {"p": s.application.producer.name})
            for s in neighbour_sites(application, sites)
        ]
        if others:
            _layer(others, NEIGHBOUR_STYLE).add_to(m)
    for site in sites:
        _layer([_feature(site.geom, str(site))], SITE_STYLES.get(site.check_result, {})).add_to(m)
        outside = _outside(site)
        if outside:
            label = _("Outside the protected area: %(site)s") % {"site": site}
            _layer([_feature(outside, label)], OUTSIDE_STYLE).add_to(m)
    if sites:
        xmin, ymin, xmax, ymax = sites[0].geom.extent
        for site in sites[1:]:
            a, b, c, d = site.geom.extent
            xmin, ymin, xmax, ymax = min(xmin, a), min(ymin, b), max(xmax, c), max(ymax, d)
        pad = 0.02  # about 2 km: enough of the surroundings to judge the site
        bounds = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    if bounds:
        xmin, ymin, xmax, ymax = bounds
        m.fit_bounds([[ymin, xmin], [ymax, xmax]], padding=(16, 16))
    return render_map(m), m
