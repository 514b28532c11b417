"""The public map (issue 5) against a naive folium page, measured in the same run.

    .venv/bin/python bench/bench_maps.py [--producers 945] [--runs 5] [--seconds 10] [--markdown]

1. First view in headless Chromium: bytes transferred (every response counted
   gzipped at level 6, as a gzip-serving front end would send it) and time to
   first render (navigation start to the first county outline in the DOM, read
   on an animation frame), for /map/ with every layer on, and for a naive
   folium page with the full-resolution county boundaries and every marker
   embedded. Fresh browser context per run (no browser cache); server warm.
2. Tiles and points uncached (the cache replaced by a dummy, ``MapDataApp``'s
   store switched off): one request through the site's WSGI entry point
   (``girrepo.wsgi.application``: ``MapDataApp`` builds unfiltered tiles itself,
   everything else goes to Django), as a WSGI server calls it, against the same
   statement run raw on a cursor (for tiles the same prepared statement), and,
   for reference, through Django's WSGI handler alone, alternating tile by tile.
   All tiles over Yunnan at zooms 5–8, samples at 10 and 12; each polygon layer
   alone and all five in one tile.
3. Cached tiles through gunicorn under wrk, cycling over the tiles the first
   view requested: sync and threaded workers, through Django's handler (the
   ``MapDataCacheMiddleware`` fast path) and through ``maps.wsgi.MapDataApp``
   (answers repeated URLs before Django), against a trivial WSGI app returning
   a fixed body (the server's own ceiling) in the same run; worker CPU per
   request from /proc.
4. Shared-border mesh vs. simplifying each county on its own: overlap and gap.

The benchmark adds ``--producers`` fictional authorized producers (flagged
demo, "合成·基准…(synthetic)") inside real counties, so that the "where to buy"
layer has Yunnan's real size (945 enterprises, October 2025), and deletes them
at the end. Until the lead mounts ``maps.urls`` and the tile middleware, the
script mounts them itself.
"""

import argparse
import gzip
import json
import math
import os
import random
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_DEBUG", "0")
# Its own database, never the registry: the benchmark adds fictional producers (gunicorn
# workers inherit these variables).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "girrepo.settings.test")
os.environ.setdefault("GIRREPO_TEST_DB", "bench_girrepo_maps")
import _http  # noqa: E402
from _django import bench_database, setup  # noqa: E402

setup()

import folium  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache.backends.dummy import DummyCache  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import RequestContext, Template  # noqa: E402
from django.urls import NoReverseMatch, include, path, reverse  # noqa: E402

from girrepo.offline_maps import MARKERCLUSTER_ASSETS, local_assets, offline_map, render_map  # noqa: E402
from maps import caching  # noqa: E402
from maps.layers import LAYERS, PUBLIC_LAYERS  # noqa: E402
from maps.models import RegionShape  # noqa: E402
from regions.coords import YUNNAN_EXTENT  # noqa: E402

MIDDLEWARE = "maps.middleware.MapDataCacheMiddleware"
ALL_LAYERS = ",".join(PUBLIC_LAYERS)
BENCH_YEAR = 2099  # authorization numbers YN-GI-2099-…: never a real year's sequence
# Each polygon layer alone, and all five in one tile (what the first view asks for).
TILE_SETS = [name for name, layer in LAYERS.items() if layer.kind == "tiles"] + [
    ",".join(name for name, layer in LAYERS.items() if layer.kind == "tiles")
]
urlpatterns: list = []


# --- configuration (also used by gunicorn: bench_maps:wsgi_app()) -----------------------


