"""The folium map and page config shared by the public map and the detail-page maps.

A page carries no geometry: it names its layers, the filters they take and
the data versions, and ``public-map.js`` fetches vector tiles and point rows
from the map endpoints (ETags, cached) with exactly those filters.
"""

from django.conf import settings
from django.http import QueryDict
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _

from girrepo.offline_maps import (
    MARKERCLUSTER_ASSETS,
    VECTORGRID_ASSETS,
    FullscreenControl,
    PageScript,
    StaticAssets,
    locate_control,
    offline_map,
)
from products.choices import Register
from regions.choices import RegionLevel
from regions.coords import YUNNAN_EXTENT
from regions.models import Region

from . import caching, tiles
from .layers import LAYERS, Layer
from .selectors import category_list
from .styles import category_colours

MAX_ZOOM_SHOWN = 18
ALL_TOPICS = tuple(sorted({t for layer in LAYERS.values() for t in layer.topics}))


def folium_map(*, config_id: str, locate: bool = True):
    """The folium map: local Leaflet and plugins, controls, and the page script."""
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    m = offline_map(
        location=[(ymin + ymax) / 2, (xmin + xmax) / 2],
        zoom_start=6,
        width="100%",
        height="100%",
    )
    StaticAssets(**VECTORGRID_ASSETS).add_to(m)
    # MarkerCluster is loaded by the page script when points arrive (config "clusterAssets").
    FullscreenControl(
        position="topleft", title=_("Full screen"), titleCancel=_("Exit full screen")
    ).add_to(m)
    if locate:
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
    PageScript("girrepoPublicMap", config_id).add_to(m)
    return m


def map_config(
    query: QueryDict,
    layers: list[Layer],
    *,
    on: tuple[str, ...] | None = None,
    bbox: list[float] | None = None,
) -> dict:
    """Everything the page script needs, written into the page as JSON.

    ``query`` holds the filters (the page's own, or a detail page's focus);
    each layer's data URL takes those it understands. ``on`` names the layers
    shown at first (default: each layer's ``default_on``).
    """
    topics = sorted({t for layer in layers for t in layer.topics})
    all_versions = caching.data_versions(ALL_TOPICS)
    versions = {t: v for t, v in all_versions.items() if t in topics}
    legend, attribution = _legend_and_attribution(all_versions)
    tile_names = [layer.name for layer in layers if layer.kind == "tiles"]
    tile_url = reverse("maps:tile", kwargs={"z": 0, "x": 0, "y": 0})
    region_url = reverse("regions:region_detail", kwargs={"code": "000000"})
    return {
        "layers": [_layer_config(query, layer, versions, on) for layer in layers],
        "tiles": {
            "url": tile_url.replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf"),
            "order": [name for name in tiles.TILE_ORDER if name in tile_names],
            "query": filter_query(query, tiles.tile_set(",".join(tile_names)).filters)
            if tile_names
            else "",
        },
        "versions": versions,
        "yunnan": list(YUNNAN_EXTENT),
        "bbox": bbox,
        "categories": legend,
        "mediaUrl": settings.MEDIA_URL,
        "searchUrl": reverse("maps:search"),
        "clusterAssets": {
            "js": static(MARKERCLUSTER_ASSETS["js"][0][1]),
            "css": [static(path) for _name, path in MARKERCLUSTER_ASSETS["css"]],
        },
        "basemap": settings.GIRREPO_BASEMAP,
        "maxZoom": MAX_ZOOM_SHOWN,
        "permalink": True,
        "urls": {
            "areas": _url_template("products:product_detail"),
            "marks": _url_template("brands:gimark_detail"),
            "varieties": _url_template("varieties:plantvariety_detail"),
            "producers": _url_template("producers:producer_detail"),
            "sites": _url_template("producers:producer_detail"),
            "townships": _url_template("township_products:townshipproduct_detail"),
            "counties": region_url,
            "prefectures": region_url,
        },
        "attribution": attribution,
        "text": _texts(),
    }


def filter_query(query: QueryDict, names) -> str:
    kept = QueryDict(mutable=True)
    for name in query:
        if name in names:
            kept.setlist(name, query.getlist(name))
    return kept.urlencode()


def _layer_config(query: QueryDict, layer: Layer, versions: dict, on) -> dict:
    spec = {
        "name": layer.name,
        "label": str(layer.label),
        "kind": layer.kind,
        "on": layer.default_on if on is None else layer.name in on,
        "topics": list(layer.topics),
    }
    if layer.kind == "points":
        # Polygon layers share the tile URL (built in the page); points have their own.
        version = sum(versions.get(t, 0) for t in layer.topics)
        own = filter_query(query, layer.filters)
        base = reverse("maps:points", kwargs={"layer": layer.name})
        spec["url"] = f"{base}?{own + '&' if own else ''}v={version}"
    return spec


def _url_template(name: str) -> str:
    return reverse(name, kwargs={"pk": 999999999}).replace("999999999", "{id}")


def _legend_and_attribution(versions: dict) -> tuple[list[dict], str]:
    """The category legend and the boundary source, cached until products or regions change
    (every map page shows them; a detail page should not pay two queries for them)."""
    key = f"maps:page:{versions.get('products', 0)}:{versions.get('regions', 0)}"
    cache = caching.map_cache()
    parts = cache.get(key)
    if parts is None:
        parts = (_category_legend(), escape(_boundary_source()))
        cache.set(key, parts, caching.CACHE_TIMEOUT)
    return parts


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
        "site": _("Production site"),
        "focus": _("Highlighted: the announced units"),
        "focusApprox": _("Dashed highlight: a county standing in for townships"),
    }
