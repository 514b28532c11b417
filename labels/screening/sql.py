"""The one statement of bulk screening, and the sorted site table it reads."""

from django.conf import settings

from products.choices import UnitBoundary
from products.models import GIProduct, ProtectedAreaPart, ProtectedAreaUnit
from regions.coords import YUNNAN_EXTENT
from regions.models import Region

from ..models import ScreeningClass
from ..sitecheck import METRES_PER_DEGREE_MIN

_PRODUCT = GIProduct._meta.db_table
_PART = ProtectedAreaPart._meta.db_table
_UNIT = ProtectedAreaUnit._meta.db_table
_REGION = Region._meta.db_table
_CLASS = ScreeningClass._meta.db_table

# The geometry already carries SRID 4326 (ogr2ogr always writes EPSG:4326). Only
# polygons are validated; a point needs nothing but its type. ``{clear}`` leaves out
# the points the screening grid answers (``TRUE`` when there is no grid).
_SITE_TABLE = """
CREATE UNLOGGED TABLE {site} AS
SELECT n, site_id, geom, kind, kind = 'area' AS is_area
FROM (
    SELECT _row AS n, site_id, geom,
           CASE WHEN geom IS NULL THEN 'missing'
                WHEN GeometryType(geom) = 'POINT'
                    THEN CASE WHEN ST_IsEmpty(geom) THEN 'missing' ELSE 'point' END
                WHEN GeometryType(geom) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN 'other'
                WHEN ST_IsEmpty(geom) THEN 'missing'
                WHEN ST_IsValid(geom) THEN 'area'
                ELSE 'invalid' END AS kind
    FROM {src} s {unclear}
) t
ORDER BY geom
"""
SITE_TABLE_SQL = _SITE_TABLE.replace("{unclear}", "")
_IS_POINT = "s.geom IS NOT NULL AND GeometryType(s.geom) = 'POINT' AND NOT ST_IsEmpty(s.geom)"


def _clear_sites(src: str, grid) -> str:
    """The points of ``src`` that the grid answers, with their cell's county and the
    products holding it (off the grid: neither)."""
    return f"""(
    SELECT s.n, s.site_id, s.geom, 'point'::text AS kind, false AS is_area,
           nullif(k.county_code, '') AS county_code, k.products
    FROM (SELECT s._row AS n, s.site_id, s.geom, {grid.class_sql("s.geom")} AS class
          FROM {src} s WHERE {_IS_POINT} OFFSET 0) s
    JOIN {_CLASS} k ON k.id = s.class
)"""


def site_table_sql(site: str, src: str, grid=None) -> str:
    """The sites the exact check answers, in space-filling-curve order: all of them
    without a grid; with one, those it does not answer."""
    if grid is None:
        return SITE_TABLE_SQL.format(site=site, src=src)
    unclear = f"WHERE NOT ({_IS_POINT}) OR {grid.class_sql('s.geom')} = 0"
    return _SITE_TABLE.format(site=site, src=src, unclear=unclear)


# The hits: each protected-area part (outer, prepared) scans the sites in its
# tolerance-widened outline; each county does the same for points.
_HITS = f"""
prod AS MATERIALIZED (
    SELECT g.id, g.name, g.area_precision,
           g.area_precision = 'approximate' AND (cardinality(g.area_unmatched) > 0 OR EXISTS (
               SELECT 1 FROM {_UNIT} u WHERE u.product_id = g.id AND u.boundary = %(none)s
           )) AS unmapped
    FROM {_PRODUCT} g WHERE g.id = ANY(%(ids)s)
),
zone AS MATERIALIZED (
    SELECT q.product_id, q.geom, ST_Buffer(q.geom, %(tol_deg)s, 'join=mitre mitre_limit=2') AS near
    FROM {_PART} q JOIN prod ON prod.id = q.product_id
),
hit AS MATERIALIZED (
    SELECT z.product_id, h.*
    FROM zone z CROSS JOIN LATERAL (
        SELECT s.n, s.is_area, s.geom, ST_Contains(z.geom, s.geom) AS contained,
               CASE WHEN s.is_area THEN ST_Area(ST_Intersection(z.geom, s.geom)) END AS inter,
               CASE WHEN s.is_area THEN ST_Area(s.geom) END AS site_area
        FROM {{site}} s
        WHERE ST_Intersects(z.near, s.geom) AND s.kind IN ('point', 'area')
        OFFSET 0
    ) h
),
-- The parts of an area do not overlap, so a point in a part's interior is one row
-- per (site, product) as it stands: no aggregation over the bulk of the hits.
-- The few points in a part's tolerance band but not in its interior (on a seam, on
-- the outline, or just outside) are settled against the whole product.
band AS (
    SELECT DISTINCT n, product_id, geom FROM hit WHERE NOT contained AND NOT is_area
),
band_pair AS (
    SELECT b.n, b.product_id, c.on_part OR c.dist_m <= %(tol)s AS covered,
           CASE WHEN c.on_part THEN 1.0 ELSE 0.0 END AS fraction
    FROM band b CROSS JOIN LATERAL (
        SELECT bool_or(ST_Covers(q.geom, b.geom)) AS on_part,
               bool_or(ST_Contains(q.geom, b.geom)) AS in_part,
               -- the plane's nearest point, measured on the ellipsoid: exact to
               -- centimetres at these distances, and no geography tree per point
               min(ST_Length(ST_ShortestLine(q.geom, b.geom)::geography)) AS dist_m
        FROM {_PART} q
        WHERE q.product_id = b.product_id AND ST_DWithin(q.geom, b.geom, %(tol_deg)s)
    ) c
    WHERE NOT c.in_part
),
point_pair AS (
    SELECT n, product_id, true AS covered, 1.0 AS fraction FROM hit WHERE contained AND NOT is_area
    UNION ALL
    SELECT n, product_id, covered, fraction FROM band_pair
),
county AS MATERIALIZED (
    SELECT code, name FROM {_REGION} WHERE level = 'county'
),
county_hit AS (
    SELECT h.n, min(c.code) AS code
    FROM {_REGION} c CROSS JOIN LATERAL (
        SELECT s.n FROM {{site}} s WHERE ST_Covers(c.geom, s.geom) AND s.kind = 'point' OFFSET 0
    ) h
    WHERE c.level = 'county'
    GROUP BY h.n
)
"""

