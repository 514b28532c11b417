"""Register lists and search over ≥ 1,000,000 synthetic records: server time vs. its SQL.

    .venv/bin/python manage.py generate_synthetic --scale 100      # once, ~2 minutes
    DATABASE_URL=<registry url>_synthetic .venv/bin/python manage.py migrate   # after changes
    .venv/bin/python bench/bench_registry.py [--requests 200] [--explain] [--markdown]

Runs in-process against the synthetic database (``<registry db>_synthetic`` or
``--database-url``), which is made the default connection for the run; the
registry itself is never touched. DEBUG is off, as in production.

Each scenario's requests go through Django's test Client (server time:
middleware, view, SQL and template). The SQL each request runs is captured
once, then timed again through a plain cursor, alternating request by request
with the view so that other load on the machine affects both alike.
"""

import argparse
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS, TARGET_RATIO, COUNT_LIMIT = 50, 2.0, 100_000
QUERIES = ["普洱", "普洱茶", "puer", "三七", "sanqi", "云岭", "勐海", "pu'er cha"]
QUERIES += ["91530822HC", "xiaoli kafei", "金沙江", "qwxz"]
DEEP_PAIRS = [  # (deep page, its page 1)
    ("producer list, page 5,000 (by name)", "producer list, page 1 (by name)"),
    ("producer list sorted by kind, page 5,000", "producer list sorted by kind, page 1"),
    (
        "variety list sorted by grant date, page 3,000",
        "variety list sorted by grant date, page 1",
    ),
]
# Pages checked for exact COUNTs only (not timed): other lists and the region summaries.
AUDIT_URLS = ["/varieties/", "/marks/famous/", "/products/", "/one-township-one-product/"]
AUDIT_URLS += ["/regions/530000/", "/search/region/530000/", "/search/region/530800/"]


def synthetic_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_synthetic"))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per scenario (default 200)")
    parser.add_argument("--deep-requests", type=int, default=50, help="for page 5,000")
    parser.add_argument("--search-requests", type=int, help="for search (default: --requests)")
    parser.add_argument(
        "--search-raw-every", type=int, default=1, help="time search SQL every k-th request"
    )
    parser.add_argument("--database-url", help="default: <DATABASE_URL>_synthetic")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slowest SQL")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    parser.add_argument(
        "--only", choices=["search", "lists"], help="run only the search or only the list scenarios"
    )
    args = parser.parse_args()
    environ.Env.read_env(ROOT / ".env", overwrite=False)
    os.environ["DATABASE_URL"] = args.database_url or synthetic_url(os.environ["DATABASE_URL"])
    os.environ["DJANGO_DEBUG"] = "0"
    return args


ARGS = parse_args()
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _django import setup  # noqa: E402

setup()

from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from brands.models import FamousMark, GIMark  # noqa: E402
from girrepo.keyset import encode_cursor, ordering_keys, value_of  # noqa: E402
from producers.choices import ProducerStatus  # noqa: E402
from producers.models import Producer  # noqa: E402
from producers.views import ProducerListView  # noqa: E402
from products.models import GIProduct  # noqa: E402
from regions.models import Region  # noqa: E402
from search.selectors import search_all  # noqa: E402
from township_products.models import TownshipProduct  # noqa: E402
from varieties.choices import VarietyRegister  # noqa: E402
from varieties.models import PlantVariety  # noqa: E402
from varieties.views import PlantVarietyListView  # noqa: E402

REGISTERS = [Producer, GIProduct, GIMark, FamousMark, PlantVariety, TownshipProduct]
client = Client(HTTP_HOST="localhost")


def ms(seconds: float) -> float:
    return seconds * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def get(url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")


class Scenario:
    """Requests of one kind: ``call(item)`` does the work, ``items`` cycle."""

    def __init__(self, label, items, call, n, raw_every=1):
        self.label, self.items, self.call, self.n = label, items, call, n
        self.raw_every = raw_every
        self.sql: dict = {}
        self.view: list[float] = []
        self.cpu: list[float] = []  # this process's CPU per request (Python side)
        self.raw: list[float] = []

    def capture(self) -> None:
        for item in self.items:
            self.call(item)  # warm caches
            with CaptureQueriesContext(connection) as ctx:
                self.call(item)
            self.sql[item] = [q["sql"] for q in ctx.captured_queries]

    def run(self, cursor) -> None:
        for i in range(self.n):
            item = self.items[i % len(self.items)]
            t0, c0 = time.perf_counter(), time.process_time()
            self.call(item)
            self.view.append(ms(time.perf_counter() - t0))
            self.cpu.append(ms(time.process_time() - c0))
            if i % self.raw_every:
                continue
            t0 = time.perf_counter()
            for sql in self.sql[item]:
                cursor.execute(sql)
                if cursor.description is not None:  # not for SET / RESET
                    cursor.fetchall()
            self.raw.append(ms(time.perf_counter() - t0))

    def queries(self) -> float:
        return statistics.mean(len(v) for v in self.sql.values())


def cursor_at(path: str, qs, offset: int) -> str:
    """The URL of the page that starts at row ``offset`` of ``qs``'s ordering: the
    cursor the list's "next" link holds after ``offset / 50`` clicks (checked once
    against real clicks by ``check_cursor``)."""
    keys = ordering_keys(qs)
    row = qs.order_by(*(k.order for k in keys))[offset - 1]
    cursor = encode_cursor(keys, [value_of(row, k) for k in keys])
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}cursor={cursor}"


