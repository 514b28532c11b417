"""The site-check statements: one per site, prepared once per connection."""

import struct

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from producers.models import Producer
from products.choices import UnitBoundary
from products.models import GIProduct, ProtectedAreaOutline, ProtectedAreaPart, ProtectedAreaUnit
from regions.models import Region, RegionPiece

from ..choices import ApplicationStatus
from ..models import Application, ProductionSite

# Metres per degree of longitude at Yunnan's northern edge (29.3° N) is ~97 km; a
# degree buffer of tolerance/95 km is at least the tolerance in every direction.
METRES_PER_DEGREE_MIN = 95_000.0

_PART = ProtectedAreaPart._meta.db_table
_OUTLINE = ProtectedAreaOutline._meta.db_table
_PIECE = RegionPiece._meta.db_table
_PRODUCT = GIProduct._meta.db_table
_UNIT = ProtectedAreaUnit._meta.db_table
_REGION = Region._meta.db_table
_SITE = ProductionSite._meta.db_table
_APPLICATION = Application._meta.db_table
_PRODUCER = Producer._meta.db_table

# Distance from the site to the area's outline in metres. The outline is measured
# in a plane whose longitude is scaled by cos(latitude), so the nearest point found
# is the geodesic nearest one to well under a metre; the geography length of that
# short line is then exact. (ST_Distance on geography over a 20,000-vertex outline
# costs ~20 ms; this costs well under one.)
#
# Only the outline stretches that can hold that nearest point are read: the nearest
# stretch in plain degrees (an indexed KNN probe) lies at d0, and in the scaled plane
# every distance shrinks by at most the factor f, so the scaled nearest point lies
# within d0 / f in plain degrees. The answer is the one the whole outline gives.
_DISTANCE = f"""
    (SELECT ST_Length(ST_Scale(ST_ShortestLine(ST_Scale(c.g, k.f, 1), ST_Scale(s.g, k.f, 1)),
            1 / k.f, 1)::geography)
     FROM (SELECT cos(radians(ST_Y(ST_PointOnSurface(s.g)))) AS f) k,
     LATERAL (
         SELECT ST_Collect(o.geom) AS g FROM {_OUTLINE} o
         WHERE o.product_id = (SELECT id FROM p)
           AND ST_DWithin(o.geom, s.g, (
               SELECT ST_Distance(n.geom, s.g) FROM {_OUTLINE} n
               WHERE n.product_id = (SELECT id FROM p)
               ORDER BY n.geom <-> s.g LIMIT 1) / k.f * (1 + 1e-9) + 1e-12)
     ) c)
"""

# Other producers' sites in approved applications whose interiors meet this one.
_OVERLAPS = f"""
    (SELECT coalesce(json_agg(json_build_object(
                'application', ap.id, 'producer', pr.name, 'product', gp.name,
                'overlap_m2', round(CASE WHEN ST_Dimension(o.geom) = 2 AND ST_Dimension(s.g) = 2
                    THEN ST_Area(ST_Intersection(o.geom, s.g)::geography) ELSE 0 END::numeric, 1))
            ORDER BY ap.id, o.id), '[]'::json)
     FROM {_SITE} o
     JOIN {_APPLICATION} ap ON ap.id = o.application_id
     JOIN {_PRODUCER} pr ON pr.id = ap.producer_id
     LEFT JOIN {_PRODUCT} gp ON gp.id = ap.product_id
     WHERE o.geom && s.g AND ST_Relate(o.geom, s.g, 'T********')
       AND ap.status = %(approved)s
       AND (%(producer)s::bigint IS NULL OR ap.producer_id <> %(producer)s::bigint)
       AND (%(exclude)s::bigint IS NULL OR ap.id <> %(exclude)s::bigint))
"""