# Polygons (rare in bulk): the fraction inside, and whether the part outside lies
# within the tolerance band; the county with the largest overlap.
_AREA_PAIRS = f"""
area_sum AS (
    SELECT n, product_id, CASE WHEN sum(inter) >= max(site_area) * (1 - 1e-7) THEN 1.0
                ELSE sum(inter) / nullif(max(site_area), 0) END AS fraction
    FROM hit WHERE site_area IS NOT NULL GROUP BY n, product_id
),
area_pair AS (
    SELECT a.n, a.product_id, a.fraction,
           a.fraction >= 1 OR (a.fraction > 0 AND (
               SELECT ST_Covers(
                   ST_Buffer(ST_Intersection(ST_Union(q.geom), ST_Expand(s.geom, 2 * %(tol_deg)s))
                             ::geography, %(tol)s)::geometry,
                   ST_Difference(s.geom, ST_Union(q.geom)))
               FROM {_PART} q
               WHERE q.product_id = a.product_id AND ST_Intersects(q.geom, ST_Expand(s.geom, %(tol_deg)s))
           )) AS covered
    FROM area_sum a JOIN {{site}} s ON s.n = a.n
),
pair AS (
    SELECT n, product_id, covered, fraction FROM point_pair
    UNION ALL SELECT n, product_id, covered, fraction FROM area_pair
),
"""
_AREA_COUNTY = f"""(
    SELECT c.code FROM {_REGION} c
    WHERE c.level = 'county' AND ST_Intersects(c.geom, s.geom)
    ORDER BY ST_Area(ST_Intersection(c.geom, s.geom)) DESC, c.code LIMIT 1)"""

_VERDICT = """CASE
    WHEN s.kind NOT IN ('point', 'area') THEN 'fail'
    WHEN p.area_precision = 'not_mapped' THEN 'manual'
    WHEN a.covered AND p.area_precision = 'exact' THEN 'pass'
    WHEN a.covered THEN 'manual'
    WHEN p.unmapped THEN 'manual'
    ELSE 'fail' END"""
_REASON = """CASE
    WHEN s.kind = 'missing' THEN 'missing_geometry'
    WHEN s.kind = 'invalid' THEN 'invalid_geometry'
    WHEN s.kind = 'other' THEN 'unsupported_geometry_type'
    WHEN p.area_precision = 'not_mapped' THEN 'area_not_mapped'
    WHEN a.covered AND p.area_precision <> 'exact' THEN 'area_approximate'
    WHEN a.covered AND a.fraction >= 1 THEN 'inside'
    WHEN a.covered THEN 'within_tolerance'
    WHEN p.unmapped THEN 'area_partly_unmapped'
    WHEN coalesce(a.fraction, 0) = 0 AND s.kind = 'point'
         -- in Yunnan's extent only with x and y swapped (that box and the extent are
         -- disjoint, so it is outside the extent): a box test first, which is false
         -- for nearly every site, then the exact one
         AND s.geom && ST_MakeEnvelope(%(ymin)s, %(xmin)s, %(ymax)s, %(xmax)s, 4326)
         AND ST_Y(s.geom) BETWEEN %(xmin)s AND %(xmax)s AND ST_X(s.geom) BETWEEN %(ymin)s AND %(ymax)s
        THEN 'swapped_coordinates'
    WHEN coalesce(a.fraction, 0) = 0 THEN 'outside'
    WHEN a.fraction < %(min_fraction)s THEN 'mostly_outside'
    ELSE 'straddles' END"""

