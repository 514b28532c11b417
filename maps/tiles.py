"""Mapbox vector tiles of the polygon layers, built by PostGIS (``ST_AsMVT``).

One tile carries every polygon layer the map shows (``?layers=counties,areas``),
one MVT layer each, so the browser makes one request per tile position rather
than one per layer. A tile is one SQL statement: up to zoom 8 it encodes the
pieces cut for that tile when the shapes were built; above, it cuts the zoom
band's pre-simplified web-mercator shapes, found through a partial GiST index
per band. The statement also reads the data version: a tile and the version
it is cached under come from one snapshot.
"""

import functools
import hashlib
import re
import weakref
from dataclasses import dataclass

from django.db import connection

from .bands import MAX_ZOOM, PRETILED_MAX_ZOOM, band_for_zoom
from .layers import LAYERS, Layer, ids_sql, layer_ids

# 512 units per 256-pixel tile is half a pixel: finer only costs bytes.
EXTENT = 512
BUFFER = 8  # units drawn beyond the tile edge (4 px), so strokes meet across tiles
# Drawing order inside a tile: county paper first, prefecture lines on top.
TILE_ORDER = ("counties", "areas", "marks", "varieties", "prefectures")
CONTENT_TYPE = "application/vnd.mapbox-vector-tile"

# Shared by every layer: the thumbnail of a product's first photo, if any.
_PRODUCT_THUMB = """
    (SELECT ph.thumbnail FROM products_productphoto ph
     WHERE ph.product_id = g.id AND ph.thumbnail <> '' ORDER BY ph.id LIMIT 1)
"""

# Where a tile's pieces come from. Up to PRETILED_MAX_ZOOM they were cut for
# that tile when the shapes were built, and the tile only encodes them; above,
# the band's shapes are found by a partial GiST index and cut here.
_PRETILED = {
    "regions": """SELECT t.region_id, t.level, t.wkb AS piece FROM maps_regiontile t, env
                  WHERE t.z = env.z AND t.x = env.x AND t.y = env.y""",
    "areas": """SELECT t.product_id, t.wkb AS piece FROM maps_areatile t, env
                WHERE t.z = env.z AND t.x = env.x AND t.y = env.y""",
    "geom": "ST_GeomFromWKB({alias}.piece)",
}
_CUT = {
    "regions": """SELECT s.region_id, s.level, s.geom AS piece FROM maps_regionshape s, env
                  WHERE s.band = {band} AND s.geom && env.query""",
    "areas": """SELECT s.product_id, s.geom AS piece FROM maps_areashape s, env
                WHERE s.band = {band} AND s.geom && env.query""",
    "geom": f"ST_AsMVTGeom({{alias}}.piece, env.tile, {EXTENT}, {BUFFER}, true)",
}

OUTLINE_SQL = """
    SELECT '{name}' AS layer, r.id, r.code, r.name, {geom} AS geom
    FROM ({regions}) AS p JOIN regions_region r ON r.id = p.region_id, env
    WHERE p.level = '{level}'
"""
# Larger areas first, so that smaller ones are drawn (and clicked) on top.
AREAS_SQL = f"""
    SELECT 'areas' AS layer, g.id, g.name, c.slug AS cat, g.area_precision AS prec,
           g.register AS reg, {_PRODUCT_THUMB} AS thumb, {{geom}} AS geom
    FROM ({{areas}}) AS p
    JOIN products_giproduct g ON g.id = p.product_id
    JOIN products_category c ON c.id = g.category_id, env
    WHERE true {{ids}}
    ORDER BY g.area_km2 DESC NULLS LAST, g.id
"""
# Records linked to regions (marks' origin, varieties' growing areas), found
# from the pieces in the tile, so the cost follows the tile, not the links. A
# township has no boundary: its county's piece stands in (``approx``).
LINKED_SQL = """
    SELECT '{name}' AS layer, m.id, {columns}, l.approx, l.region, {geom} AS geom
    FROM (
        SELECT o.{fk} AS id, false AS approx, r.name AS region, p.piece, r.area_km2 AS size
        FROM ({regions}) AS p
        JOIN {link} o ON o.region_id = p.region_id
        JOIN regions_region r ON r.id = p.region_id
        UNION ALL
        SELECT o.{fk}, true, r.name, p.piece, c.area_km2
        FROM ({regions}) AS p
        JOIN regions_region c ON c.id = p.region_id
        JOIN regions_region r ON r.parent_id = p.region_id AND r.level = 'township'
        JOIN {link} o ON o.region_id = r.id
        WHERE p.level = 'county'
    ) AS l
    JOIN {table} m ON m.id = l.id, env
    WHERE true {ids}
    ORDER BY l.size DESC NULLS LAST, m.id
"""
LINKED = {
    "marks": {
        "table": "brands_gimark",
        "link": "brands_gimark_origin_regions",
        "fk": "gimark_id",
        "columns": "m.name, m.mark_type AS kind",
    },
    "varieties": {
        "table": "varieties_plantvariety",
        "link": "varieties_plantvariety_growing_regions",
        "fk": "plantvariety_id",
        "columns": "m.denomination AS name, m.species_zh AS species",
    },
}
LEVELS = {"counties": "county", "prefectures": "prefecture"}
ID_COLUMN = {"areas": "g.id", "marks": "m.id", "varieties": "m.id"}