# The product, by id or else by exact name: read in the same statement, so one round
# trip answers a public request and the precision is never stale. Several rows mean
# the name is ambiguous; the caller refuses that.
_PRODUCT_CTES = f"""
prod AS (
    SELECT id, name, area_precision, area_unmatched FROM {_PRODUCT} WHERE id = %(product)s
    UNION ALL
    SELECT id, name, area_precision, area_unmatched FROM {_PRODUCT}
    WHERE %(product)s IS NULL AND name = %(product_name)s
    LIMIT 5
),
p AS (SELECT min(id) AS id FROM prod)
"""
_PRODUCT_ROWS = (
    "(SELECT json_agg(json_build_array(id, name, area_precision, area_unmatched)) FROM prod)"
)

_UNMAPPED_UNITS = f"""
    EXISTS (SELECT 1 FROM {_UNIT} u WHERE u.product_id = (SELECT id FROM p) AND u.boundary = %(none)s)
"""

# A point: one indexed lookup over the area's parts and one over the region pieces.
POINT_SQL = f"""
WITH s AS (SELECT ST_GeomFromEWKB(%(site)s) AS g), {_PRODUCT_CTES}
SELECT
    {_PRODUCT_ROWS},
    CASE WHEN EXISTS (SELECT 1 FROM {_PART} q
                      WHERE q.product_id = (SELECT id FROM p) AND ST_Covers(q.geom, s.g))
         THEN 1.0 ELSE 0.0 END,
    NULL, NULL, NULL,
    {_DISTANCE},
    (SELECT json_agg(json_build_array(r.level, r.code, r.name) ORDER BY r.level, r.code)
     FROM {_REGION} r
     WHERE r.level IN ('county', 'township')
       AND r.id IN (SELECT q.region_id FROM {_PIECE} q WHERE ST_Covers(q.geom, s.g))),
    {_OVERLAPS},
    {_UNMAPPED_UNITS}
FROM s
"""

# A polygon: its intersection with the nearby parts, the rest as the outside part,
# and whether that rest lies within the tolerance band around the (local) area.
AREA_SQL = f"""
WITH src AS (SELECT ST_GeomFromEWKB(%(site)s) AS g), {_PRODUCT_CTES},
near AS (
    SELECT q.geom FROM {_PART} q, src
    WHERE q.product_id = (SELECT id FROM p) AND q.geom && ST_Expand(src.g, %(tol_deg)s)
),
-- A field inside one part (the usual case) needs no overlay: all of it is inside.
whole AS (
    SELECT EXISTS (SELECT 1 FROM near n, src WHERE ST_Covers(n.geom, src.g)) AS covered
),
-- The parts the field meets, merged first: overlaying the field with each part and
-- merging the pieces would leave slivers along the parts' seams in the outside part.
inside AS (
    SELECT ST_UnaryUnion(ST_Collect(n.geom)) AS parts
    FROM near n, src, whole WHERE NOT whole.covered AND ST_Intersects(n.geom, src.g)
),
s AS (
    SELECT src.g, w.covered, ST_Intersection(src.g, i.parts) AS ins,
           CASE WHEN w.covered THEN ST_SetSRID('POLYGON EMPTY'::geometry, 4326)
                WHEN i.parts IS NULL THEN src.g
                ELSE ST_CollectionExtract(ST_Difference(src.g, i.parts), 3) END AS outside
    FROM src, whole w, inside i
)
SELECT
    {_PRODUCT_ROWS},
    CASE WHEN s.covered THEN 1.0
         ELSE coalesce(ST_Area(s.ins::geography) / nullif(ST_Area(s.g::geography), 0), 0) END,
    CASE WHEN NOT ST_IsEmpty(s.outside) THEN ST_AsGeoJSON(s.outside, 7) END,
    ST_Area(s.outside::geography),
    ST_IsEmpty(s.outside) OR ST_Covers(ST_Buffer((
        SELECT ST_Intersection(ST_Union(n.geom), ST_Expand(s.g, 2 * %(tol_deg)s)) FROM near n
    )::geography, %(tol)s)::geometry, s.outside),
    {_DISTANCE},
    (SELECT json_agg(json_build_array(x.level, x.code, x.name) ORDER BY x.level)
     FROM (SELECT DISTINCT ON (r.level) r.level, r.code, r.name
           FROM (SELECT q.region_id, sum(CASE WHEN ST_Covers(q.geom, s.g) THEN ST_Area(s.g)
                                              ELSE ST_Area(ST_Intersection(q.geom, s.g)) END) AS a
                 FROM {_PIECE} q WHERE ST_Intersects(q.geom, s.g) GROUP BY q.region_id) h
           JOIN {_REGION} r ON r.id = h.region_id
           WHERE r.level IN ('county', 'township')
           ORDER BY r.level, h.a DESC, r.code) x),
    {_OVERLAPS},
    {_UNMAPPED_UNITS}
FROM s
"""


