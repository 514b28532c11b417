"""The small maps of detail pages, on the public map's layers, focused on one record.

Each page's map is the public map's machinery (vector tiles, point rows, ETags)
with a *focus*: filters naming the record (``product=<id>``, ``region=<code>``
…), the layers that matter for it, the box to fit, and the region codes to
highlight. No geometry is embedded: at most one point (a producer's location).

- product: its protected area, the announced units highlighted (a county
  standing in for townships dashed), the producers holding a valid label
  authorization for it, and its one-township-one-product records;
- region: the region highlighted, with everything registered inside it;
- producer: its location, its production sites, and the protected areas it may
  label for;
- GI mark: its origin regions and the producers authorized for it;
- plant variety: the regions where it is grown;
- township product: its record at its county (townships have no boundary).
"""

import math
from dataclasses import dataclass, field

from django.db import connection
from django.http import QueryDict
from django.utils.translation import gettext as _

from products.choices import UnitBoundary
from regions.choices import RegionLevel

from .layers import LAYERS
from .pages import map_config
from .selectors import region_box

# A lone point is shown in a box this many degrees wide each way (~5 km).
POINT_MARGIN_DEG = 0.05
# Zoom no closer than this when fitting a small box (a single site).
FIT_MAX_ZOOM = 12


@dataclass
class Focus:
    """What one detail page's map shows."""

    query: dict[str, str]
    layers: tuple[str, ...]
    bbox: list[float] | None
    own: list[str] = field(default_factory=list)  # region codes highlighted, solid
    approx: list[str] = field(default_factory=list)  # stand-in counties, dashed
    marker: dict | None = None
    on: tuple[str, ...] | None = None  # default: every layer in ``layers``


def detail_map_config(obj) -> dict | None:
    """The page-script config of ``obj``'s map, or None when there is nothing to draw."""
    builder = BUILDERS.get(obj._meta.label_lower)
    focus = builder(obj) if builder else None
    if focus is None or focus.bbox is None:
        return None
    query = QueryDict(mutable=True)
    for name, value in focus.query.items():
        query[name] = value
    config = map_config(
        query,
        [LAYERS[name] for name in focus.layers],
        on=focus.on or focus.layers,
        bbox=focus.bbox,
    )
    config.update(
        permalink=False,
        search=False,
        fitMaxZoom=FIT_MAX_ZOOM,
        highlight={"own": focus.own, "approx": focus.approx},
        marker=focus.marker,
    )
    return config


# --- boxes -----------------------------------------------------------------------------


def _extent(sql: str, params: list) -> list[float] | None:
    """The box of the geometries ``sql`` selects (one column), padded if it is a point."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(g) AS e FROM ({sql}) AS s(g)) AS x",
            params,
        )
        box = cur.fetchone()
    if box is None or box[0] is None:
        return None
    xmin, ymin, xmax, ymax = box
    if xmax - xmin < POINT_MARGIN_DEG and ymax - ymin < POINT_MARGIN_DEG:
        xmin, ymin = xmin - POINT_MARGIN_DEG, ymin - POINT_MARGIN_DEG
        xmax, ymax = xmax + POINT_MARGIN_DEG, ymax + POINT_MARGIN_DEG
    # Rounded outwards, so that the box still holds everything.
    lower = [math.floor(v * 1e4) / 1e4 for v in (xmin, ymin)]
    upper = [math.ceil(v * 1e4) / 1e4 for v in (xmax, ymax)]
    return lower + upper


# The extent of what a product page draws: its area, else its producers and townships.
_PRODUCT_EXTENT = """
    SELECT area_display FROM products_giproduct WHERE id = %s AND area_display IS NOT NULL
"""
_PRODUCT_POINTS_EXTENT = """
    SELECT pr.location FROM producers_producer pr
    JOIN labels_authorization a ON a.producer_id = pr.id
    WHERE a.product_id = %s AND a.status = 'valid'
      AND (a.valid_until IS NULL OR a.valid_until >= current_date)
    UNION ALL
    SELECT coalesce(t.label_point, c.label_point)
    FROM township_products_townshipproduct tp
    JOIN regions_region t ON t.id = tp.township_id
    JOIN regions_region c ON c.id = t.parent_id
    WHERE tp.gi_product_id = %s
"""
_PRODUCER_EXTENT = """
    SELECT location FROM producers_producer WHERE id = %s
    UNION ALL
    SELECT s.geom FROM labels_productionsite s
    JOIN labels_authorization a ON a.application_id = s.application_id
    WHERE a.producer_id = %s AND a.status = 'valid'
      AND (a.valid_until IS NULL OR a.valid_until >= current_date)
"""
_MARK_EXTENT = """
    SELECT coalesce(r.geom_display, p.geom_display)
    FROM brands_gimark_origin_regions o
    JOIN regions_region r ON r.id = o.region_id
    LEFT JOIN regions_region p ON p.id = r.parent_id
    WHERE o.gimark_id = %s
