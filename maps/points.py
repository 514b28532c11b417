"""The point layers: authorized producers and one-township-one-product.

Up to ``POINT_LIMIT`` points go to the browser one by one and are clustered
there (Leaflet.markercluster). Above that (girrepo is designed for a hundred
times Yunnan's 945 authorized enterprises) the server clusters them on a grid
of about 80 pixels at the requested zoom, within the requested box, and the
browser asks again as the view moves.
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
ID_COLUMN = {"producers": "pr.id", "townships": "tp.id"}
VERSION_SQL = "SELECT coalesce(sum(version), 0) FROM maps_dataversion WHERE topic = ANY(%s)"


def point_limit() -> int:
    return getattr(settings, "GIRREPO_MAP_POINT_LIMIT", DEFAULT_POINT_LIMIT)


def _points_sql(layer: Layer, data: dict) -> tuple[str, list]:
    ids, ids_params = ids_sql(layer_ids(layer, data))
    condition = f"AND {ID_COLUMN[layer.name]} IN ({ids})" if ids else ""
    sql = POINTS_SQL[layer.name].format(ids=condition)
    params = [timezone.localdate()] if layer.name == "producers" else []
    return sql, params + ids_params


COLUMNS = {
    "producers": ("id", "lon", "lat", "name", "products"),
    "townships": ("id", "lon", "lat", "name", "place", "approx", "thumb"),
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
            [*params, list(layer.topics), point_limit()],
        )
        version, count, rows = cur.fetchone()
        complete = rows is not None and bbox is None
        clusters = "[]"
        if rows is None:
            rows, clusters = "[]", _clusters(cur, inner, params, zoom)
    head = json.dumps({"complete": complete, "count": count, "columns": columns})
    body = f'{head[:-1]},"points":{rows},"clusters":{clusters}}}'
    return int(version), body.encode()


def _clusters(cur, inner: str, params: list, zoom: int) -> str:
    """Grid cells of about ``CLUSTER_CELL_PX`` at ``zoom``: [count, mean lon, mean lat]."""
    cell = CLUSTER_CELL_PX * METRES_PER_PIXEL_Z0 / 2**zoom
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
    zoom = int(query.get("z", "6"))
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
