"""The public map (/map/) and the data endpoints it draws from.

The page itself carries no geometry: polygons come as vector tiles (all shown
polygon layers in one tile), points as compact JSON rows, both filtered by the
page's query string through the registers' FilterSets, with ETags from data
versions (see ``maps.caching``).
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from products.choices import Register
from products.filtersets import GIProductFilterSet
from regions.choices import RegionLevel
from regions.coords import YUNNAN_EXTENT
from regions.models import Region

from . import caching, points, tiles
from .folium import (
    MARKERCLUSTER_ASSETS,
    VECTORGRID_ASSETS,
    FullscreenControl,
    PageScript,
    StaticAssets,
    locate_control,
    offline_map,
    render_map,
)
from .layers import LAYERS, PAGE_FILTERS, BadFilter, filter_data, layer_ids
from .selectors import category_list, map_search, region_box, unmapped_products
from .styles import category_colours

MAX_ZOOM_SHOWN = 18


@require_safe
def public_map(request: HttpRequest) -> HttpResponse:
    form = GIProductFilterSet(request.GET or None).form
    product_data = filter_data(LAYERS["areas"], request.GET)
    try:
        unmapped = unmapped_products(product_ids=layer_ids(LAYERS["areas"], product_data))
    except BadFilter:  # the form shows the errors
        unmapped = []
    context = {
        "map": render_map(_folium_map()),
        "config": _page_config(request),
        "filter_fields": [form[name] for name in PAGE_FILTERS if name in form.fields],
        "filter_active": bool(product_data),
        "unmapped": unmapped,
    }
    response = render(request, "maps/public_map.html", context)
    # The page names the current data versions in its data URLs: never reuse a stale one.
    response["Cache-Control"] = "no-cache"
    return response


def _folium_map():
    """The folium map: local Leaflet and plugins, controls, and the page script."""
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    m = offline_map(
        location=[(ymin + ymax) / 2, (xmin + xmax) / 2],
        zoom_start=6,
        width="100%",
        height="100%",
    )
    StaticAssets(**VECTORGRID_ASSETS).add_to(m)
    StaticAssets(**MARKERCLUSTER_ASSETS).add_to(m)
    FullscreenControl(
        position="topleft", title=_("Full screen"), titleCancel=_("Exit full screen")
    ).add_to(m)
    locate_control(
        position="topleft",
        strings={"title": _("Show where I am")},
        flyTo=False,
        showPopup=False,
    ).add_to(m)
    StaticAssets(
        js=(("public_map", "maps/public-map.js"),),
        css=(("public_map_css", "maps/public-map.css"),),
    ).add_to(m)
    PageScript("girrepoPublicMap", "map-config").add_to(m)
    return m


def _page_config(request: HttpRequest) -> dict:
    """Everything the page script needs, written into the page as JSON."""
    topics = sorted({t for layer in LAYERS.values() for t in layer.topics})
    versions = caching.data_versions(tuple(topics))
    tile_url = reverse("maps:tile", kwargs={"z": 0, "x": 0, "y": 0})
    region_url = reverse("regions:region_detail", kwargs={"code": "000000"})
    return {
        "layers": [_layer_config(request, layer, versions) for layer in LAYERS.values()],
        "tiles": {
            "url": tile_url.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf"),
            "order": list(tiles.TILE_ORDER),
            "query": _filter_query(request, tiles.tile_set(None).filters),
        },
        "versions": versions,
        "yunnan": list(YUNNAN_EXTENT),
        "bbox": region_box(code=request.GET["region"]) if request.GET.get("region") else None,
        "categories": _category_legend(),
        "mediaUrl": settings.MEDIA_URL,
        "searchUrl": reverse("maps:search"),
        "basemap": settings.GIRREPO_BASEMAP,
        "maxZoom": MAX_ZOOM_SHOWN,
        "urls": {
            "areas": _url_template("products:product_detail"),
            "marks": _url_template("brands:gimark_detail"),
            "varieties": _url_template("varieties:plantvariety_detail"),
            "producers": _url_template("producers:producer_detail"),
            "townships": _url_template("township_products:townshipproduct_detail"),
            "counties": region_url,
            "prefectures": region_url,
        },
        "attribution": escape(_boundary_source()),
        "text": _texts(),
    }


def _filter_query(request: HttpRequest, names) -> str:
    query = request.GET.copy()
    for name in list(query):
        if name not in names:
            del query[name]
    return query.urlencode()


def _layer_config(request: HttpRequest, layer, versions: dict) -> dict:
    spec = {
        "name": layer.name,
        "label": str(layer.label),
        "kind": layer.kind,
        "on": layer.default_on,
        "topics": list(layer.topics),
    }
    if layer.kind == "points":
        # Polygon layers share the tile URL (built in the page); points have their own.
        version = sum(versions.get(t, 0) for t in layer.topics)
        query = _filter_query(request, layer.filters)
        base = reverse("maps:points", kwargs={"layer": layer.name})
        spec["url"] = f"{base}?{query + '&' if query else ''}v={version}"
    return spec


def _url_template(name: str) -> str:
    return reverse(name, kwargs={"pk": 999999999}).replace("999999999", "{id}")


def _category_legend() -> list[dict]:
    categories = category_list()
    colours = category_colours([slug for slug, _n, _e in categories])
    return [
        {"slug": slug, "name": name, "nameEn": name_en, "colour": colours[slug]}
        for slug, name, name_en in categories
    ]


def _boundary_source() -> str:
    return (
        Region.objects.filter(level=RegionLevel.PROVINCE)
        .values_list("boundary_source", flat=True)
        .first()
        or ""
    )


def _texts() -> dict:
    """What the page's script writes, translated here (the script has no catalogue)."""
    return {
        "details": _("Details"),
        "exact": _("Protected area (exact)"),
        "approximate": _("Approximate area: larger units stand in for the announced ones"),
        "townshipApprox": _("Township boundaries are not mapped: shown at a point in its county"),
        "regionApprox": _("A township: its county is shown"),
        "authorizedFor": _("Authorized for"),
        "zoomIn": _("Zoom in to see them one by one"),
        "noResults": _("No place or product found"),
        "producers": _("authorized producers"),
        "gi_product": str(Register.GI_PRODUCT.label),
        "agri_gi": str(Register.AGRI_GI.label),
        "legend": _("Legend"),
        "categories": _("GI product categories"),
        "markRegion": _("GI mark origin region"),
        "varietyRegion": _("Plant variety growing area"),
        "authorizedProducer": _("Authorized producer (where to buy genuine)"),
        "townshipProduct": _("One township, one product (at a point in its county)"),
        "approxLegend": _("Dashed: approximate area"),
        "exactLegend": _("Solid: exact area"),
    }