def naive_map(request):
    """What a first attempt looks like: one folium page with everything embedded.

    ``?layers=all`` embeds every layer the public map has, at full resolution
    (prefectures, protected areas, mark and variety regions); without it, only
    the counties and the markers, as the issue words it.
    """
    from folium.plugins import MarkerCluster

    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    m = offline_map(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], zoom_start=6)
    queries = [
        "SELECT name, ST_AsGeoJSON(geom) FROM regions_region WHERE level = 'county'",
    ]
    if request.GET.get("layers") == "all":
        queries += [
            "SELECT name, ST_AsGeoJSON(geom) FROM regions_region WHERE level = 'prefecture'",
            "SELECT name, ST_AsGeoJSON(area_geom) FROM products_giproduct "
            "WHERE area_geom IS NOT NULL",
            "SELECT m.name, ST_AsGeoJSON(coalesce(r.geom, c.geom)) FROM brands_gimark m "
            "JOIN brands_gimark_origin_regions o ON o.gimark_id = m.id "
            "JOIN regions_region r ON r.id = o.region_id "
            "LEFT JOIN regions_region c ON c.id = r.parent_id",
            "SELECT v.denomination, ST_AsGeoJSON(coalesce(r.geom, c.geom)) "
            "FROM varieties_plantvariety v "
            "JOIN varieties_plantvariety_growing_regions g ON g.plantvariety_id = v.id "
            "JOIN regions_region r ON r.id = g.region_id "
            "LEFT JOIN regions_region c ON c.id = r.parent_id",
        ]
    with connection.cursor() as cur:
        for sql in queries:
            cur.execute(sql)
            features = [
                {"type": "Feature", "properties": {"name": name}, "geometry": json.loads(gj)}
                for name, gj in cur.fetchall()
                if gj
            ]
            if features:
                folium.GeoJson(
                    {"type": "FeatureCollection", "features": features},
                    tooltip=folium.GeoJsonTooltip(["name"]),
                ).add_to(m)
        cur.execute(
            "SELECT DISTINCT pr.name, ST_Y(pr.location), ST_X(pr.location) "
            "FROM producers_producer pr JOIN labels_authorization a ON a.producer_id = pr.id "
            "WHERE a.status = 'valid' AND pr.location IS NOT NULL"
        )
        rows = cur.fetchall()
        cur.execute(
            "SELECT tp.product_name, ST_Y(c.label_point), ST_X(c.label_point) "
            "FROM township_products_townshipproduct tp "
            "JOIN regions_region t ON t.id = tp.township_id "
            "JOIN regions_region c ON c.id = t.parent_id"
        )
        rows += cur.fetchall()
    cluster = local_assets(MarkerCluster(), **MARKERCLUSTER_ASSETS)
    for name, lat, lon in rows:
        folium.Marker([lat, lon], popup=name).add_to(cluster)
    cluster.add_to(m)
    # Embedded the way the region and product pages embed their maps, in the
    # same site template as /map/, so both pages carry the same site chrome.
    page = Template(
        '{% extends "public/base.html" %}{% block extra_head %}{{ map.header }}{% endblock %}'
        '{% block content %}<div style="height:72vh">{{ map.html }}</div>{% endblock %}'
        "{% block extra_js %}<script>{{ map.script }}</script>{% endblock %}"
    )
    return HttpResponse(page.render(RequestContext(request, {"map": render_map(m)})))


def configure() -> str:
    """Mount what the lead has not mounted yet; returns what was added, for the report."""
    added = []
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
        added.append("tile middleware")
    from girrepo.urls import urlpatterns as site

    patterns = [path("bench/naive-map/", naive_map)]
    try:
        reverse("maps:public_map")
    except NoReverseMatch:
        patterns.append(path("map/", include("maps.urls")))
        added.append("maps.urls at /map/")
    urlpatterns[:] = [*patterns, *site]
    settings.ROOT_URLCONF = sys.modules[__name__]
    from django.urls import clear_url_caches, set_urlconf

    clear_url_caches()
    set_urlconf(None)
    return ", ".join(added) or "nothing"


def prepare_database() -> None:
    """The benchmark's own database (``GIRREPO_TEST_DB``), created and filled with the
    real regions and GI facts on first use; later runs reuse it."""
    from django.core.management import call_command
    from django.test.utils import setup_databases

    from regions.models import Region

    setup_databases(verbosity=0, interactive=False, keepdb=True, serialized_aliases=[])
    print(f"database: {connection.settings_dict['NAME']}")
    if not Region.objects.filter(level="county").exists():
        print("loading regions and GI facts (first run only)…", flush=True)
        call_command("load_regions", verbosity=0)
        call_command("load_gi_facts", verbosity=0)


def wsgi_app(fast: bool = False):
    """For gunicorn; serves the static files too (a front end would, in production).

    ``fast``: wrapped in ``maps.wsgi.MapDataApp``, as ``girrepo/wsgi.py`` may be."""
    bench_database()
    configure()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    app = StaticFilesHandler(get_wsgi_application())
    if fast:
        from maps.wsgi import MapDataApp

        app = MapDataApp(app)
    return app


