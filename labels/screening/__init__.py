"""Bulk screening: every site of a GDAL-readable file against the protected areas.

``screen_file`` deals the file's sites to one *lane* per CPU (``lane_count``; one
lane inside a transaction or for a small file). A lane is one connection: it
``COPY``s its share of the sites in (``load.Feed``: ogr2ogr's PGDUMP stream, cut into
blocks of whole lines and dealt round-robin; ``load.GpkgFeed``: a GeoPackage point
layer read by SQLite, one fid range per lane), orders them along PostGIS's
space-filling curve behind a BRIN index, and answers every one of them in ONE
set-based statement whose output is its share of the report (``COPY (…) TO
STDOUT``). The shares are joined in lane order. The joins are driven from the
polygons, each protected-area part and each county scanning the sites in its box
with a prepared geometry. The planner's own choices are slower: probing the
polygons' index once per site took 7× as long on a million points, and on the fresh
table (no statistics yet) it scanned the whole table once per polygon.

Each lane works in one transaction on unlogged scratch tables that are dropped at
its end, so an interrupted run leaves nothing behind. Lane 0 uses Django's
connection (and the caller's transaction, if any); the others, on threads of their
own, see only committed data, which is why a transaction keeps to one lane.
"""

import io
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from products.choices import AreaPrecision
from products.models import GIProduct
from regions.coords import CRS, parse_crs

from .grid import Grid, ensure_grid, hold_grid
from .load import (
    Feed,
    GpkgFeed,
    Interrupted,
    ScreeningError,
    convert_offsets,
    copy_lane,
    create_source_table,
    inspect_source,
    ogr2ogr_args,
    source_name,
)
from .sql import SITE_TABLE_SQL, report_sql, site_table_sql

__all__ = [
    "OUTPUT_FORMATS",
    "SITE_TABLE_SQL",
    "ScreeningError",
    "ScreeningSummary",
    "lane_count",
    "screen_file",
]

OUTPUT_FORMATS = ("csv", "geojson")
_CHUNK = 1 << 20
# Below this many sites one connection is quicker than starting others.
PARALLEL_MIN_SITES = 50_000
# From this many sites (or an unknown number) a stale screening grid is rebuilt
# first (~3 s); a smaller file uses the grid only when it is up to date.
GRID_MIN_SITES = 50_000


@dataclass
class ScreeningSummary:
    sites: int = 0
    rows: int = 0
    results: dict = field(default_factory=dict)  # {"pass": n, "fail": n, "manual": n}
    products: list = field(default_factory=list)  # names screened against
    not_mapped: list = field(default_factory=list)  # names that cannot be screened
    seconds: dict = field(default_factory=dict)  # per phase, and "total"
    output_format: str = "csv"
    lanes: int = 1  # connections that worked side by side
    lane_sites: list = field(default_factory=list)  # sites each lane screened
    exact_sites: int = 0  # sites the exact check answered (the grid answered the rest)


def _products(product) -> tuple[list[GIProduct], list[str]]:
    if product is not None:
        return [product], []
    mapped = list(
        GIProduct.objects.exclude(area_precision=AreaPrecision.NOT_MAPPED).only(
            "id", "name", "area_precision"
        )
    )
    unmapped = list(
        GIProduct.objects.filter(area_precision=AreaPrecision.NOT_MAPPED).values_list(
            "name", flat=True
        )
    )
    return mapped, unmapped


def lane_count(sites: int, requested: int | None = None) -> int:
    """How many lanes (connections working side by side) to screen ``sites`` with.

    One per CPU (at most 4) for a large file outside any transaction; one otherwise:
    the other lanes use their own connections, which cannot see what the caller's
    open transaction has not committed.
    """
    if requested is not None:
        return max(1, requested)
    if connection.in_atomic_block or 0 <= sites < PARALLEL_MIN_SITES:
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


