"""The public map (/map/) and the data endpoints it draws from.

The page itself carries no geometry: polygons come as vector tiles (all shown
polygon layers in one tile), points as compact JSON rows, both filtered by the
page's query string through the registers' FilterSets, with ETags from data
versions (see ``maps.caching``). The endpoints' rules live in ``maps.endpoints``,
shared with the early middleware and ``maps.wsgi.MapDataApp``. Detail pages
embed the same map through the ``girrepo_maps`` template tags (``maps.detail``).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from girrepo.offline_maps import render_map
from products.filtersets import GIProductFilterSet

from . import caching, endpoints
from .http import MapRequest
from .layers import LAYERS, PAGE_FILTERS, PUBLIC_LAYERS, BadFilter, filter_data, layer_ids
from .pages import folium_map, map_config
from .selectors import map_search, region_box, unmapped_products


@require_safe
def public_map(request: HttpRequest) -> HttpResponse:
    form = GIProductFilterSet(request.GET or None).form
    product_data = filter_data(LAYERS["areas"], request.GET)
    try:
        unmapped = unmapped_products(product_ids=layer_ids(LAYERS["areas"], product_data))
    except BadFilter:  # the form shows the errors
        unmapped = []
    context = {
        "map": render_map(folium_map(config_id="map-config")),
        "config": _page_config(request),
        "filter_fields": [form[name] for name in PAGE_FILTERS if name in form.fields],
        "filter_active": bool(product_data),
        "unmapped": unmapped,
    }
    response = render(request, "maps/public_map.html", context)
    # The page names the current data versions in its data URLs: never reuse a stale one.
    response["Cache-Control"] = "no-cache"
    return response


def _page_config(request: HttpRequest) -> dict:
    region = request.GET.get("region")
    return map_config(
        request.GET,
        list(PUBLIC_LAYERS.values()),
        bbox=region_box(code=region) if region else None,
    )


@require_safe
def tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    return endpoints.tile_reply(MapRequest.from_django(request), z, x, y).django()


@require_safe
def point_layer(request: HttpRequest, layer: str) -> HttpResponse:
    return endpoints.points_reply(MapRequest.from_django(request), layer).django()


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
