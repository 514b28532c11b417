"""POST /api/site-check/ against a trivial Django view, same gunicorn server, same run.

    .venv/bin/python bench/bench_sitecheck.py [--seconds 10] [--workers 2] [--connections 2]
        [--rounds 2] [--markdown]

gunicorn (sync workers, DEBUG off, the project's full middleware stack) serves both
the API, as girrepo/wsgi.py does (``labels.api.fastpath.SiteCheckApp`` answers the
site check with the view's code and the middleware's response phase; ``--django-only``
serves it through Django's handler and DRF alone), and a trivial view (``/bench/trivial/``, a JSON ``{"ok": true}``) mounted by
this script; wrk drives each for ``--seconds`` after a warm-up, cycling over
seeded request bodies:

* point: 500 random points in the bounding box of 宣威市 for 宣威火腿 (an exact
  area, so the full pass/fail path: parts, outline distance, county, overlaps);
* polygon: 500 random ~100 m squares in the same box.

The throttle stays on at its real rate (60/min per client; its cache round trip is
part of the cost). wrk plays 4,096 clients (``X-Forwarded-For``, with DRF's
``NUM_PROXIES = 1``), each well under the limit, so every history the throttle keeps
(and pickles on every request) is a real client's: at most 60 timestamps. With
``--one-client`` (the earlier set-up) wrk is one client under a per-second rate no run
reaches, whose history then holds every request of the last second (hundreds).

Besides wall-clock rates, which on a shared machine follow whatever else runs, the
script counts the CPU time each scenario costs per request: the gunicorn workers,
their PostgreSQL backends and wrk itself (from /proc). The ratio of those CPU costs
is what the req/s ratio tends to when the two cores are the limit.

Targets (issue 4): ≥ 40 % of the trivial view's requests/s, p99 ≤ 15 ms.
"""

import argparse
import datetime
import json
import os
import random
import resource
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_DEBUG", "0")
import _http  # noqa: E402
from _django import setup  # noqa: E402

setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

urlpatterns: list = []
PRODUCT = "宣威火腿"
XUANWEI = "530381"
APP_NAME = "bench_sitecheck"
TICK = os.sysconf("SC_CLK_TCK")


def trivial(request):
    return JsonResponse({"ok": True})