def screen_file(
    *,
    path: str | os.PathLike,
    crs: str | CRS | None = None,
    product: GIProduct | None = None,
    output_format: str = "csv",
    output: str | os.PathLike | None = None,
    layer: str | None = None,
    id_field: str | None = None,
    tolerance_m: float | None = None,
    lanes: int | None = None,
    use_grid: bool = True,
) -> tuple[Path | bytes, ScreeningSummary]:
    """Screen every feature of ``path``; write the report to ``output`` or return its bytes.

    ``crs`` says what the coordinates are and overrides the file's own coordinate
    system; without it the file's system is used (WGS-84 when it has none).
    ``product`` restricts the check to one product (one row per site); otherwise a
    site gets a row for each protected area it lies in, or one row with no product.
    ``lanes`` overrides ``lane_count``; inside a transaction the lanes take turns on
    its connection. ``use_grid=False`` sends every site through the exact check
    instead of answering points in clear cells from the screening grid (``grid``).
    """
    if output_format not in OUTPUT_FORMATS:
        raise ScreeningError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}")
    crs = parse_crs(crs) if crs not in (None, "") else None
    tolerance_m = settings.GIRREPO_SITE_TOLERANCE_M if tolerance_m is None else tolerance_m
    source = source_name(path)
    layer, has_srs, size = inspect_source(source, layer, id_field)
    products, not_mapped = _products(product)
    lanes = lane_count(size, lanes)
    started = time.perf_counter()
    grid = ensure_grid(tolerance_m, build=size < 0 or size >= GRID_MIN_SITES) if use_grid else None
    concurrent = lanes > 1 and not connection.in_atomic_block
    summary = ScreeningSummary(
        products=[p.name for p in products],
        not_mapped=not_mapped,
        output_format=output_format,
        lanes=lanes,
    )
    job = _Job(
        crs=crs,
        id_field=id_field,
        products=products,
        single=product is not None,
        tolerance_m=tolerance_m,
        output_format=output_format,
        tag=uuid.uuid4().hex[:12],
        grid=grid,
    )
    grid_seconds = time.perf_counter() - started
    sink = open(output, "wb") if output is not None else io.BytesIO()  # noqa: SIM115
    # Each lane writes its share of the report to a file of its own. psycopg2 hands
    # COPY's output over one row at a time, so the writer is a C method (a buffered
    # file), and the rows are counted afterwards, a megabyte at a time.
    spills = [tempfile.TemporaryFile() for _ in range(lanes)]  # noqa: SIM115
    feed = pool = None
    try:
        feed = GpkgFeed.open(source, layer, id_field, crs, lanes) or Feed(
            ogr2ogr_args(source, layer, id_field, crs, has_srs), lanes, bounded=concurrent
        )
        if concurrent:
            # Lane 0 on this thread's connection, the others on threads (and so
            # connections) of their own.
            pool = ThreadPoolExecutor(lanes - 1)
            others = [pool.submit(_thread_lane, job, feed, k, spills[k]) for k in range(1, lanes)]
            try:
                done = [_lane(job, feed, 0, spills[0])]
            except Exception:
                # A lane that failed stops the others ("interrupted"): report its error.
                feed.abort()
                failed = [f.exception() for f in others]
                first = next(
                    (e for e in failed if e is not None and not isinstance(e, Interrupted)), None
                )
                if first is not None:
                    raise first from None
                raise
            done += [f.result() for f in others]
        else:
            done = [_lane(job, feed, k, spills[k]) for k in range(lanes)]
        # The shares in lane order: lane 0's rows (after the CSV header), lane 1's, ...
        if output_format == "geojson":
            sink.write(b'{"type": "FeatureCollection", "features": [\n')
        counter = _CountingWriter(sink, output_format)
        for spill in spills:
            if spill.tell() == 0:
                continue
            if output_format == "geojson" and counter.lines:
                counter.write(b",")  # each share starts its own feature list
            spill.seek(0)
            while chunk := spill.read(_CHUNK):
                counter.write(chunk)
        if output_format == "geojson":
            sink.write(b"]}\n")
    except BaseException:
        if feed is not None:
            feed.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        if feed is not None:
            feed.close()
        for spill in spills:
            spill.close()
        if output is not None:
            sink.close()
    summary.lane_sites = [share.sites for share in done]
    summary.sites = sum(summary.lane_sites)
    summary.exact_sites = sum(share.exact for share in done)
    summary.rows = counter.lines - (1 if output_format == "csv" else 0)  # CSV header
    summary.results = counter.results
    summary.seconds = {"grid": round(grid_seconds, 3), **done[0].seconds}
    summary.seconds["total"] = round(time.perf_counter() - started, 3)
    if output is not None:
        return Path(output), summary
    return sink.getvalue(), summary


@dataclass
class _Job:
    crs: CRS | None
    id_field: str | None
    products: list
    single: bool
    tolerance_m: float
    output_format: str
    tag: str
    grid: Grid | None = None


