"""Writes of derived map data: the region mesh per zoom band and protected-area shapes.

How county borders stay shared when simplified
----------------------------------------------
Simplifying each county on its own moves a shared border differently on its
two sides, which opens slivers and overlaps between neighbours (at zoom 5,
1,600 km² of overlap over Yunnan). PostGIS 3.3 has no ``ST_CoverageSimplify``,
so the mesh is simplified the way a topology would be, in plain SQL:

1. the county boundaries are unioned into one noded linework and merged into
   *edges*, each running between two junctions (where three or more units
   meet or the province border turns into a shared one);
2. each edge is simplified once (Douglas-Peucker, which keeps its endpoints;
   closed rings with ``ST_SimplifyPreserveTopology`` so that an enclave cannot
   collapse), so both neighbours get the very same simplified border;
3. the simplified edges are noded again and polygonised into faces, and each
   face goes to the county that holds its interior point.

The faces partition the plane, so the county shapes have neither gaps nor
overlaps by construction; prefectures and the province are unions of their
counties' shapes and line up with them exactly. Protected areas are unions of
the same shapes, so their edges lie on the county lines too.
"""

import time

from django.db import connection, transaction
from django.utils import timezone

from products.models import GIProduct, ProtectedAreaUnit
from regions.choices import RegionLevel
from regions.models import Region

from .bands import BANDS, PRETILED_MAX_ZOOM, band_tolerance_m
from .models import AreaShape, AreaShapeSource, AreaTile, MeshBuild, RegionShape, RegionTile

# pg_advisory_xact_lock key: one rebuild of map shapes at a time.
SHAPES_LOCK = 0x6D617073  # "maps"

_REGION = Region._meta.db_table
_SHAPE = RegionShape._meta.db_table
_AREA = AreaShape._meta.db_table
_SOURCE = AreaShapeSource._meta.db_table
_REGION_TILE = RegionTile._meta.db_table
_AREA_TILE = AreaTile._meta.db_table
# Must match maps.tiles (EXTENT, BUFFER): the pieces are that encoding's input.
TILE_EXTENT, TILE_BUFFER = 512, 8

# Every tile position up to PRETILED_MAX_ZOOM over the province (one tile of
# margin for the buffer), and the band each zoom draws.
_PRETILE_GRID = f"""
    SELECT g.z, g.x, g.y, greatest(least(g.z, {BANDS[-1]}), {BANDS[0]}) AS band,
           ST_TileEnvelope(g.z, g.x, g.y) AS tile,
           ST_TileEnvelope(g.z, g.x, g.y, margin => {TILE_BUFFER / TILE_EXTENT}) AS query
    FROM (SELECT ST_Extent(geom) AS e FROM {{shape}} WHERE band = {BANDS[0]}) AS b,
    LATERAL generate_series(0, {PRETILED_MAX_ZOOM}) AS z,
    LATERAL (SELECT 40075016.685578488 / 2 ^ z AS size) AS s,
    LATERAL (
        SELECT z, x, y
        FROM generate_series(
                greatest(floor((ST_XMin(b.e) + 20037508.342789244) / s.size)::int - 1, 0),
                least(floor((ST_XMax(b.e) + 20037508.342789244) / s.size)::int + 1, 2 ^ z - 1)::int
             ) AS x,
             generate_series(
                greatest(floor((20037508.342789244 - ST_YMax(b.e)) / s.size)::int - 1, 0),
                least(floor((20037508.342789244 - ST_YMin(b.e)) / s.size)::int + 1, 2 ^ z - 1)::int
             ) AS y
    ) AS g
"""
_PRODUCT = GIProduct._meta.db_table
_UNIT = ProtectedAreaUnit._meta.db_table