def configure() -> None:
    """Mount the trivial view next to the site; lift the throttle out of reach."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    # Tag the workers' database sessions so their backends' CPU can be counted, and
    # keep them for the whole run (no reconnects in the middle of a measurement).
    db = settings.DATABASES["default"]
    db["OPTIONS"] = {**db.get("OPTIONS", {}), "application_name": APP_NAME}
    db["CONN_MAX_AGE"] = None
    rest = dict(settings.REST_FRAMEWORK)
    if os.environ.get("BENCH_SITECHECK_ONE_CLIENT"):
        rates = dict(rest.get("DEFAULT_THROTTLE_RATES", {}))
        rates["site_check"] = "1000000/s"
        rest["DEFAULT_THROTTLE_RATES"] = rates
    else:
        # Clients are told apart by X-Forwarded-For; the cache holds all their histories.
        rest["NUM_PROXIES"] = 1
        caches = {name: dict(conf) for name, conf in settings.CACHES.items()}
        caches["default"]["OPTIONS"] = {
            **caches["default"].get("OPTIONS", {}),
            "MAX_ENTRIES": 50_000,
        }
        settings.CACHES = caches
    settings.REST_FRAMEWORK = rest
    from girrepo.urls import urlpatterns as site

    urlpatterns[:] = [path("bench/trivial/", trivial), *site]
    settings.ROOT_URLCONF = sys.modules[__name__]
    from django.urls import clear_url_caches, set_urlconf

    clear_url_caches()
    set_urlconf(None)


def wsgi_app():
    """The site as girrepo/wsgi.py serves the site check: ``SiteCheckApp`` in front of
    Django (``--django-only``: Django's handler and DRF's view alone, for the record)."""
    configure()
    from django.core.wsgi import get_wsgi_application

    from labels.api.fastpath import SiteCheckApp

    django_app = get_wsgi_application()
    if os.environ.get("BENCH_SITECHECK_DJANGO_ONLY"):
        return django_app
    app = SiteCheckApp(django_app)
    if not app.enabled:
        raise SystemExit("SiteCheckApp stepped aside: MIDDLEWARE differs")
    return app


def bodies(kind: str, n: int = 500, seed: int = 4) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) "
            "FROM regions_region WHERE code = %s",
            [XUANWEI],
        )
        xmin, ymin, xmax, ymax = cur.fetchone()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if kind == "point":
            geometry = {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]}
        else:
            d = 0.0005  # ~100 m
            ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
            geometry = {
                "type": "Polygon",
                "coordinates": [[[round(a, 6), round(b, 6)] for a, b in ring]],
            }
        out.append(json.dumps({"product": PRODUCT, "geometry": geometry}, ensure_ascii=False))
    return out


CLIENTS = 4096


def lua(method: str, url: str, payloads: list[str] | None, clients: int = CLIENTS) -> str:
    """A wrk script cycling over ``payloads`` and over ``clients`` client addresses."""
    quoted = ",\n".join("[==[" + p + "]==]" for p in payloads or [""])
    return (
        f"local bodies = {{{quoted}}}\nlocal i, j = 0, 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n  i = i % #bodies + 1\n"
        f"  j = j % {clients} + 1\n"
        '  headers["X-Forwarded-For"] = "10." .. math.floor(j / 256) .. "." .. (j % 256) .. ".1"\n'
        f'  return wrk.format("{method}", "{url}", headers'
        + (", bodies[i])" if payloads else ")")
        + "\nend\n"
    )


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:  # the process is gone
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def server_pids(master: int) -> tuple[list[int], list[int]]:
    """The gunicorn workers (children of ``master``) and their PostgreSQL backends."""
    workers = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        workers.append(int(entry))
            except OSError:
                continue
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [APP_NAME])
        backends = [row[0] for row in cur.fetchall()]
    connection.close()
    return workers, backends


def run_wrk(base: str, script: str, seconds: int, connections: int, master: int) -> dict:
    """wrk's figures, plus the CPU per request of the server (workers and their
    PostgreSQL backends) and of wrk itself."""
    workers, backends = server_pids(master)
    pids = workers + backends
    before = {pid: _cpu_seconds(pid) for pid in pids}
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = _http.wrk(base, seconds=seconds, connections=connections, script=script)
    used = {pid: _cpu_seconds(pid) - before[pid] for pid in pids}
    server_cpu = sum(used.values())
    backend_cpu = sum(used[pid] for pid in pids if pid in backends)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (
        wrk_before.ru_utime + wrk_before.ru_stime
    )
    requests = max(run["requests"], 1)
    return {
        **run,
        "cpu_ms": 1000 * (server_cpu + wrk_cpu) / requests,
        "split": tuple(
            1000 * v / requests for v in (server_cpu - backend_cpu, backend_cpu, wrk_cpu)
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per scenario")
    parser.add_argument("--markdown", action="store_true", help="only the table for RESULTS.md")
    parser.add_argument(
        "--one-client",
        action="store_true",
        help="the earlier set-up: one client, per-second throttle rate",
    )
    parser.add_argument(
        "--django-only",
        action="store_true",
        help="serve the site check through Django's handler and DRF alone (no fast path)",
    )
    args = parser.parse_args()
    if not _http.available():
        sys.exit("needs gunicorn in the venv and wrk on the PATH")
    clients = 1 if args.one_client else CLIENTS
    scripts = {
        "trivial view (GET)": lua("GET", "/bench/trivial/", None, clients),
        "site-check, point": lua("POST", "/api/site-check/", bodies("point"), clients),
        "site-check, polygon": lua("POST", "/api/site-check/", bodies("polygon"), clients),
    }
    connection.close()
    env = {"BENCH_SITECHECK_ONE_CLIENT": "1"} if args.one_client else {}
    if args.django_only:
        env["BENCH_SITECHECK_DJANGO_ONLY"] = "1"
    results: dict[str, list[dict]] = {name: [] for name in scripts}
    loads = []
    app = "bench_sitecheck:wsgi_app()"
    with _http.gunicorn(app, ready="/bench/trivial/", workers=args.workers, env=env) as server:
        base = server.url
        check = urllib.request.Request(
            base + "/api/site-check/",
            data=bodies("point", 1)[0].encode(),
            headers={"Content-Type": "application/json"},
        )
        sample = urllib.request.urlopen(check, timeout=10).read()[:160].decode()
        if not args.markdown:
            print("sample answer:", sample)
        for script in scripts.values():  # warm every worker
            run_wrk(base, script, 2, args.connections, server.pid)
        # Alternate the scenarios so that other load on the machine hits them alike.
        for _ in range(args.rounds):
            for name, script in scripts.items():
                loads.append(os.getloadavg()[0])
                results[name].append(
                    run_wrk(base, script, args.seconds, args.connections, server.pid)
                )
    best = {name: max(runs, key=lambda r: r["rps"]) for name, runs in results.items()}
    # CPU per request: the lowest of the rounds (contention only ever adds to it).
    cpu = {name: min(r["cpu_ms"] for r in runs) for name, runs in results.items()}
    base_rps, base_cpu = best["trivial view (GET)"]["rps"], cpu["trivial view (GET)"]
    load = f"load {min(loads):.1f}–{max(loads):.1f}"
    who = "1 client" if args.one_client else f"{CLIENTS:,} clients"
    who += ", Django + DRF only" if args.django_only else ", SiteCheckApp"
    print(
        f"\n| {datetime.date.today()}, {load}, {args.workers} workers × "
        f"{args.connections} conn., {who} | req/s | p50 ms | p99 ms | vs trivial "
        "| CPU ms/req | CPU vs trivial |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for name, r in best.items():
        print(
            f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} "
            f"| {r['rps'] / base_rps:.0%} | {cpu[name]:.2f} | {base_cpu / cpu[name]:.0%} |"
        )
        for e in r["errors"]:
            print(f"|   ↳ {e} | | | | | | |")
    if args.markdown:
        return
    print(
        f"\ngunicorn {args.workers} sync workers, wrk 1 thread × {args.connections} connections, "
        f"{args.rounds} × {args.seconds} s per scenario; best round shown for req/s, lowest "
        "CPU per request (workers + their PostgreSQL backends + wrk)"
    )
    for name, runs in results.items():
        print(
            f"  {name}: req/s "
            + ", ".join(f"{r['rps']:,.0f}" for r in runs)
            + "; CPU ms/req "
            + ", ".join(f"{r['cpu_ms']:.2f}" for r in runs)
            + " (workers / PostgreSQL / wrk: "
            + ", ".join("/".join(f"{v:.2f}" for v in r["split"]) for r in runs)
            + ")"
        )


if __name__ == "__main__":
    main()