def features_sql(name: str, z: int, ids: str) -> str:
    """The feature query of one layer at zoom ``z``; ``ids`` is an ``AND …`` filter or ''.

    The tile's position comes from the ``env`` row, so the text depends only on
    the layer, the band and the filter, and its plan can be prepared once.
    """
    source = _PRETILED if z <= PRETILED_MAX_ZOOM else _CUT
    place = {"band": band_for_zoom(z)}
    regions = source["regions"].format(**place)
    geom = source["geom"].format(alias="p")
    if name in LEVELS:
        return OUTLINE_SQL.format(name=name, level=LEVELS[name], regions=regions, geom=geom)
    if name == "areas":
        return AREAS_SQL.format(areas=source["areas"].format(**place), geom=geom, ids=ids)
    geom = source["geom"].format(alias="l")
    return LINKED_SQL.format(name=name, regions=regions, geom=geom, ids=ids, **LINKED[name])


TILE_SQL = """
WITH env AS (
    SELECT %s::int AS z, %s::int AS x, %s::int AS y,
           ST_TileEnvelope(%s, %s, %s) AS tile,
           ST_TileEnvelope(%s, %s, %s, margin => %s) AS query
)
SELECT
    (SELECT coalesce(sum(version), 0) FROM maps_dataversion WHERE topic = ANY(%s::text[])),
    {layers}
"""
# ST_AsMVT skips rows whose geometry clipped away to NULL; filtering them out
# here would make PostgreSQL run ST_AsMVTGeom twice per row.
LAYER_SQL = """coalesce((
        SELECT ST_AsMVT(t, '{name}', {extent}, 'geom') FROM ({features}) AS t
    ), ''::bytea)"""


@dataclass(frozen=True)
class TileSet:
    """The polygon layers one tile URL asks for, in drawing order."""

    layers: tuple[Layer, ...]
    kind = "tiles"

    # Read on every tile request: computed once per TileSet (``tile_set`` reuses them).
    @functools.cached_property
    def name(self) -> str:
        return "+".join(layer.name for layer in self.layers)

    @functools.cached_property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({t for layer in self.layers for t in layer.topics}))

    @functools.cached_property
    def filters(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for layer in self.layers for f in layer.filters))

    def __hash__(self) -> int:
        # The layer names say which layers; hashing the Layers would translate their labels.
        return hash(self.name)


@functools.lru_cache(maxsize=256)
def tile_set(value: str | None) -> TileSet:
    """``counties,areas`` → a TileSet; every polygon layer when empty (ValueError if unknown)."""
    names = [n for n in (value or "").split(",") if n] or list(TILE_ORDER)
    unknown = sorted(set(names) - set(TILE_ORDER))
    if unknown:
        raise ValueError(f"not polygon layers: {', '.join(unknown)}")
    return TileSet(tuple(LAYERS[n] for n in TILE_ORDER if n in names))


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile_sql(tiles: TileSet, z: int, x: int, y: int, data: dict) -> tuple[str, list]:
    """The statement for one tile (raises ``BadFilter``); the benchmark runs it raw."""
    position = [z, x, y, z, x, y, z, x, y, BUFFER / EXTENT]
    if not data:
        return _unfiltered_sql(tiles, z <= PRETILED_MAX_ZOOM, band_for_zoom(z)), [
            *position,
            list(tiles.topics),
        ]
    parts, ids_params = [], []
    for layer in tiles.layers:
        own = {k: v for k, v in data.items() if k in layer.filters}
        ids, params = ids_sql(layer_ids(layer, own))
        condition = f"AND {ID_COLUMN[layer.name]} IN ({ids})" if ids else ""
        features = features_sql(layer.name, z, condition)
        parts.append(LAYER_SQL.format(name=layer.name, extent=EXTENT, features=features))
        ids_params += params
    sql = TILE_SQL.format(layers=" || ".join(parts))
    return sql, [*position, list(tiles.topics), *ids_params]


@functools.lru_cache(maxsize=512)
def _unfiltered_sql(tiles: TileSet, pretiled: bool, band: int) -> str:
    """The text of an unfiltered tile's statement: it depends only on the layers and
    the zoom band (the position is a parameter), so it is built once, not per tile."""
    z = band if not pretiled else min(band, PRETILED_MAX_ZOOM)
    parts = [
        LAYER_SQL.format(name=layer.name, extent=EXTENT, features=features_sql(layer.name, z, ""))
        for layer in tiles.layers
    ]
    return TILE_SQL.format(layers=" || ".join(parts))


def build_tile(tiles: TileSet, z: int, x: int, y: int, data: dict) -> tuple[int, bytes]:
    """(data version, tile bytes): an empty tile is zero bytes."""
    sql, params = tile_sql(tiles, z, x, y, data)
    with connection.cursor() as cur:
        # Unfiltered tiles (nearly all of them) reuse a prepared plan: planning
        # five layers' joins costs as much as running them.
        execute(cur, sql, params, prepare=not data)
        version, tile = cur.fetchone()
    return int(version), bytes(tile or b"")


@functools.lru_cache(maxsize=512)
def _statement_name(sql: str) -> str:
    return "maps_" + hashlib.blake2b(sql.encode(), digest_size=8).hexdigest()


# Statements prepared on each database connection (they die with it).
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()


def execute(cur, sql: str, params: list, *, prepare: bool) -> None:
    """Run ``sql``; with ``prepare``, as a server-side prepared statement.

    Only for statements whose placeholders are all ``%s`` (no ``%%``), i.e.
    those built here without a FilterSet's subquery.
    """
    if not prepare:
        cur.execute(sql, params)
        return
    raw = cur.connection  # the driver's connection, through Django's cursor wrapper
    names = _prepared.setdefault(raw, set())
    name = _statement_name(sql)
    if name not in names:
        numbered = iter(range(1, len(params) + 1))
        cur.execute(f"PREPARE {name} AS " + re.sub(r"%s", lambda _m: f"${next(numbered)}", sql))
        names.add(name)
    cur.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
