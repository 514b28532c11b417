"""The point layers: authorized producers, one-township-one-product, production sites.

Up to ``point_limit()`` points go to the browser one by one and are clustered
there (Leaflet.markercluster). Above that (girrepo is designed for a hundred
times Yunnan's 945 authorized enterprises) the server clusters them on a grid
of about 80 pixels at the requested zoom, within the requested box, and the
browser asks again as the view moves. Zoomed out below ``FULL_POINTS_ZOOM``
the server always clusters, and sends a cell holding a single point as that
point: a province-wide first view shows clusters either way, ~40 cells weigh
1 kB where 945 rows weigh 15 kB, and the browser needs no clustering script.
"""

import json
import math

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .bands import MAX_ZOOM, METRES_PER_PIXEL_Z0
from .layers import Layer, ids_sql, layer_ids

CONTENT_TYPE = "application/json"
DEFAULT_POINT_LIMIT = 5000
# Zoomed out further than this, the server clusters (see the module's docstring).
FULL_POINTS_ZOOM = 9
CLUSTER_CELL_PX = 80
COORD_DECIMALS = 5  # ~1 m
BBOX_DECIMALS = 2  # the browser's boxes are snapped, so that they repeat and cache

POINTS_SQL = {
    # One point per producer with at least one authorization valid today.
    "producers": """
        SELECT pr.id, pr.name, ST_X(pr.location) AS x, ST_Y(pr.location) AS y,
               string_agg(DISTINCT a.gi_name, '、') AS products,
               NULL::text AS place, false AS approx, NULL::text AS thumb
        FROM producers_producer pr
        JOIN labels_authorization a ON a.producer_id = pr.id
        WHERE a.status = 'valid' AND (a.valid_until IS NULL OR a.valid_until >= %s)
          AND pr.location IS NOT NULL {ids}
        GROUP BY pr.id
    """,
    # Townships have no boundaries and no points of their own: each record is
    # drawn at its county's label point (``approx``) unless the township has one.
    "townships": """
        SELECT tp.id, tp.product_name AS name,
               ST_X(coalesce(t.label_point, c.label_point)) AS x,
               ST_Y(coalesce(t.label_point, c.label_point)) AS y,
               NULL::text AS products, t.name || '，' || c.name AS place,
               t.label_point IS NULL AS approx,
               (SELECT ph.thumbnail FROM products_productphoto ph
                WHERE ph.product_id = tp.gi_product_id AND ph.thumbnail <> ''
                ORDER BY ph.id LIMIT 1) AS thumb
        FROM township_products_townshipproduct tp
        JOIN regions_region t ON t.id = tp.township_id
        JOIN regions_region c ON c.id = t.parent_id
        WHERE coalesce(t.label_point, c.label_point) IS NOT NULL {ids}
    """,
}
POINTS_SQL["sites"] = """
    SELECT s.id, coalesce(nullif(s.name, ''), a.gi_name) AS name,
           ST_X(ST_PointOnSurface(s.geom)) AS x, ST_Y(ST_PointOnSurface(s.geom)) AS y,
           a.gi_name AS products, pr.name AS place, false AS approx, NULL::text AS thumb,
           pr.id AS owner
    FROM labels_productionsite s
    JOIN labels_authorization a ON a.application_id = s.application_id
    JOIN producers_producer pr ON pr.id = a.producer_id
    WHERE a.status = 'valid' AND (a.valid_until IS NULL OR a.valid_until >= %s) {ids}
"""
# The column a layer's ``layer_ids`` subquery is matched against.
ID_COLUMN = {"producers": "pr.id", "townships": "tp.id", "sites": "a.producer_id"}
# Layers whose statement takes today's date first (authorizations valid today).
DATED = ("producers", "sites")
VERSION_SQL = "SELECT coalesce(sum(version), 0) FROM maps_dataversion WHERE topic = ANY(%s)"


def point_limit() -> int:
    return getattr(settings, "GIRREPO_MAP_POINT_LIMIT", DEFAULT_POINT_LIMIT)


def _points_sql(layer: Layer, data: dict) -> tuple[str, list]:
    ids, ids_params = ids_sql(layer_ids(layer, data))
    condition = f"AND {ID_COLUMN[layer.name]} IN ({ids})" if ids else ""
    sql = POINTS_SQL[layer.name].format(ids=condition)
    params = [timezone.localdate()] if layer.name in DATED else []
    return sql, params + ids_params


COLUMNS = {
    "producers": ("id", "lon", "lat", "name", "products"),
    "townships": ("id", "lon", "lat", "name", "place", "approx", "thumb"),
    "sites": ("id", "lon", "lat", "name", "products", "owner"),
}
_COLUMN_SQL = {
    "id": "p.id",
    "lon": f"round(p.x::numeric, {COORD_DECIMALS})",
    "lat": f"round(p.y::numeric, {COORD_DECIMALS})",
    "name": "p.name",
    "products": "p.products",
    "place": "p.place",
    "approx": "CASE WHEN p.approx THEN true END",
    "thumb": "p.thumb",
    "owner": "p.owner",
}


