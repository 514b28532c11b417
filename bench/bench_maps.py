"""The public map (issue 5) against a naive folium page, measured in the same run.

Parts 1 and 2 live in bench/_maps_view.py and bench/_maps_uncached.py.

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
at the end.
"""

import argparse
import json
import math
import os
import random
import sys
import time
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
from _maps_uncached import time_points, time_tiles  # noqa: E402  (bench/, after setup)
from _maps_view import first_view  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import RequestContext, Template  # noqa: E402
from django.urls import path  # noqa: E402

from girrepo.offline_maps import MARKERCLUSTER_ASSETS, local_assets, offline_map, render_map  # noqa: E402
from maps.models import RegionShape  # noqa: E402
from regions.coords import YUNNAN_EXTENT  # noqa: E402

BENCH_YEAR = 2099  # authorization numbers YN-GI-2099-…: never a real year's sequence
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


def configure() -> None:
    """Mount the naive folium page next to the site."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    from girrepo.urls import urlpatterns as site

    urlpatterns[:] = [path("bench/naive-map/", naive_map), *site]
    settings.ROOT_URLCONF = sys.modules[__name__]
    from django.urls import clear_url_caches, set_urlconf

    clear_url_caches()
    set_urlconf(None)


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
    configure()
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
