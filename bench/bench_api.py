"""GeoJSON list pages: /api/producers/producers/ (features built in PostGIS) against a
plain djangorestframework-gis GeoFeatureModelSerializer endpoint over the same data,
on page 1 and on page 1,000.

    .venv/bin/python bench/bench_api.py [--producers 100000] [--seconds 2] [--rounds 5]

Runs on its own database (``GIRREPO_TEST_DB``, default ``bench_girrepo_api``), created
and migrated on first use with the real regions and fictional demo producers at random
points inside Yunnan; later runs reuse it. Requests go through Django's complete WSGI
stack (middleware, URL routing, DRF, the FilterSet, PostgreSQL) in-process, without
sockets: once in one process, then in two processes at once (the machine's two cores).
Anonymous throttling is switched off: one client would otherwise be throttled at once.

Besides wall-clock rates it reports the CPU a request costs (this process plus its
PostgreSQL backend, read from /proc) and the capacity that implies for all the
machine's cores ("CPU cap"): on a machine shared with other work, the wall-clock
rates measure the neighbours too, the CPU per request does not.
"""

import argparse
import io
import json
import os
import statistics
import sys
import time
from multiprocessing import Barrier, Process, Queue
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "girrepo.settings.test")
os.environ.setdefault("GIRREPO_TEST_DB", "bench_girrepo_api")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _http  # noqa: E402
from _django import bench_database, setup  # noqa: E402

setup()

from base64 import b64encode  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import setup_databases  # noqa: E402
from rest_framework.throttling import AnonRateThrottle  # noqa: E402

PAGE = 50
FAST = "/api/producers/producers/"
BASELINE = "/bench/producers-drf-gis/"
STEM = "91530{n:012d}"
NAME = "基准测试企业{n}号（演示）"


def database(*, fresh: bool) -> None:
    if fresh:
        name = connection.creation._get_test_db_name()
        if not name.startswith(("bench_", "test_")):
            raise SystemExit(f"refusing to drop {name!r}: not a bench or test database")
        with connection.creation._nodb_cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
    # Nothing to serialize: the benchmark never rolls back to a snapshot.
    setup_databases(verbosity=0, interactive=False, keepdb=True, serialized_aliases=[])
    from regions.models import Region

    if not Region.objects.filter(level="county").exists():
        print("loading regions (first run only)…", flush=True)
        call_command("load_regions", verbosity=0)


def producers(total: int) -> None:
    """``total`` fictional demo producers at random points inside Yunnan, county derived."""
    from girrepo.text import pinyin_key
    from girrepo.validators import make_credit_code
    from producers.models import Producer

    have = Producer.objects.filter(is_demo=True, name__startswith="基准测试").count()
    if have >= total:
        return
    print(f"creating {total - have} demo producers (first run only)…", flush=True)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM regions_region r, "
            "ST_Dump(ST_GeneratePoints(r.geom, %s, 42)) p WHERE r.level = 'province'",
            [total - have],
        )
        points = cur.fetchall()
    from django.contrib.gis.geos import Point

    kinds = ("enterprise", "cooperative", "association")
    batch = []
    for i, (x, y) in enumerate(points, start=have):
        name = NAME.format(n=i)
        batch.append(
            Producer(
                name=name,
                credit_code=make_credit_code(STEM.format(n=i)),
                kind=kinds[i % 3],
                location=Point(x, y, srid=4326),
                is_demo=True,
                search_key=pinyin_key(name),
            )
        )
    Producer.objects.bulk_create(batch, batch_size=5000)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE producers_producer p SET county_id = r.id FROM regions_region r "
            "WHERE r.level = 'county' AND p.county_id IS NULL AND ST_Covers(r.geom, p.location)"
        )
        cur.execute("ANALYZE producers_producer")


def deep_cursor(page: int) -> str:
    """The cursor a client reaches page ``page`` with (keyset on id)."""
    from producers.models import Producer

    last = Producer.objects.order_by("id").values_list("id", flat=True)[(page - 1) * PAGE - 1]
    return b64encode(f"p={last}".encode()).decode()


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(app, path: str, query: str, n: int) -> tuple[float, float]:
    """(Python, PostgreSQL) CPU seconds per request: what a request costs the machine,
    whatever else runs on it."""
    py0, pg0 = time.process_time(), backend_cpu()
    for _ in range(n):
        request(app, path, query)
    return (time.process_time() - py0) / n, (backend_cpu() - pg0) / n