# Parameters of the two statements, in order, with their types.
_PARAMS = (
    ("site", "bytea"),
    ("product", "bigint"),
    ("product_name", "text"),
    ("tol", "float8"),
    ("tol_deg", "float8"),
    ("approved", "text"),
    ("producer", "bigint"),
    ("exclude", "bigint"),
    ("none", "text"),
)
# Planning the statement costs three times running it (0.43 ms vs 0.15 ms for a
# point), so each connection prepares it once and then only executes it (0.02 ms
# planning).
_STATEMENTS = {
    "Point": ("girrepo_sitecheck_point_v5", POINT_SQL),
    "": ("girrepo_sitecheck_area_v5", AREA_SQL),
}


_EXECUTE = {
    key: f"EXECUTE {name} ({', '.join(['%s'] * len(_PARAMS))})"
    for key, (name, _sql) in _STATEMENTS.items()
}


def _prepare(cur) -> None:
    raw = connection.connection
    key = (id(raw), raw.get_backend_pid())
    if getattr(connection, "_sitecheck_prepared", None) == key:
        return
    names = [name for name, _sql in _STATEMENTS.values()]
    cur.execute("SELECT name FROM pg_prepared_statements WHERE name = ANY(%s)", [names])
    have = {row[0] for row in cur.fetchall()}
    types = ", ".join(t for _name, t in _PARAMS)
    positional = {name: f"${i}" for i, (name, _type) in enumerate(_PARAMS, start=1)}
    for name, sql in _STATEMENTS.values():
        if name not in have:
            text = sql.replace("%%", "%")
            for param, placeholder in positional.items():
                text = text.replace(f"%({param})s", placeholder)
            cur.execute(f"PREPARE {name} ({types}) AS {text}")
    # Left to itself PostgreSQL keeps planning these afresh (its custom plans cost the
    # same as the generic one), which would undo the point of preparing them. Django
    # prepares nothing, so the setting touches only these statements.
    cur.execute("SET plan_cache_mode = force_generic_plan")
    connection._sitecheck_prepared = key


def _ewkb(geometry: GEOSGeometry, is_point: bool) -> bytes:
    if is_point:
        # A little-endian 2D EWKB point with SRID 4326, packed directly: GEOS's writer
        # costs more than everything else that goes into the parameters.
        return struct.pack("<BIIdd", 1, 0x20000001, 4326, geometry.x, geometry.y)
    return bytes(geometry.ewkb)


def measure(
    *,
    product_id: int | None,
    product_name: str | None = None,
    geometry: GEOSGeometry,
    tolerance_m: float,
    producer_id,
    exclude,
    is_point: bool | None = None,
):
    """One row: the matching products, then the measurements against the first."""
    if is_point is None:
        is_point = geometry.geom_type == "Point"
    params = {
        "site": _ewkb(geometry, is_point),
        "product": product_id,
        "product_name": product_name,
        "tol": tolerance_m,
        "tol_deg": tolerance_m / METRES_PER_DEGREE_MIN,
        "approved": ApplicationStatus.APPROVED,
        "producer": producer_id,
        "exclude": exclude,
        "none": UnitBoundary.NONE,
    }
    with connection.cursor() as cur:
        _prepare(cur)
        cur.execute(_EXECUTE["Point" if is_point else ""], [params[p] for p, _t in _PARAMS])
        return cur.fetchone()