def next_link(url: str) -> str:
    body = client.get(url).content.decode()
    href = html.unescape(re.search(r'rel="next" href="([^"]+)"', body).group(1))
    return urlsplit(url).path + href


def check_cursor(path: str, qs) -> None:
    """Three "next" clicks from page 1 land where ``cursor_at`` says page 4 starts."""
    url = path
    for _ in range(3):
        url = next_link(url)
    if url != cursor_at(path, qs, 150):
        raise SystemExit(f"cursor_at disagrees with the next links of {path}")


def count_check(captured: dict[str, list[str]]) -> list[str]:
    """Run every captured ``COUNT(`` again and report those that counted > 100,000 rows."""
    offending, counts = [], 0
    with connection.cursor() as cur:
        for label, sqls in captured.items():
            for sql in sqls:
                if "COUNT(" not in sql.upper():
                    continue
                counts += 1
                cur.execute(sql)
                result = cur.fetchall()
                if len(result) == 1 and len(result[0]) == 1 and result[0][0] > COUNT_LIMIT:
                    offending.append(f"{label}: COUNT of {result[0][0]:,} rows: {sql[:160]}")
    print(
        f"\nexact COUNT( in captured request SQL: {counts} queries; "
        f"counting > {COUNT_LIMIT:,} rows: {len(offending)}"
    )
    return offending


def audit(urls: list[str]) -> dict[str, list[str]]:
    """The SQL of pages outside the timed scenarios, captured once for the COUNT check."""
    captured = {}
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            status = client.get(url).status_code
        captured[url] = [q["sql"] for q in ctx.captured_queries]
        print(f"  audit {url}: {status}, {len(captured[url])} queries")
    return captured


def explain(scenario, cursor) -> None:
    worst = max(
        (sql for sqls in scenario.sql.values() for sql in sqls if sql.startswith("SELECT")),
        key=lambda sql: _time(cursor, sql),
    )
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + worst)
    print(f"\n-- {scenario.label}: slowest statement\n{worst[-400:]}")
    print("\n".join(row[0] for row in cursor.fetchall() if "Sort Key" not in row[0]))


def _time(cursor, sql) -> float:
    t0 = time.perf_counter()
    cursor.execute(sql)
    if cursor.description is not None:
        cursor.fetchall()
    return time.perf_counter() - t0


COLUMNS = ["scenario", "requests", "view p50 ms", "view p95 ms", "py CPU p50 ms"]
COLUMNS += ["SQL p50 ms", "SQL p95 ms", "view/SQL (p50)", "target"]


def rows_of(scenarios) -> list[list[str]]:
    """One row per scenario; "met" means view p95 ≤ 50 ms and view ≤ 2× its SQL."""
    out = []
    for s in scenarios:
        v50, v95, sql50 = statistics.median(s.view), p95(s.view), statistics.median(s.raw)
        ratio = v50 / sql50
        verdict = "met" if v95 <= TARGET_MS and ratio <= TARGET_RATIO else "MISSED"
        figures = [v50, v95, statistics.median(s.cpu), sql50, p95(s.raw)]
        out.append(
            [s.label, str(len(s.view)), *(f"{v:.1f}" for v in figures), f"{ratio:.2f}", verdict]
        )
    return out


def deep_ratios(scenarios) -> list[str]:
    """Each deep page's p50 over its page 1's, measured in the same run."""
    by_label = {s.label: statistics.median(s.view) for s in scenarios}
    lines = []
    for label, first in DEEP_PAIRS:
        if label in by_label and first in by_label:
            ratio = by_label[label] / by_label[first]
            lines.append(f"{label} / {first}: {ratio:.2f}")
    return lines