@require_safe
def tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    if not tiles.valid_tile(z, x, y):
        raise Http404(_("No such tile."))
    try:
        tile_set = tiles.tile_set(request.GET.get("layers"))
    except ValueError as exc:
        return JsonResponse({"errors": {"layers": [str(exc)]}}, status=400)
    return caching.serve(
        request,
        tile_set,
        f"{z}/{x}/{y}",
        tiles.CONTENT_TYPE,
        lambda data: tiles.build_tile(tile_set, z, x, y, data),
    )


@require_safe
def point_layer(request: HttpRequest, layer: str) -> HttpResponse:
    spec = LAYERS.get(layer)
    if spec is None or spec.kind != "points":
        raise Http404(_("No such map layer."))
    try:
        zoom, bbox = points.parse_view(request.GET)
    except ValueError as exc:
        return JsonResponse({"errors": {"view": [str(exc)]}}, status=400)
    return caching.serve(
        request,
        spec,
        points.coords_key(zoom, bbox),
        points.CONTENT_TYPE,
        lambda data: points.build_points(spec, data, zoom=zoom, bbox=bbox),
    )


SEARCH_TOPICS = ("regions", "products", "townships")


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Places and products for the search box, as JSON; revalidated by data version."""
    q = request.GET.get("q", "")
    version = sum(caching.data_versions(SEARCH_TOPICS).values())
    etag = f'W/"search.{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = JsonResponse({"results": map_search(q=q)})
    response["ETag"] = etag
    response["Cache-Control"] = caching.REVALIDATE_CACHE_CONTROL
    return response