@dataclass
class _Share:
    sites: int = 0
    exact: int = 0
    seconds: dict = field(default_factory=dict)


_LOCALS = (
    "jit",
    "work_mem",
    "maintenance_work_mem",
    "enable_nestloop",
    "enable_seqscan",
    "enable_sort",
)


def _thread_lane(job: _Job, feed: Feed, k: int, sink) -> _Share:
    """A lane on a thread of its own, hence on a connection of its own."""
    try:
        return _lane(job, feed, k, sink)
    except BaseException:
        feed.abort()
        raise
    finally:
        connection.close()


def _lane(job: _Job, feed: Feed, k: int, sink) -> _Share:
    """Load lane ``k``'s share of the file, order and index it, write its report rows."""
    share = _Share()
    last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        share.seconds[name] = round(now - last, 3)
        last = now

    src, site = f"screen_src_{job.tag}_{k}", f"screen_site_{job.tag}_{k}"
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        grid = job.grid and hold_grid(cur, job.grid)
        create_source_table(cur, src, feed.columns, feed.geometry_type)
        share.sites = copy_lane(cur, feed, k, src, job.id_field)
        if job.crs in (CRS.GCJ02, CRS.BD09):
            convert_offsets(cur, src, job.crs)
        lap("load")
        # Sites in space-filling-curve order behind a BRIN index: each polygon then
        # reads a few compact runs of pages instead of pages all over the table.
        # The points in clear grid cells stay out: the report reads them from src.
        cur.execute(site_table_sql(site, src, grid))
        share.exact = cur.rowcount
        if grid is None:
            cur.execute(f"DROP TABLE {src}")
        cur.execute(f"CREATE INDEX ON {site} USING brin (geom) WITH (pages_per_range = 4)")
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {site} WHERE is_area)")
        has_areas = cur.fetchone()[0]
        lap("index")
        sql = report_sql(
            cur,
            site_table=site,
            products=job.products,
            single=job.single,
            has_areas=has_areas,
            tolerance_m=job.tolerance_m,
            output_format=job.output_format,
            header=k == 0,
            src_table=src,
            grid=grid,
        )
        # The row estimates of the lateral joins are guesses; hash joins and hash
        # aggregates are right for every size, and the laterals stay nested loops.
        cur.execute("SET LOCAL enable_nestloop = off")
        # The new table has no statistics yet (ANALYZE would cost ~0.3 s): left to
        # guess, the planner scans it whole once per polygon instead of its index.
        cur.execute("SET LOCAL enable_seqscan = off")
        # Hash aggregates for the same reason (the sort-based ones cost 2×).
        cur.execute("SET LOCAL enable_sort = off")
        cur.cursor.copy_expert(sql, sink, size=_CHUNK)
        lap("check")
        cur.execute(f"DROP TABLE {site}")
        cur.execute(f"DROP TABLE IF EXISTS {src}")
        # SET LOCAL outlives this savepoint when a caller's transaction is open.
        for name in _LOCALS:
            cur.execute(f"SET LOCAL {name} TO DEFAULT")
    return share


class _CountingWriter:
    """Counts rows and results while the lanes' shares are copied to the report.

    The result is the first thing on each report line (CSV column, first GeoJSON
    property), so counting needs no parsing: a marker at a line start.
    """

    MARKERS = {
        "csv": lambda r: f"\n{r},".encode(),
        "geojson": lambda r: f'{{"type" : "Feature", "properties" : {{"result" : "{r}"'.encode(),
    }

    def __init__(self, sink, output_format: str):
        # A CSV share without a header starts with a row: as if after a line end.
        self.sink, self.lines, self.tail = sink, 0, b"\n"
        self.markers = {r: self.MARKERS[output_format](r) for r in ("pass", "fail", "manual")}
        self.results = dict.fromkeys(self.markers, 0)
        self.keep = max(len(m) for m in self.markers.values())

    def write(self, data) -> int:
        data = bytes(data)
        self.sink.write(data)
        self.lines += data.count(b"\n")
        # Markers may straddle two chunks: search the previous chunk's tail too.
        window = self.tail + data
        for key, marker in self.markers.items():
            self.results[key] += window.count(marker) - self.tail.count(marker)
        self.tail = window[-self.keep :]
        return len(data)