def build_points(
    layer: Layer, data: dict, *, zoom: int, bbox: tuple[float, float, float, float] | None
) -> tuple[int, bytes]:
    """(data version, JSON bytes) of the layer's points, or of grid clusters.

    The body is ``{"complete", "count", "columns", "points": [[…], …], "clusters":
    [[count, lon, lat], …]}``: rows, not GeoJSON features, which would repeat
    every key for each of a thousand producers. Up to the limit, PostgreSQL
    writes it in the statement that also reads the data version and counts.
    """
    sql, params = _points_sql(layer, data)
    box = ""
    if bbox is not None:
        box = " WHERE p.x BETWEEN %s AND %s AND p.y BETWEEN %s AND %s"
        params = [*params, bbox[0], bbox[2], bbox[1], bbox[3]]
    inner = f"SELECT p.* FROM ({sql}) AS p{box}"
    columns = COLUMNS[layer.name]
    row = ", ".join(_COLUMN_SQL[c] for c in columns)
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH p AS ({inner}), n AS (SELECT count(*) AS n FROM p)
            SELECT ({VERSION_SQL}), n.n, CASE WHEN n.n <= %s THEN (
                SELECT coalesce(json_agg(json_build_array({row}) ORDER BY p.id), '[]')::text
                FROM p
            ) END
            FROM n
            """,
            # -1: no rows at all when zoomed out (the overview below sends them).
            [*params, list(layer.topics), point_limit() if zoom >= FULL_POINTS_ZOOM else -1],
        )
        version, count, rows = cur.fetchone()
        complete = rows is not None and bbox is None
        clusters = "[]"
        if rows is None and zoom < FULL_POINTS_ZOOM:
            rows, clusters = _overview(cur, inner, params, zoom, row)
        elif rows is None:
            rows, clusters = "[]", _clusters(cur, inner, params, zoom)
    head = json.dumps({"complete": complete, "count": count, "columns": columns})
    body = f'{head[:-1]},"points":{rows},"clusters":{clusters}}}'
    return int(version), body.encode()


def _cell_size(zoom: int) -> float:
    return CLUSTER_CELL_PX * METRES_PER_PIXEL_Z0 / 2**zoom


def _overview(cur, inner: str, params: list, zoom: int, row: str) -> tuple[str, str]:
    """(rows, cells) on the ~80 px grid: a point alone in its cell comes as a row,
    the others as [count, mean lon, mean lat] cells."""
    cell = _cell_size(zoom)
    cur.execute(
        f"""
        WITH g AS (
            SELECT q.*,
                   floor(ST_X(ST_Transform(ST_Point(q.x, q.y, 4326), 3857)) / %s) AS cx,
                   floor(ST_Y(ST_Transform(ST_Point(q.x, q.y, 4326), 3857)) / %s) AS cy
            FROM ({inner}) AS q
        ), p AS (SELECT g.*, count(*) OVER (PARTITION BY g.cx, g.cy) AS cell_n FROM g)
        SELECT
            (SELECT coalesce(json_agg(json_build_array({row}) ORDER BY p.id), '[]')::text
             FROM p WHERE p.cell_n = 1),
            (SELECT coalesce(json_agg(json_build_array(
                        c.n, round(c.x::numeric, {COORD_DECIMALS}),
                        round(c.y::numeric, {COORD_DECIMALS}))
                    ORDER BY c.n DESC, c.x, c.y), '[]')::text
             FROM (SELECT count(*) AS n, avg(p.x) AS x, avg(p.y) AS y
                   FROM p WHERE p.cell_n > 1 GROUP BY p.cx, p.cy) AS c)
        """,
        [cell, cell, *params],
    )
    return cur.fetchone()


def _clusters(cur, inner: str, params: list, zoom: int) -> str:
    """Grid cells of about ``CLUSTER_CELL_PX`` at ``zoom``: [count, mean lon, mean lat]."""
    cell = _cell_size(zoom)
    cur.execute(
        f"""
        SELECT count(*), avg(p.x), avg(p.y)
        FROM ({inner}) AS p
        GROUP BY floor(ST_X(ST_Transform(ST_Point(p.x, p.y, 4326), 3857)) / %s),
                 floor(ST_Y(ST_Transform(ST_Point(p.x, p.y, 4326), 3857)) / %s)
        ORDER BY 1 DESC, 2, 3
        """,
        [*params, cell, cell],
    )
    cells = [[n, round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for n, x, y in cur.fetchall()]
    return json.dumps(cells, separators=(",", ":"))


def parse_view(query) -> tuple[int, tuple[float, float, float, float] | None]:
    """``z`` and ``bbox`` from a request's query (raises ValueError with a message)."""
    # Without a zoom, every point (as an API client would want), clustered only above the limit.
    zoom = int(query.get("z", FULL_POINTS_ZOOM))
    if not 0 <= zoom <= MAX_ZOOM:
        raise ValueError(_("Zoom must be 0 to %(max)d.") % {"max": MAX_ZOOM})
    value = query.get("bbox")
    if not value:
        return zoom, None
    parts = [round(float(v), BBOX_DECIMALS) for v in value.split(",")]
    if len(parts) != 4 or not all(math.isfinite(v) for v in parts):
        raise ValueError(_("bbox is xmin,ymin,xmax,ymax"))
    xmin, ymin, xmax, ymax = parts
    if not (-180 <= xmin < xmax <= 180 and -90 <= ymin < ymax <= 90):
        raise ValueError(_("bbox is xmin,ymin,xmax,ymax in degrees"))
    return zoom, (xmin, ymin, xmax, ymax)


def coords_key(zoom: int, bbox) -> str:
    return f"{zoom}/{','.join(map(str, bbox)) if bbox else '-'}"
