"""bench_maps, part 2: tiles and points uncached, through the site's WSGI entry point
and Django's handler, against the same statements run raw."""

import gzip
import math
import random
import statistics
import sys
import time
from io import BytesIO

from django.core.cache.backends.dummy import DummyCache
from django.db import connection
from django.urls import reverse

from maps import caching
from maps.layers import LAYERS
from regions.coords import YUNNAN_EXTENT

# Each polygon layer alone, and all five in one tile (what the first view asks for).
TILE_SETS = [name for name, layer in LAYERS.items() if layer.kind == "tiles"] + [
    ",".join(name for name, layer in LAYERS.items() if layer.kind == "tiles")
]


def tiles_over_yunnan(z: int) -> list[tuple[int, int, int]]:
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    n = 2**z

    def tx(lon):
        return int((lon + 180) / 360 * n)

    def ty(lat):
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    return [(z, x, y) for x in range(tx(xmin), tx(xmax) + 1) for y in range(ty(ymax), ty(ymin) + 1)]


def wsgi_caller(entry: str = "site"):
    """A function requesting a URL as a WSGI server would, through ``entry``:

    - ``site``: the real entry point, ``girrepo.wsgi.application`` (``MapDataApp``
      in front of Django), with ``MapDataApp``'s store of built responses switched
      off, so that every request is uncached;
    - ``django``: Django's WSGI handler alone (the early middleware, then the views).
    """
    if entry == "site":
        from girrepo.wsgi import application as handler
        from maps import wsgi

        wsgi.store.enabled = False  # nothing remembered: every request builds its tile
        wsgi.store.clear()
    else:
        from django.core.handlers.wsgi import WSGIHandler

        handler = WSGIHandler()

    def get(path_info: str, query: str = "") -> bytes:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path_info,
            "QUERY_STRING": query,
            "SERVER_NAME": "bench",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "bench",
            "HTTP_ACCEPT_ENCODING": "gzip",
            "wsgi.input": BytesIO(b""),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status = []
        body = b"".join(handler(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{path_info}: {status[0]}")
        return body

    return get


def time_tiles(reps: int) -> list[dict]:
    from maps import tiles

    dummy = DummyCache("bench", {})
    caching.map_cache = lambda: dummy  # every request builds its tile
    get, django = wsgi_caller("site"), wsgi_caller("django")
    rng = random.Random(7)
    plan = {z: tiles_over_yunnan(z) for z in (5, 6, 7, 8)}
    for z in (10, 12):
        plan[z] = rng.sample(tiles_over_yunnan(z), 40)
    rows = []
    for names in TILE_SETS:
        spec = tiles.tile_set(names)
        label = names if "," not in names else "all five"
        for z, addresses in plan.items():
            raw_ms, req_ms, django_ms = [], [], []
            for z_, x, y in addresses:
                sql, params = tiles.tile_sql(spec, z_, x, y, {})
                url = reverse("maps:tile", kwargs={"z": z_, "x": x, "y": y})
                query = f"layers={names}"
                get(url, query)  # warm plans and pages for this tile
                django(url, query)
                r_samples, q_samples, d_samples = [], [], []
                for _ in range(reps):
                    t = time.perf_counter()
                    with connection.cursor() as cur:  # the handler may recycle the connection
                        # The same prepared statement the endpoint runs.
                        tiles.execute(cur, sql, params, prepare=True)
                        cur.fetchone()
                    r_samples.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    get(url, query)
                    q_samples.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    django(url, query)
                    d_samples.append(time.perf_counter() - t)
                raw_ms.append(statistics.median(r_samples) * 1000)
                req_ms.append(statistics.median(q_samples) * 1000)
                django_ms.append(statistics.median(d_samples) * 1000)
            rows.append(
                {
                    "layer": label,
                    "z": z,
                    "tiles": len(addresses),
                    "raw": statistics.mean(raw_ms),
                    "req": statistics.mean(req_ms),
                    "django": statistics.mean(django_ms),
                    "ratio": sum(raw_ms) / sum(req_ms),
                    "max": max(req_ms),
                }
            )
    return rows


def time_points(reps: int) -> list[dict]:
    """The points endpoint (producers, township products) vs. its own statement run raw."""
    from maps import points

    dummy = DummyCache("bench", {})
    caching.map_cache = lambda: dummy
    get = wsgi_caller("site")  # MapDataApp passes point requests on to Django
    rows = []
    # z=9: every point as a row; z=7: the zoomed-out overview (cells and lone points).
    for layer, zoom in (("producers", 9), ("producers", 7), ("townships", 9)):
        spec = LAYERS[layer]
        url = reverse("maps:points", kwargs={"layer": layer})
        captured = []

        def capture(execute, sql, params, many, context, captured=captured):
            captured.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            points.build_points(spec, {}, zoom=zoom, bbox=None)
        raw, req = [], []
        get(url, f"z={zoom}")
        for _ in range(reps):
            t = time.perf_counter()
            with connection.cursor() as cur:
                for sql, params in captured:  # the same statements, run raw
                    cur.execute(sql, params)
                    cur.fetchall()
            raw.append(time.perf_counter() - t)
            t = time.perf_counter()
            body = get(url, f"z={zoom}")
            req.append(time.perf_counter() - t)
        rows.append(
            {
                "layer": f"{layer} z{zoom}",
                "raw": statistics.median(raw) * 1000,
                "req": statistics.median(req) * 1000,
                "kb": len(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body) / 1024,
                "statements": len(captured),
            }
        )
    return rows