def report(scenarios) -> None:
    rows = rows_of(scenarios)
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    for row in [COLUMNS, *rows]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print("\n" + "\n".join(deep_ratios(scenarios)))
    if ARGS.markdown:
        print("\n| " + " | ".join(COLUMNS) + " |")
        print("| --- |" + " ---: |" * (len(COLUMNS) - 2) + " --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print()
        for line in deep_ratios(scenarios):
            print(f"- {line}")


def check_migrated() -> None:
    """The synthetic database must carry this tree's indexes, or the figures lie."""
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise SystemExit(
            "the synthetic database lacks migrations: "
            "DATABASE_URL=<…>_synthetic .venv/bin/python manage.py migrate"
        )


def main() -> None:
    check_migrated()
    db = connection.settings_dict["NAME"]
    totals = {m._meta.db_table: m.objects.count() for m in REGISTERS}
    print(f"database {db}: {sum(totals.values()):,} register records")
    print("  " + ", ".join(f"{t} {n:,}" for t, n in totals.items()))
    if sum(totals.values()) < 1_000_000:
        raise SystemExit("fewer than 1,000,000 records: run generate_synthetic --scale 100")
    prefectures = list(
        Region.objects.filter(level="prefecture").order_by("code").values_list("code", flat=True)
    )
    kinds = ["cooperative", "enterprise", "individual"]
    n, deep, ns = ARGS.requests, ARGS.deep_requests, ARGS.search_requests or ARGS.requests
    every = ARGS.search_raw_every
    filtered = [f"/producers/?region={p}&kind={k}" for p in prefectures for k in kinds]
    by_kind = [f"/producers/?kind={k}&status={st}" for k in kinds for st in ProducerStatus.values]
    by_register = [
        v
        for r in VarietyRegister.values
        for v in (f"/varieties/?register={r}", f"/varieties/?register={r}&status=granted")
    ]
    marks = ["/marks/", "/marks/?mark_type=certification", "/marks/?mark_type=collective"]
    by_origin = [f"/marks/?region={p}" for p in prefectures]
    deep_offset = 249_950  # page 5,000 starts after 4,999 pages of 50
    producers = ProducerListView.queryset
    varieties = PlantVarietyListView.queryset
    check_cursor("/producers/", producers)
    check_cursor("/producers/?sort=-kind", producers.order_by("-kind"))
    page_5000 = [
        ("producer list, page 5,000 (by name)", cursor_at("/producers/", producers, deep_offset)),
        (
            "producer list sorted by kind, page 5,000",
            cursor_at("/producers/?sort=kind", producers.order_by("kind"), deep_offset),
        ),
        (
            "variety list sorted by grant date, page 3,000",
            cursor_at("/varieties/?sort=-grant_date", varieties.order_by("-grant_date"), 149_950),
        ),
    ]
    scenarios = [
        Scenario("producer list, kind + status filter", by_kind, get, n),
        Scenario("variety list, register (+ status) filter", by_register, get, n),
        Scenario("producer list, prefecture + kind filter", filtered, get, n),
        Scenario("GI mark list, page 1 (all / by type)", marks, get, n),
        Scenario("GI mark list, prefecture filter", by_origin, get, n),
        Scenario("search_all() selector", QUERIES, lambda q: search_all(q=q), ns, every),
        Scenario("/search/?q= page", [f"/search/?q={q}" for q in QUERIES], get, ns, every),
        Scenario("producer list, page 1 (by name)", ["/producers/"], get, n),
        Scenario("producer list sorted by kind, page 1", ["/producers/?sort=kind"], get, deep),
        Scenario(
            "variety list sorted by grant date, page 1", ["/varieties/?sort=-grant_date"], get, deep
        ),
        *(Scenario(label, [url], get, deep) for label, url in page_5000),
    ]
    searching = {"search_all() selector", "/search/?q= page"}
    if ARGS.only:
        scenarios = [s for s in scenarios if (s.label in searching) == (ARGS.only == "search")]
    print(f"load average {os.getloadavg()[0]:.1f}")
    with connection.cursor() as cursor:
        for s in scenarios:
            t0 = time.perf_counter()
            s.capture()
            s.run(cursor)
            print(f"  {s.label}: {len(s.view)} requests in {time.perf_counter() - t0:.0f} s")
        print(f"load average {os.getloadavg()[0]:.1f}")
        report(scenarios)
        captured = {f"{s.label} {k}": v for s in scenarios if s.view for k, v in s.sql.items()}
        if ARGS.only != "search":
            captured |= audit(AUDIT_URLS)
        offending = count_check(captured)
        for line in offending:
            print("  " + line)
        if ARGS.explain:
            for s in scenarios:
                if s.view:
                    explain(s, cursor)
    if offending:
        raise SystemExit("an exact COUNT over more than 100,000 rows ran on a request")


if __name__ == "__main__":
    main()