@transaction.atomic
def map_mesh_rebuild() -> MeshBuild:
    """Rebuild every region shape in every band, then every protected-area shape."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [SHAPES_LOCK])
        cur.execute("DROP TABLE IF EXISTS _maps_county, _maps_edge")
        cur.execute(
            f"""
            CREATE TEMP TABLE _maps_county ON COMMIT DROP AS
            SELECT id, parent_id, ST_Transform(geom, 3857) AS geom
            FROM {_REGION} WHERE level = %s AND geom IS NOT NULL
            """,
            [RegionLevel.COUNTY],
        )
        cur.execute("CREATE INDEX ON _maps_county USING gist (geom)")
        cur.execute(
            """
            CREATE TEMP TABLE _maps_edge ON COMMIT DROP AS
            SELECT (ST_Dump(ST_LineMerge(ST_Union(ST_Boundary(geom))))).geom AS geom
            FROM _maps_county
            """
        )
        cur.execute(f"DELETE FROM {_SHAPE}")
        for band in BANDS:
            _insert_band(cur, band, band_tolerance_m(band))
        cur.execute(f"DELETE FROM {_REGION_TILE}")
        cur.execute(
            f"""
            INSERT INTO {_REGION_TILE} (region_id, level, z, x, y, wkb)
            SELECT s.region_id, s.level, t.z, t.x, t.y, ST_AsBinary(piece.geom)
            FROM ({_PRETILE_GRID.format(shape=_SHAPE)}) AS t
            JOIN {_SHAPE} s ON s.band = t.band AND s.geom && t.query,
            LATERAL ST_AsMVTGeom(s.geom, t.tile, {TILE_EXTENT}, {TILE_BUFFER}, true) AS piece(geom)
            WHERE piece.geom IS NOT NULL
            """
        )
        cur.execute("SELECT count(*) FROM _maps_county")
        counties = cur.fetchone()[0]
        cur.execute(f"SELECT coalesce(sum(ST_NPoints(geom)), 0) FROM {_SHAPE}")
        vertices = cur.fetchone()[0]
    build = MeshBuild.objects.create(
        built=timezone.now(),
        counties=counties,
        vertices=vertices,
        seconds=0.0,
    )
    area_shapes_rebuild(product_ids=None, mesh=build)
    build.seconds = round(time.perf_counter() - started, 2)
    build.save(update_fields=["seconds"])
    return build


def _insert_band(cur, band: int, tolerance: float) -> None:
    # Faces of the simplified edge network, each given to the county holding
    # its interior point (the nearest county for the odd face a simplified
    # outer border cuts off), then dissolved per county.
    cur.execute(
        f"""
        INSERT INTO {_SHAPE} (region_id, level, band, geom)
        SELECT owner, %(county)s, %(band)s, ST_Multi(ST_Union(geom))
        FROM (
            SELECT f.geom, coalesce(
                (SELECT c.id FROM _maps_county c
                 WHERE ST_Intersects(c.geom, ST_PointOnSurface(f.geom)) ORDER BY c.id LIMIT 1),
                (SELECT c.id FROM _maps_county c ORDER BY c.geom <-> f.geom, c.id LIMIT 1)
            ) AS owner
            FROM (
                SELECT (ST_Dump(ST_Polygonize(geom))).geom AS geom
                FROM (
                    SELECT ST_Union(CASE WHEN ST_IsClosed(geom)
                        THEN ST_SimplifyPreserveTopology(geom, %(tol)s)
                        ELSE ST_Simplify(geom, %(tol)s, true) END) AS geom
                    FROM _maps_edge
                ) AS network
            ) AS f
        ) AS owned
        GROUP BY owner
        """,
        {"county": RegionLevel.COUNTY, "band": band, "tol": tolerance},
    )
    # A county all of whose faces went to neighbours would vanish; keep it,
    # simplified on its own (never seen with the real boundaries).
    cur.execute(
        f"""
        INSERT INTO {_SHAPE} (region_id, level, band, geom)
        SELECT c.id, %(county)s, %(band)s, ST_Multi(ST_SimplifyPreserveTopology(c.geom, %(tol)s))
        FROM _maps_county c
        WHERE NOT EXISTS (
            SELECT 1 FROM {_SHAPE} s WHERE s.region_id = c.id AND s.band = %(band)s
        )
        """,
        {"county": RegionLevel.COUNTY, "band": band, "tol": tolerance},
    )
    for child_level, level in (
        (RegionLevel.COUNTY, RegionLevel.PREFECTURE),
        (RegionLevel.PREFECTURE, RegionLevel.PROVINCE),
    ):
        cur.execute(
            f"""
            INSERT INTO {_SHAPE} (region_id, level, band, geom)
            SELECT r.parent_id, %(level)s, %(band)s,
                   ST_Multi(ST_CollectionExtract(ST_Union(s.geom), 3))
            FROM {_SHAPE} s JOIN {_REGION} r ON r.id = s.region_id
            WHERE s.band = %(band)s AND s.level = %(child)s AND r.parent_id IS NOT NULL
            GROUP BY r.parent_id
            """,
            {"level": level, "child": child_level, "band": band},
        )


@transaction.atomic
def area_shapes_rebuild(*, product_ids: list[int] | None, mesh: MeshBuild | None = None) -> int:
    """Rebuild the map shapes of these products (all when None) from the mesh.

    A unit contributes the shape of its own region, or of its county when it is
    a township standing in (as ``products`` computed the area); a region that
    is not in the mesh (an imported township boundary) is simplified on its own.
    Returns the number of products rebuilt.
    """
    mesh = mesh or MeshBuild.objects.order_by("-built").first()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [SHAPES_LOCK])
        if product_ids is None:
            cur.execute(f"SELECT id FROM {_PRODUCT} ORDER BY id")
            product_ids = [row[0] for row in cur.fetchall()]
        if not product_ids:
            return 0
        params = {
            "ids": product_ids,
            "bands": list(BANDS),
            "tols": [band_tolerance_m(b) for b in BANDS],
            "own": "own",
            "county": "county",
            "mesh_built": mesh.built if mesh else None,
        }
        cur.execute(f"DELETE FROM {_AREA} WHERE product_id = ANY(%(ids)s)", params)
        cur.execute(
            f"""
            INSERT INTO {_AREA} (product_id, band, geom)
            SELECT piece.product_id, piece.band,
                   ST_Multi(ST_CollectionExtract(ST_Union(piece.geom), 3))
            FROM (
                SELECT src.product_id, b.band, coalesce(
                    s.geom, ST_Multi(ST_SimplifyPreserveTopology(ST_Transform(r.geom, 3857), b.tol))
                ) AS geom
                FROM (
                    SELECT DISTINCT u.product_id,
                        CASE WHEN u.boundary = %(own)s THEN u.region_id ELSE ur.parent_id END AS source_id
                    FROM {_UNIT} u
                    JOIN {_PRODUCT} p ON p.id = u.product_id AND p.area_geom IS NOT NULL
                    JOIN {_REGION} ur ON ur.id = u.region_id
                    WHERE u.product_id = ANY(%(ids)s) AND u.boundary IN (%(own)s, %(county)s)
                ) AS src
                JOIN {_REGION} r ON r.id = src.source_id AND r.geom IS NOT NULL
                CROSS JOIN unnest(%(bands)s::int[], %(tols)s::float8[]) AS b(band, tol)
                LEFT JOIN {_SHAPE} s ON s.region_id = src.source_id AND s.band = b.band
            ) AS piece
            GROUP BY piece.product_id, piece.band
            """,
            params,
        )
        cur.execute(f"DELETE FROM {_AREA_TILE} WHERE product_id = ANY(%(ids)s)", params)
        cur.execute(
            f"""
            INSERT INTO {_AREA_TILE} (product_id, z, x, y, wkb)
            SELECT a.product_id, t.z, t.x, t.y, ST_AsBinary(piece.geom)
            FROM ({_PRETILE_GRID.format(shape=_SHAPE)}) AS t
            JOIN {_AREA} a ON a.band = t.band AND a.geom && t.query,
            LATERAL ST_AsMVTGeom(a.geom, t.tile, {TILE_EXTENT}, {TILE_BUFFER}, true) AS piece(geom)
            WHERE a.product_id = ANY(%(ids)s) AND piece.geom IS NOT NULL
            """,
            params,
        )
        cur.execute(
            f"""
            INSERT INTO {_SOURCE} (product_id, area_computed, area_km2, mesh_built)
            SELECT id, area_computed, area_km2, %(mesh_built)s FROM {_PRODUCT}
            WHERE id = ANY(%(ids)s)
            ON CONFLICT (product_id) DO UPDATE
            SET area_computed = EXCLUDED.area_computed, area_km2 = EXCLUDED.area_km2,
                mesh_built = EXCLUDED.mesh_built
            """,
            params,
        )
    return len(product_ids)


def area_shapes_refresh_stale() -> int:
    """Rebuild the shapes of products whose area was recomputed since (or never built).

    ``products`` recomputes areas in SQL, without signals, so staleness is read
    from ``area_computed``; callers run this when the products data version moved.
    """
    mesh = MeshBuild.objects.order_by("-built").first()
    if mesh is None:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT p.id FROM {_PRODUCT} p
            LEFT JOIN {_SOURCE} s ON s.product_id = p.id
            WHERE s.product_id IS NULL
               OR s.area_computed IS DISTINCT FROM p.area_computed
               OR s.area_km2 IS DISTINCT FROM p.area_km2
               OR s.mesh_built IS DISTINCT FROM %s
            ORDER BY p.id
            """,
            [mesh.built],
        )
        stale = [row[0] for row in cur.fetchall()]
    if not stale:
        return 0
    return area_shapes_rebuild(product_ids=stale, mesh=mesh)
