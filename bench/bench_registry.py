"""Register lists and search over ≥ 1,000,000 synthetic records: server time vs. its SQL.

    .venv/bin/python manage.py generate_synthetic --scale 100      # once, ~2 minutes
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
    parser.add_argument("--jit-off", action="store_true", help="SET jit = off (a proposal)")
    parser.add_argument("--database-url", help="default: <DATABASE_URL>_synthetic")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE slowest SQL")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
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
from django.db.models import Exists, OuterRef, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from brands.choices import MarkType  # noqa: E402
from brands.models import FamousMark, GIMark  # noqa: E402
from brands.selectors import gi_mark_list  # noqa: E402
from girrepo.text import query_key  # noqa: E402
from producers.models import Producer  # noqa: E402
from producers.views import ProducerListView  # noqa: E402
from products.models import GIProduct  # noqa: E402
from regions.models import Region  # noqa: E402
from search.selectors import search_all  # noqa: E402
from township_products.models import TownshipProduct  # noqa: E402
from varieties.models import PlantVariety  # noqa: E402

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
            t0 = time.perf_counter()
            self.call(item)
            self.view.append(ms(time.perf_counter() - t0))
            if i % self.raw_every:
                continue
            t0 = time.perf_counter()
            for sql in self.sql[item]:
                cursor.execute(sql)
                cursor.fetchall()
            self.raw.append(ms(time.perf_counter() - t0))

    def queries(self) -> float:
        return statistics.mean(len(v) for v in self.sql.values())


def raw_only(label, requests, n, cursor) -> Scenario:
    """A proposal measured as SQL only: each request is a list of (sql, params) pairs."""
    scenario = Scenario(label, list(range(len(requests))), None, n)
    for i in range(n):
        t0 = time.perf_counter()
        for sql, params in requests[i % len(requests)]:
            cursor.execute(sql, params)
            cursor.fetchall()
        scenario.raw.append(ms(time.perf_counter() - t0))
    scenario.sql = {i: [sql for sql, _ in r] for i, r in enumerate(requests)}
    return scenario


def sql_of(qs) -> list:
    return [qs.query.sql_with_params()]


def region_ids(code: str) -> list[int]:
    region = Region.objects.get(code=code)
    return list(region.get_descendants(include_self=True).values_list("id", flat=True))


def proposed_producer_filter(prefectures, kinds) -> list:
    """No DISTINCT (FK paths cannot duplicate rows), region ids instead of interval joins."""
    qs = ProducerListView.queryset
    return [
        sql_of(qs.filter(Q(county_id__in=ids) | Q(township_id__in=ids), kind__in=[k])[:51])
        for ids in map(region_ids, prefectures)
        for k in kinds
    ]


def proposed_mark_filters(prefectures) -> tuple[list, list]:
    """Mark type without DISTINCT; the origin-region filter as EXISTS instead of JOIN + DISTINCT."""
    types = [sql_of(gi_mark_list()[:51])]
    types += [sql_of(gi_mark_list().filter(mark_type__in=[t])[:51]) for t in MarkType.values]
    origins = GIMark.origin_regions.through.objects
    regions = [
        sql_of(
            gi_mark_list().filter(
                Exists(origins.filter(gimark_id=OuterRef("pk"), region_id__in=region_ids(p)))
            )[:51]
        )
        for p in prefectures
    ]
    return types, regions


SEARCH_TABLES = [  # table, name column
    ("products_giproduct", "name"),
    ("brands_gimark", "name"),
    ("brands_famousmark", "name"),
    ("varieties_plantvariety", "denomination"),
    ("township_products_townshipproduct", "product_name"),
    ("producers_producer", "name"),
    ("regions_region", "name"),
]


def proposed_search(q: str) -> list:
    """Index-driven, bounded search: Chinese is matched through its pinyin key, other text
    also by ILIKE (both served by the trigram indexes) and codes whole; at most 200
    candidates per register are ranked, instead of every row that matches. Typo
    tolerance (``%``) would run only as a fallback when nothing matched."""
    key = query_key(q)
    latin = not re.search(r"[\u3400-\u9fff]", q)
    statements = []
    for table, name in SEARCH_TABLES:
        cond, params = "search_key LIKE %s", [f"%{key}%"]
        if latin:
            cond, params = cond + f" OR {name} ILIKE %s", params + [f"%{q}%"]
            if table == "producers_producer":  # a whole credit code, by its unique index
                cond, params = cond + " OR credit_code = %s", params + [q.strip().upper()]
        sql = (
            f"SELECT * FROM (SELECT * FROM {table} WHERE {cond} LIMIT 200) c "
            f"ORDER BY GREATEST(similarity({name}, %s), similarity(search_key, %s)) DESC, id "
            "LIMIT 10"
        )
        statements.append((sql, params + [q, key]))
    return statements


def keyset_sql(offset: int) -> list:
    """Page ``offset / 50 + 1`` by seek: the rows after the last one of the page before."""
    name, pk = Producer.objects.order_by("name", "id").values_list("name", "id")[offset - 1]
    qs = ProducerListView.queryset.extra(
        where=['("producers_producer"."name", "producers_producer"."id") > (%s, %s)'],
        params=[name, pk],
    ).order_by("name", "id")[:51]
    return sql_of(qs)


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
        (sql for sqls in scenario.sql.values() for sql in sqls),
        key=lambda sql: _time(cursor, sql),
    )
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + worst)
    print(f"\n-- {scenario.label}: slowest statement\n{worst[-400:]}")
    print("\n".join(row[0] for row in cursor.fetchall() if "Sort Key" not in row[0]))


def _time(cursor, sql) -> float:
    t0 = time.perf_counter()
    cursor.execute(sql)
    cursor.fetchall()
    return time.perf_counter() - t0


def rows_of(scenarios) -> list[tuple]:
    """(label, requests, view p50, view p95, SQL runs, SQL p50, SQL p95, ratio, verdict)."""
    out = []
    for s in scenarios:
        sql50, sql95 = statistics.median(s.raw), p95(s.raw)
        if s.view:
            v50, v95 = statistics.median(s.view), p95(s.view)
            ratio = v50 / sql50
            ok = v95 <= TARGET_MS and ratio <= TARGET_RATIO
        else:
            v50 = v95 = ratio = None
            ok = sql95 <= TARGET_MS
        verdict = "met" if ok else "MISSED"
        out.append((s.label, len(s.view), v50, v95, len(s.raw), sql50, sql95, ratio, verdict))
    return out


def report(scenarios) -> None:
    def num(value, fmt="{:.1f}"):
        return "—" if value is None else fmt.format(value)

    print(
        f"\n{'scenario':<46}{'requests':>9}{'view p50':>10}{'p95':>8}"
        f"{'SQL runs':>9}{'SQL p50':>9}{'p95':>8}{'view/SQL':>9}  target"
    )
    for label, n, v50, v95, runs, s50, s95, ratio, verdict in rows_of(scenarios):
        print(
            f"{label:<46}{n or '—':>9}{num(v50):>10}{num(v95):>8}{runs:>9}"
            f"{s50:>9.1f}{s95:>8.1f}{num(ratio, '{:.1f}x'):>9}  {verdict}"
        )
    if ARGS.markdown:
        print(
            "\n| scenario | requests | view p50 ms | view p95 ms | SQL runs | SQL p50 ms |", end=""
        )
        print(" SQL p95 ms | view/SQL | target |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for label, n, v50, v95, runs, s50, s95, ratio, verdict in rows_of(scenarios):
            print(
                f"| {label} | {n or '—'} | {num(v50)} | {num(v95)} | {runs} | {s50:.1f} | "
                f"{s95:.1f} | {num(ratio, '{:.1f}×')} | {verdict} |"
            )


def main() -> None:
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
    marks = ["/marks/", "/marks/?mark_type=certification", "/marks/?mark_type=collective"]
    by_origin = [f"/marks/?region={p}" for p in prefectures]
    scenarios = [
        Scenario("producer list, prefecture + kind filter", filtered, get, n),
        Scenario("GI mark list, page 1 (all / by type)", marks, get, n),
        Scenario("GI mark list, prefecture filter", by_origin, get, n),
        Scenario("search_all() selector", QUERIES, lambda q: search_all(q=q), ns, every),
        Scenario("/search/?q= page", [f"/search/?q={q}" for q in QUERIES], get, ns, every),
        Scenario("producer list, page 1", ["/producers/"], get, n),
        Scenario(
            "producer list, page 5,000 (OFFSET 249,950)", ["/producers/?page=5000"], get, deep
        ),
    ]
    print(
        f"load average {os.getloadavg()[0]:.1f}; jit {'off' if ARGS.jit_off else 'as configured'}"
    )
    with connection.cursor() as cursor:
        if ARGS.jit_off:
            cursor.execute("SET jit = off")
        for s in scenarios:
            t0 = time.perf_counter()
            s.capture()
            s.run(cursor)
            print(f"  {s.label}: {len(s.view)} requests in {time.perf_counter() - t0:.0f} s")
        mark_types, mark_origins = proposed_mark_filters(prefectures)
        proposals = [
            ("producer filter: no DISTINCT, ids", proposed_producer_filter(prefectures, kinds)),
            ("GI mark type filter: no DISTINCT", mark_types),
            ("GI mark prefecture filter: EXISTS", mark_origins),
            ("search: pinyin key, 200 candidates", [proposed_search(q) for q in QUERIES]),
            ("page 5,000 by keyset", [keyset_sql(249_950)]),
        ]
        for label, requests in proposals:
            scenarios.append(raw_only(f"proposal: {label}", requests, n, cursor))
        print(f"load average {os.getloadavg()[0]:.1f}")
        report(scenarios)
        captured = {f"{s.label} {k}": v for s in scenarios if s.view for k, v in s.sql.items()}
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