CSV_COLUMNS = (
    "result",
    "site_id",
    "product_id",
    "product",
    "reason",
    "inside_fraction",
    "county_code",
    "county",
)


def report_sql(
    cur,
    *,
    site_table,
    products,
    single,
    has_areas,
    tolerance_m,
    output_format,
    header=True,
    src_table=None,
    grid=None,
) -> bytes:
    """The one statement whose output is the report (``COPY (…) TO STDOUT``).

    ``header=False`` leaves out the CSV header (a lane after the first). With a
    ``grid``, ``site_table`` holds only the sites it does not answer, and the
    points of ``src_table`` it does answer get their rows from their cells.
    """
    params = {
        "ids": [p.pk for p in products],
        "tol": tolerance_m,
        "tol_deg": tolerance_m / METRES_PER_DEGREE_MIN,
        "none": UnitBoundary.NONE,
        "min_fraction": getattr(settings, "GIRREPO_SITE_MIN_INSIDE_FRACTION", 0.5),
        **dict(zip(("xmin", "ymin", "xmax", "ymax"), YUNNAN_EXTENT, strict=True)),
    }
    pairs = _AREA_PAIRS if has_areas else "pair AS (SELECT * FROM point_pair),"
    county = (
        f"coalesce(k.code, CASE WHEN s.is_area THEN {_AREA_COUNTY} END)" if has_areas else "k.code"
    )
    if single:
        # Every site gets exactly one row, for that product.
        joins = "CROSS JOIN prod p LEFT JOIN pair a ON a.n = s.n AND a.product_id = p.id"
        clear_joins = (
            "CROSS JOIN prod p LEFT JOIN LATERAL (SELECT true AS covered, 1.0 AS fraction "
            "WHERE p.id = ANY(s.products)) a ON true"
        )
    else:
        # A row per protected area the site touches, or one row without a product.
        joins = (
            "LEFT JOIN pair a ON a.n = s.n AND (a.covered OR a.fraction > 0) "
            "LEFT JOIN prod p ON p.id = a.product_id"
        )
        clear_joins = (
            "LEFT JOIN LATERAL (SELECT true AS covered, 1.0 AS fraction, x.pid "
            "FROM unnest(s.products) x (pid) WHERE x.pid = ANY(%(ids)s)) a ON true "
            "LEFT JOIN prod p ON p.id = a.pid"
        )
    # A clear cell's point is inside a product's area (covered, all of it) or far
    # from it (no pair): the same columns from the same expressions.
    columns = f"""{_VERDICT} AS result, s.site_id, p.id AS product_id, p.name AS product,
           {_REASON} AS reason,
           CASE WHEN p.area_precision <> 'not_mapped' AND s.kind IN ('point', 'area')
                THEN round(coalesce(a.fraction, 0)::numeric, 4) END AS inside_fraction"""
    clear = ""
    if grid is not None:
        clear = f"""UNION ALL
    SELECT {columns}, s.county_code, s.geom
    FROM {_clear_sites(src_table, grid)} s
    {clear_joins}"""
    body = f"""
WITH {_HITS}, {pairs}
report AS (
    SELECT {columns}, {county} AS county_code, s.geom
    FROM {{site}} s
    LEFT JOIN county_hit k ON k.n = s.n
    {joins}
    {clear}
)
""".replace("{site}", site_table)
    if output_format == "csv":
        sql = f"""COPY ({body}
SELECT r.result, r.site_id, r.product_id, r.product, r.reason, r.inside_fraction,
       r.county_code, c.name AS county
FROM report r LEFT JOIN county c ON c.code = r.county_code
) TO STDOUT WITH (FORMAT csv{", HEADER" if header else ""})"""
    else:
        # One Feature per line; the CSV format with control characters as quote and
        # delimiter writes the JSON text untouched.
        sql = f"""COPY ({body}
SELECT CASE WHEN row_number() OVER () > 1 THEN ',' ELSE '' END || json_build_object(
    'type', 'Feature',
    'properties', json_build_object(
        'result', r.result, 'site_id', r.site_id, 'product_id', r.product_id,
        'product', r.product, 'reason', r.reason, 'inside_fraction', r.inside_fraction,
        'county_code', r.county_code, 'county', c.name),
    'geometry', ST_AsGeoJSON(r.geom, 7)::json)::text
FROM report r LEFT JOIN county c ON c.code = r.county_code
) TO STDOUT WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"""
    return cur.cursor.mogrify(sql, params)