def environ(path: str, query: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "application/geo+json",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def request(app, path: str, query: str) -> bytes:
    status = []
    body = app(environ(path, query), lambda s, h: status.append(s))
    data = b"".join(body)
    body.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{path}?{query}: {status[0]} {data[:300]!r}")
    return data


def timed(app, path: str, query: str, seconds: float) -> list[float]:
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        request(app, path, query)
        samples.append(time.perf_counter() - t0)
    return samples


def _worker(path, query, seconds, barrier, out):
    connections.close_all()  # a forked child opens its own connection
    app = WSGIHandler()
    for _ in range(50):
        request(app, path, query)
    barrier.wait()
    out.put(len(timed(app, path, query, seconds)))


def two_processes(path: str, query: str, seconds: float) -> float:
    connections.close_all()
    barrier, out = Barrier(2), Queue()
    procs = [Process(target=_worker, args=(path, query, seconds, barrier, out)) for _ in "ab"]
    for p in procs:
        p.start()
    total = out.get() + out.get()
    for p in procs:
        p.join()
    return total / seconds


def configure() -> None:
    """The project's URLs plus the baseline route; anonymous throttling off."""
    settings.ROOT_URLCONF = "_api_baseline"
    AnonRateThrottle.THROTTLE_RATES = {"anon": None}


def wsgi_app():
    """gunicorn's app factory: the benchmark database, DEBUG off, the baseline mounted."""
    bench_database()
    settings.DEBUG, settings.ALLOWED_HOSTS = False, ["*"]
    configure()
    return WSGIHandler()


def over_http(cases, seconds: int, rounds: int, connections: int) -> dict:
    """req/s, p50 and p99 through gunicorn (2 sync workers: the 2 cores) and wrk."""
    script = 'wrk.headers["Accept"] = "application/geo+json"\n'
    results = {label: [] for label, _, _ in cases}
    env = {"GIRREPO_TEST_DB": connection.settings_dict["NAME"]}
    with _http.gunicorn("bench_api:wsgi_app()", ready=FAST + "?limit=1", env=env) as server:
        base = server.url
        for _label, path, query in cases:  # warm every worker and query plan
            _http.wrk(f"{base}{path}?{query}", seconds=1, connections=connections, script=script)
        for _ in range(rounds):
            for label, path, query in cases:
                url = f"{base}{path}?{query}"
                run = _http.wrk(url, seconds=seconds, connections=connections, script=script)
                if run["errors"]:
                    raise RuntimeError(f"{label}: {run['errors']}")
                results[label].append(run)
    return {label: max(runs, key=lambda r: r["rps"]) for label, runs in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--producers", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=2.0, help="per 2-process window")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--http-seconds", type=int, default=5, help="per wrk round; 0: skip")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    args = parser.parse_args()
    database(fresh=args.fresh)
    producers(args.producers)
    configure()
    app = WSGIHandler()
    deep = deep_cursor(1000)
    cases = [
        ("PostGIS GeoJSON, page 1", FAST, f"limit={PAGE}"),
        ("PostGIS GeoJSON, page 2", FAST, f"limit={PAGE}&cursor={deep_cursor(2)}"),
        ("PostGIS GeoJSON, page 1,000", FAST, f"limit={PAGE}&cursor={deep}"),
        ("GeoFeatureModelSerializer, page 1", BASELINE, f"limit={PAGE}"),
        ("GeoFeatureModelSerializer, page 1,000", BASELINE, f"limit={PAGE}&cursor={deep}"),
    ]
    fast, slow = (json.loads(request(app, p, q)) for _, p, q in (cases[0], cases[3]))
    assert [f["id"] for f in fast["features"]] == [f["id"] for f in slow["features"]]
    assert [f["properties"] for f in fast["features"]] == [
        {k: v for k, v in f["properties"].items() if k != "id"} for f in slow["features"]
    ]
    assert len(fast["features"]) == PAGE
    from producers.models import Producer

    size = len(request(app, FAST, cases[0][2]))
    print(f"{Producer.objects.count():,} producers; {PAGE} features per page; {size:,} bytes")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    # Interleaved, so that every case meets the same load from the rest of the machine.
    latencies = {label: [] for label, _, _ in cases}
    for _ in range(args.rounds * 10):
        for label, path, query in cases:
            for _ in range(5 if path == FAST else 1):
                t0 = time.perf_counter()
                request(app, path, query)
                latencies[label].append(time.perf_counter() - t0)
    cpu = {
        label: cpu_per_request(app, path, query, 1000 if path == FAST else 100)
        for label, path, query in cases
    }
    rates = {label: [] for label, _, _ in cases}
    for _ in range(args.rounds):
        for label, path, query in cases:
            rates[label].append(two_processes(path, query, args.seconds))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    cores = os.cpu_count()
    print(
        f"{'':<40}{'p50 ms':>8}{'min ms':>8}{'req/s':>7}{'2 procs':>9}"
        f"{'py ms':>7}{'pg ms':>7}{'CPU cap':>9}"
    )
    dual, capacity = {}, {}
    for label, _, _ in cases:
        samples = sorted(latencies[label])
        single = len(samples) / sum(samples)
        dual[label] = statistics.median(rates[label])
        py, pg = cpu[label]
        capacity[label] = cores / (py + pg)
        print(
            f"{label:<40}{statistics.median(samples) * 1000:>8.2f}{samples[0] * 1000:>8.2f}"
            f"{single:>7.0f}{dual[label]:>9.0f}{py * 1000:>7.2f}{pg * 1000:>7.2f}"
            f"{capacity[label]:>9.0f}"
        )
    fast, second, deep_page, base = (c[0] for c in cases[:4])
    print(
        f"PostGIS / GeoFeatureModelSerializer, page 1: {dual[fast] / dual[base]:.1f}x measured "
        f"(2 procs), {capacity[fast] / capacity[base]:.1f}x in CPU per request"
    )
    print(
        f"page 1,000 / page 2 (PostGIS): {dual[deep_page] / dual[second]:.2f} measured, "
        f"{capacity[deep_page] / capacity[second]:.2f} in CPU per request"
    )
    if args.http_seconds and _http.available():
        http_cases = [cases[0], cases[2], cases[3]]
        http = over_http(http_cases, args.http_seconds, args.rounds, args.connections)
        print(
            f"\ngunicorn 2 sync workers, wrk 1 thread x {args.connections} connections, best of "
            f"{args.rounds} x {args.http_seconds} s; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"{'':<40}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}")
        for label, run in http.items():
            print(f"{label:<40}{run['rps']:>8.0f}{run['p50']:>8.2f}{run['p99']:>8.2f}")
        fast_rps, base_rps = http[cases[0][0]]["rps"], http[cases[3][0]]["rps"]
        print(f"over HTTP, PostGIS / GeoFeatureModelSerializer page 1: {fast_rps / base_rps:.1f}x")


if __name__ == "__main__":
    main()