"""


def _highlight(regions) -> tuple[list[str], list[str]]:
    """(own, approx) codes for (level, code, parent code) rows: a township has no
    boundary, so its county is highlighted dashed instead."""
    own, approx = set(), set()
    for level, code, parent_code in regions:
        if level == RegionLevel.TOWNSHIP:
            if parent_code:
                approx.add(parent_code)
        else:
            own.add(code)
    return sorted(own), sorted(approx - own)


# --- one builder per detail page ---------------------------------------------------------


def _product(product) -> Focus:
    units = product.area_units.exclude(boundary=UnitBoundary.NONE).values_list(
        "boundary", "region__code", "region__parent__code"
    )
    own = sorted({code for b, code, _p in units if b == UnitBoundary.OWN})
    approx = sorted({parent for b, _c, parent in units if b == UnitBoundary.COUNTY} - set(own))
    bbox = _extent(_PRODUCT_EXTENT, [product.pk]) or _extent(
        _PRODUCT_POINTS_EXTENT, [product.pk, product.pk]
    )
    return Focus(
        query={"product": str(product.pk)},
        layers=("counties", "prefectures", "areas", "producers", "townships"),
        bbox=bbox,
        own=own,
        approx=approx,
    )


def _region(region) -> Focus:
    query = {} if region.level == RegionLevel.PROVINCE else {"region": region.code}
    if region.level == RegionLevel.TOWNSHIP:
        own, approx = [], [region.parent.code] if region.parent_id else []
    else:
        own, approx = ([] if region.level == RegionLevel.PROVINCE else [region.code]), []
    return Focus(
        query=query,
        layers=(
            "counties",
            "prefectures",
            "areas",
            "marks",
            "varieties",
            "producers",
            "townships",
        ),
        bbox=region_box(code=region.code),
        own=own,
        approx=approx,
        # Marks and varieties share the areas' colours of outline: off until asked for.
        on=("counties", "prefectures", "areas", "producers", "townships"),
    )


def _producer(producer) -> Focus:
    marker = None
    if producer.location is not None:
        marker = {
            "lat": round(producer.location.y, 5),
            "lon": round(producer.location.x, 5),
            "name": producer.name,
        }
    county = [producer.county.code] if producer.county_id else []
    return Focus(
        query={"producer": str(producer.pk)},
        layers=("counties", "prefectures", "areas", "sites"),
        bbox=_extent(_PRODUCER_EXTENT, [producer.pk, producer.pk]),
        own=county,
        marker=marker,
    )


def _mark(mark) -> Focus:
    own, approx = _highlight(
        mark.origin_regions.values_list("level", "code", "parent__code").order_by("code")
    )
    return Focus(
        query={"mark": str(mark.pk)},
        layers=("counties", "prefectures", "marks", "producers"),
        bbox=_extent(_MARK_EXTENT, [mark.pk]),
        own=own,
        approx=approx,
    )


_VARIETY_EXTENT = """
    SELECT coalesce(r.geom_display, p.geom_display)
    FROM varieties_plantvariety_growing_regions g
    JOIN regions_region r ON r.id = g.region_id
    LEFT JOIN regions_region p ON p.id = r.parent_id
    WHERE g.plantvariety_id = %s
"""


def _variety(variety) -> Focus:
    own, approx = _highlight(
        variety.growing_regions.values_list("level", "code", "parent__code").order_by("code")
    )
    return Focus(
        query={"variety": str(variety.pk)},
        layers=("counties", "prefectures", "varieties"),
        bbox=_extent(_VARIETY_EXTENT, [variety.pk]),
        own=own,
        approx=approx,
    )


def _township_product(record) -> Focus:
    township = record.township
    query = {"township_product": str(record.pk)}
    layers = ("counties", "prefectures", "townships")
    if record.gi_product_id:
        # Its GI product's area, for context; ``product`` also matches this record.
        query["product"] = str(record.gi_product_id)
        layers = ("counties", "prefectures", "areas", "townships")
    county = township.parent.code if township.parent_id else None
    return Focus(
        query=query,
        layers=layers,
        bbox=region_box(code=township.code),
        approx=[county] if county else [],
    )


BUILDERS = {
    "products.giproduct": _product,
    "regions.region": _region,
    "producers.producer": _producer,
    "brands.gimark": _mark,
    "varieties.plantvariety": _variety,
    "township_products.townshipproduct": _township_product,
}


def caption(obj) -> str:
    """One line under the map saying what is drawn."""
    label = obj._meta.label_lower
    if label == "products.giproduct":
        return _(
            "Protected area in its category's colour (dashed: approximate); announced units "
            "outlined in blue, a county standing in for townships dashed; green dots: "
            "producers authorized to use the special label; orange squares: one township, "
            "one product."
        )
    if label == "regions.region":
        return _(
            "The region outlined in blue, with the GI protected areas, authorized producers "
            "and township products registered inside it; marks and plant varieties can be "
            "switched on."
        )
    if label == "producers.producer":
        return _(
            "The producer's location (pin), its production sites under a valid "
            "authorization, and the protected areas it may label for."
        )
    if label == "brands.gimark":
        return _(
            "Origin regions outlined (a county standing in for a township dashed); green "
            "dots: producers authorized to use the mark's special label."
        )
    if label == "varieties.plantvariety":
        return _(
            "Where the variety is grown, outlined (a county standing in for a township dashed)."
        )
    return _(
        "Townships have no boundaries in the registry: the record is shown at a point "
        "inside its county, outlined dashed."
    )
