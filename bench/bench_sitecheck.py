"""POST /api/site-check/ against a trivial Django view, same gunicorn server, same run.

    .venv/bin/python bench/bench_sitecheck.py [--seconds 10] [--workers 2] [--connections 2]

gunicorn (sync workers, DEBUG off, the project's full middleware stack) serves both
the API and a trivial view (``/bench/trivial/``, a JSON ``{"ok": true}``) mounted by
this script; wrk drives each for ``--seconds`` after a warm-up, cycling over
seeded request bodies:

* point: 500 random points in the bounding box of 宣威市 for 宣威火腿 (an exact
  area, so the full pass/fail path: parts, outline distance, county, overlaps);
* polygon: 500 random ~100 m squares in the same box.

The throttle stays on (its cache round trip is part of the cost) with a rate no run
reaches, counted per second: wrk is one client, and a per-minute rate would make the
throttle pickle a history of tens of thousands of timestamps on every request. Targets (issue 4): ≥ 40 % of the trivial view's requests/s, p99 ≤ 15 ms.
"""

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_DEBUG", "0")
from _django import ROOT, setup  # noqa: E402

setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402

urlpatterns: list = []
PRODUCT = "宣威火腿"
XUANWEI = "530381"


def trivial(request):
    return JsonResponse({"ok": True})


def configure() -> None:
    """Mount the trivial view next to the site; lift the throttle out of reach."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    rates = dict(settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}))
    # Per second, so the one client's history the throttle keeps (and pickles on every
    # request) stays as short as a real client's 60/min history.
    rates["site_check"] = "1000000/s"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from girrepo.urls import urlpatterns as site

    urlpatterns[:] = [path("bench/trivial/", trivial), *site]
    settings.ROOT_URLCONF = sys.modules[__name__]
    from django.urls import clear_url_caches, set_urlconf

    clear_url_caches()
    set_urlconf(None)


def wsgi_app():
    configure()
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


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


def lua(method: str, url: str, payloads: list[str] | None) -> str:
    if not payloads:
        return f'request = function() return wrk.format("{method}", "{url}") end\n'
    quoted = ",\n".join("[==[" + p + "]==]" for p in payloads)
    return (
        f"local bodies = {{{quoted}}}\nlocal i = 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n  i = i % #bodies + 1\n"
        f'  return wrk.format("{method}", "{url}", headers, bodies[i])\nend\n'
    )


def parse_ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def run_wrk(base: str, script: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, base],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)
    lines = out.splitlines()

    def pick(prefix: str) -> str:
        return next(line for line in lines if line.strip().startswith(prefix)).split()[1]

    errors = [line.strip() for line in lines if "Non-2xx" in line or "Socket errors" in line]
    return {
        "rps": float(pick("Requests/sec")),
        "p50": parse_ms(pick("50%")),
        "p99": parse_ms(pick("99%")),
        "errors": errors,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--connections", type=int, default=2, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per scenario")
    args = parser.parse_args()
    gunicorn, wrk = ROOT / ".venv" / "bin" / "gunicorn", shutil.which("wrk")
    if not gunicorn.exists() or not wrk:
        sys.exit("needs gunicorn in the venv and wrk on the PATH")
    scripts = {
        "trivial view (GET)": lua("GET", "/bench/trivial/", None),
        "site-check, point": lua("POST", "/api/site-check/", bodies("point")),
        "site-check, polygon": lua("POST", "/api/site-check/", bodies("polygon")),
    }
    connection.close()
    port = free_port()
    env = {**os.environ, "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [
            str(gunicorn),
            "--chdir",
            str(ROOT / "bench"),
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench_sitecheck:wsgi_app()",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[dict]] = {name: [] for name in scripts}
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/bench/trivial/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        check = urllib.request.Request(
            base + "/api/site-check/",
            data=bodies("point", 1)[0].encode(),
            headers={"Content-Type": "application/json"},
        )
        print("sample answer:", urllib.request.urlopen(check, timeout=10).read()[:160].decode())
        for script in scripts.values():  # warm every worker
            run_wrk(base, script, 2, args.connections)
        # Alternate the scenarios so that other load on the machine hits them alike.
        for _ in range(args.rounds):
            for name, script in scripts.items():
                results[name].append(run_wrk(base, script, args.seconds, args.connections))
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"\ngunicorn {args.workers} sync workers, wrk 1 thread × {args.connections} connections, "
        f"{args.rounds} × {args.seconds} s per scenario; load average {os.getloadavg()[0]:.1f}"
    )
    best = {name: max(runs, key=lambda r: r["rps"]) for name, runs in results.items()}
    base_rps = best["trivial view (GET)"]["rps"]
    print(
        "| scenario | req/s | p50 ms | p99 ms | vs trivial |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for name, r in best.items():
        ratio = r["rps"] / base_rps
        print(f"| {name} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {ratio:.0%} |")
        for e in r["errors"]:
            print(f"|   ↳ {e} | | | | |")
    for name, runs in results.items():
        print(f"  {name}: all rounds req/s " + ", ".join(f"{r['rps']:,.0f}" for r in runs))


if __name__ == "__main__":
    main()