TRIVIAL_BODY = b"x" * 1500  # about a gzipped first-view tile


def trivial_app():
    """The ceiling: gunicorn and wrk with an app that does nothing."""

    def app(environ, start_response):
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/vnd.mapbox-vector-tile"),
                ("Content-Length", str(len(TRIVIAL_BODY))),
            ],
        )
        return [TRIVIAL_BODY]

    return app


# --- data -----------------------------------------------------------------------------


def seed_producers(n: int, seed: int = 5) -> list[int]:
    """``n`` fictional producers with a valid authorization for a mapped product."""
    import datetime as dt

    from django.contrib.gis.geos import Point

    from girrepo.validators import make_credit_code
    from labels.models import Application, Authorization
    from producers.models import Producer
    from products.models import GIProduct

    rng = random.Random(seed)
    products = list(GIProduct.objects.filter(area_geom__isnull=False).order_by("pk"))
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.id, ST_X(p.geom), ST_Y(p.geom)
            FROM regions_region c, LATERAL ST_Dump(ST_GeneratePoints(c.geom, %s, %s)) AS p
            WHERE c.level = 'county' AND c.geom IS NOT NULL
            ORDER BY c.id, p.path
            """,
            [max(1, math.ceil(n / 129)), seed],
        )
        points = cur.fetchall()
    rng.shuffle(points)
    today = dt.date.today()
    with transaction.atomic():
        producers = Producer.objects.bulk_create(
            Producer(
                name=f"合成·基准生产者{i} (synthetic)",
                credit_code=make_credit_code(f"91530000MB{i:07d}"),
                kind="enterprise",
                location=Point(lon, lat, srid=4326),
                county_id=county,
                is_demo=True,
            )
            for i, (county, lon, lat) in enumerate(points[:n])
        )
        applications = Application.objects.bulk_create(
            Application(
                producer=p,
                product=products[i % len(products)],
                county_id=p.county_id,
                status="approved",
            )
            for i, p in enumerate(producers)
        )
        Authorization.objects.bulk_create(
            Authorization(
                number=f"YN-GI-{BENCH_YEAR}-{i + 1:05d}",
                year=BENCH_YEAR,
                serial=i + 1,
                application=a,
                producer=a.producer,
                product=a.product,
                credit_code=a.producer.credit_code,
                gi_name=a.product.name,
                valid_from=today,
                status="valid",
            )
            for i, a in enumerate(applications)
        )
    return [p.pk for p in producers]


def remove_producers(ids: list[int]) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM labels_authorization WHERE producer_id = ANY(%s)", [ids])
        cur.execute("DELETE FROM labels_application WHERE producer_id = ANY(%s)", [ids])
        cur.execute("DELETE FROM producers_producer WHERE id = ANY(%s)", [ids])


# --- gunicorn ----------------------------------------------------------------------


def gunicorn(*, workers: int, threads: int, app: str = "wsgi_app()"):
    """A gunicorn serving this module's ``app`` (see bench/_http.py)."""
    ready = "/map/search.json?q=x"
    return _http.gunicorn(f"bench_maps:{app}", ready=ready, workers=workers, threads=threads)


_SIZES: dict[str, tuple[int, int]] = {}


def body_sizes(url: str) -> tuple[int, int]:
    """(raw, gzip level 6) size of the body at ``url``, fetched uncompressed."""
    import urllib.request

    if url not in _SIZES:
        body = urllib.request.urlopen(url.split("#")[0], timeout=60).read()
        _SIZES[url] = (len(body), len(gzip.compress(body, 6)))
    return _SIZES[url]


FIRST_RENDER_JS = """
sel => { const ok = document.querySelector(sel) !== null;
         if (ok && window.__firstRender === undefined) window.__firstRender = performance.now();
         return ok; }
"""


def browse(browser, url: str, selector: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto(url, wait_until="commit", timeout=120_000)
    page.wait_for_function(FIRST_RENDER_JS, arg=selector, polling="raf", timeout=120_000)
    first = page.evaluate("window.__firstRender")
    page.wait_for_load_state("networkidle", timeout=120_000)
    complete = page.evaluate("performance.now()") - 500  # networkidle waits 500 ms
    raw = gz = 0
    tiles = []
    kinds: dict[str, int] = {}
    for request in requests:
        # Bodies are fetched again here: Chromium evicts large ones from its cache.
        size, zipped = body_sizes(request.url)
        raw += size
        gz += zipped
        kind = next(
            (k for k in ("/static/", "/tiles/", "/points/") if k in request.url), "page"
        ).strip("/")
        kinds[kind] = kinds.get(kind, 0) + zipped
        if "/tiles/" in request.url:
            tiles.append("/" + request.url.split("://", 1)[1].split("/", 1)[1])
    context.close()
    return {
        "first": first,
        "complete": complete,
        "raw": raw,
        "gz": gz,
        "requests": len(requests),
        "tiles": tiles,
        "kinds": kinds,
    }


PAGES = {
    "map": ("/map/#layers=" + ALL_LAYERS, ".leaflet-girrepoTiles-pane path.girrepo-f-counties"),
    "naive, all layers": ("/bench/naive-map/?layers=all", ".leaflet-overlay-pane path"),
    "naive, counties+markers": ("/bench/naive-map/", ".leaflet-overlay-pane path"),
}


def first_view(base: str, runs: int) -> tuple[dict, list[str]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=os.environ.get("GIRREPO_CHROMIUM", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu"],
        )
        for url, selector in PAGES.values():  # warm the server
            browse(browser, base + url, selector)
        results = {name: [] for name in PAGES}
        for _ in range(runs):  # alternate, so machine load hits every page alike
            for name, (url, selector) in PAGES.items():
                results[name].append(browse(browser, base + url, selector))
        browser.close()
    summary = {
        name: {
            key: statistics.median(r[key] for r in rows)
            for key in ("first", "complete", "raw", "gz", "requests")
        }
        for name, rows in results.items()
    }
    summary["map"]["kinds"] = results["map"][-1]["kinds"]
    return summary, results["map"][-1]["tiles"]


# --- tiles uncached ------------------------------------------------------------------


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


# --- cached throughput ---------------------------------------------------------------


def worker_cpu_seconds(master: int) -> float:
    """User + system CPU of the gunicorn workers (children of ``master``)."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def cached_throughput(
    paths: list[str], seconds: int, workers: int, threads: int, app: str = "wsgi_app()"
) -> dict:
    import urllib.request

    with gunicorn(workers=workers, threads=threads, app=app) as server:
        # Warm every worker's caches (each process has its own).
        for _ in range(workers * 8):
            for p in paths:
                urllib.request.urlopen(
                    urllib.request.Request(server.url + p, headers={"Accept-Encoding": "gzip"}),
                    timeout=10,
                ).read()
        quoted = ",".join(f'"{p}"' for p in paths)
        script = (
            f"local paths = {{{quoted}}}\nlocal i = 0\n"
            "request = function()\n  i = i % #paths + 1\n"
            '  return wrk.format("GET", paths[i], {["Accept-Encoding"] = "gzip"})\nend\n'
        )
        cpu = worker_cpu_seconds(server.pid)
        run = _http.wrk(server.url, seconds=seconds, connections=16, threads=2, script=script)
        cpu = worker_cpu_seconds(server.pid) - cpu
    return {**run, "cpu_us": cpu / max(run["requests"], 1) * 1e6}


CACHED_SERVERS = (
    # (label, app, threaded)
    ("trivial WSGI app (ceiling)", "trivial_app()", False),
    ("Django + map middleware", "wsgi_app()", False),
    ("MapDataApp before Django", "wsgi_app(fast=True)", False),
    ("trivial WSGI app (ceiling)", "trivial_app()", True),
    ("Django + map middleware", "wsgi_app()", True),
    ("MapDataApp before Django", "wsgi_app(fast=True)", True),
)


# --- mesh quality ----------------------------------------------------------------------


def mesh_quality() -> list[dict]:
    from maps.bands import band_tolerance_m

    rows = []
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _bench_c AS SELECT id, ST_Transform(geom, 3857) "
            "AS geom FROM regions_region WHERE level = 'county' AND geom IS NOT NULL"
        )
        for band in (5, 8, 13):
            tol = band_tolerance_m(band)
            cur.execute(
                """
                WITH s AS (SELECT ST_SimplifyPreserveTopology(geom, %s) AS g FROM _bench_c),
                     u AS (SELECT ST_Union(g) AS g FROM s)
                SELECT (SELECT sum(ST_NPoints(g)) FROM s),
                       ((SELECT sum(ST_Area(g)) FROM s) - ST_Area(u.g)) / 1e6,
                       (SELECT sum(ST_Area(ST_MakePolygon(ST_ExteriorRing(d.geom)))
                                   - ST_Area(d.geom)) FROM ST_Dump(u.g) AS d) / 1e6
                FROM u
                """,
                [tol],
            )
            n_naive, overlap_naive, gap_naive = cur.fetchone()
            cur.execute(
                """
                WITH s AS (SELECT geom AS g FROM maps_regionshape WHERE band = %s AND level = 'county'),
                     u AS (SELECT ST_Union(g) AS g FROM s)
                SELECT (SELECT sum(ST_NPoints(g)) FROM s),
                       ((SELECT sum(ST_Area(g)) FROM s) - ST_Area(u.g)) / 1e6,
                       (SELECT sum(ST_Area(ST_MakePolygon(ST_ExteriorRing(d.geom)))
                                   - ST_Area(d.geom)) FROM ST_Dump(u.g) AS d) / 1e6
                FROM u
                """,
                [band],
            )
            n_mesh, overlap_mesh, gap_mesh = cur.fetchone()
            rows.append(
                {
                    "band": band,
                    "tol": tol,
                    "naive": (n_naive, overlap_naive, gap_naive),
                    "mesh": (n_mesh, overlap_mesh, gap_mesh),
                }
            )
    return rows


# --- main ------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--producers", type=int, default=945)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reps", type=int, default=5, help="timings per tile")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--only", choices=["view", "tiles", "cached", "mesh"], action="append")
    parser.add_argument("--markdown", action="store_true", help="also print markdown tables")
    args = parser.parse_args()
    only = set(args.only or ["view", "tiles", "cached", "mesh"])

    prepare_database()
    print(f"mounted by the benchmark: {configure()}")
    print("load average at start: {:.2f} {:.2f} {:.2f} (2 cores)".format(*os.getloadavg()))
    if not RegionShape.objects.exists():
        from maps.services import map_mesh_rebuild

        print("building the map mesh…")
        map_mesh_rebuild()
    ids = seed_producers(args.producers)
    print(f"seeded {len(ids)} fictional authorized producers")
    tile_paths: list[str] = []
    summary = None
    try:
        if only & {"view", "cached"}:
            with gunicorn(workers=args.workers, threads=args.threads) as server:
                summary, tile_paths = first_view(server.url, args.runs if "view" in only else 1)
        if "view" in only:
            print(f"\n1. First view, all of Yunnan (median of {args.runs} runs, 1280x900)")
            print(
                f"{'':<26}{'requests':>9}{'raw kB':>9}{'gzip kB':>9}{'first ms':>10}{'idle ms':>9}"
            )
            for name, r in summary.items():
                print(
                    f"{name:<26}{r['requests']:>9.0f}{r['raw'] / 1024:>9.0f}{r['gz'] / 1024:>9.0f}"
                    f"{r['first']:>10.0f}{r['complete']:>9.0f}"
                )
            ours = summary["map"]
            parts = ", ".join(f"{k} {v / 1024:.0f}" for k, v in sorted(ours["kinds"].items()))
            print(f"map, gzip kB by kind: {parts}")
            for name in list(summary)[1:]:
                other = summary[name]
                print(
                    f"vs {name}: transfer {other['gz'] / ours['gz']:.1f}x smaller, "
                    f"first render {ours['first'] / other['first']:.2f} of its time"
                )
        if "tiles" in only:
            print("\n2. Uncached requests vs raw SQL (per-tile medians; ratio = SQL / request)")
            print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
            print("req ms: girrepo.wsgi.application; Django ms: Django's WSGI handler alone")
            print(
                f"{'layer':<12}{'z':>3}{'tiles':>6}{'SQL ms':>8}{'req ms':>8}{'ratio':>7}"
                f"{'max ms':>8}{'Django ms':>10}{'ratio':>7}"
            )
            worst_low, worst_ratio, sql_sum, req_sum, below = 0.0, 9.9, 0.0, 0.0, 0
            tile_rows = time_tiles(args.reps)
            for row in tile_rows:
                sql_sum += row["raw"] * row["tiles"]
                req_sum += row["req"] * row["tiles"]
                if row["z"] <= 8:
                    worst_low = max(worst_low, row["max"])
                worst_ratio = min(worst_ratio, row["ratio"])
                below += row["ratio"] < 0.5
                print(
                    f"{row['layer']:<12}{row['z']:>3}{row['tiles']:>6}{row['raw']:>8.2f}"
                    f"{row['req']:>8.2f}{row['ratio']:>7.2f}{row['max']:>8.2f}"
                    f"{row['django']:>10.2f}{row['raw'] / row['django']:>7.2f}"
                )
            print(f"slowest tile at zoom <= 8 (median of {args.reps}): {worst_low:.1f} ms")
            print(f"lowest SQL/request ratio of any row: {worst_ratio:.2f}")
            print(f"rows below 0.5: {below} of {len(tile_rows)}")
            print(f"all tiles together: SQL/request {sql_sum / req_sum:.2f}")
            print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
            if args.markdown:
                print("\n| layer | z | tiles | SQL ms | request ms | SQL/request | Django ms |")
                print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
                for r in tile_rows:
                    print(
                        f"| {r['layer']} | {r['z']} | {r['tiles']} | {r['raw']:.2f} | "
                        f"{r['req']:.2f} | {r['ratio']:.2f} | {r['django']:.2f} |"
                    )
            for row in time_points(args.reps * 4):
                print(
                    f"points {row['layer']:<14} SQL {row['raw']:.2f} ms "
                    f"({row['statements']} statements), request {row['req']:.2f} ms "
                    f"(ratio {row['raw'] / row['req']:.2f}), {row['kb']:.1f} kB"
                )
    finally:
        remove_producers(ids)
        print(f"\nremoved the {len(ids)} fictional producers")

    cached_rows = []
    if "cached" in only:
        unique = sorted(set(tile_paths))
        print(f"\n3. Cached tiles: gunicorn + wrk (2 threads, 16 connections), {len(unique)} URLs")
        print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        for label, app, threaded in CACHED_SERVERS:
            threads = args.threads if threaded else 1
            r = cached_throughput(unique, args.seconds, args.workers, threads, app)
            kind = f"{args.workers} x {threads} threads" if threaded else f"{args.workers} sync"
            r.update(label=label, kind=kind, load=os.getloadavg()[0])
            cached_rows.append(r)
            print(
                f"{kind:<14} {label:<28} {r['rps']:>7.0f} req/s  p50 {r['p50']:>5.2f}ms  "
                f"p99 {r['p99']:>5.2f}ms  {r['cpu_us']:>5.0f} us CPU/req  {' '.join(r['errors'])}"
            )

    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if "mesh" in only:
        print("\n4. Simplified county mesh: each county alone vs shared edges")
        print(f"{'band':>4}{'tol m':>8}  {'vertices':>9}{'overlap km²':>13}{'gap km²':>10}")
        for row in mesh_quality():
            for name in ("naive", "mesh"):
                n, overlap, gap = row[name]
                print(
                    f"{row['band']:>4}{row['tol']:>8.0f}  {n:>9}{overlap:>13.1f}{gap:>10.1f}  {name}"
                )
    if args.markdown:
        print_markdown(summary if "view" in only else None, cached_rows)


def print_markdown(summary: dict | None, cached_rows: list[dict]) -> None:
    """The same figures as tables, ready for bench/RESULTS.md."""
    print(
        f"\n<!-- bench_maps.py --markdown, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} -->"
    )
    if summary:
        print("\n| first view | requests | gzip kB | first render ms | idle ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, r in summary.items():
            print(
                f"| {name} | {r['requests']:.0f} | {r['gz'] / 1024:,.0f} | "
                f"{r['first']:,.0f} | {r['complete']:,.0f} |"
            )
        ours = summary["map"]
        for name in list(summary)[1:]:
            print(
                f"\n- vs {name}: {summary[name]['gz'] / ours['gz']:.1f}x smaller, "
                f"first render {ours['first'] / summary[name]['first']:.2f} of its time"
            )
    if cached_rows:
        print("\n| cached tiles | workers | req/s | p50 / p99 | CPU µs/req | load |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for r in cached_rows:
            print(
                f"| {r['label']} | {r['kind']} | {r['rps']:,.0f} | {r['p50']:.2f} / {r['p99']:.2f} ms | "
                f"{r['cpu_us']:.0f} | {r['load']:.1f} |"
            )


if __name__ == "__main__":
    main()
