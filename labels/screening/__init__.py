"""Bulk screening: every site of a GDAL-readable file against the protected areas.

``screen_file`` streams the file through ``ogr2ogr`` (PGDUMP to stdout) into a
``COPY`` on Django's own connection, orders the sites along PostGIS's space-filling
curve behind a BRIN index, and then answers every site in ONE set-based statement
whose output is the report itself (``COPY (…) TO STDOUT``). The joins are driven
from the polygons, each protected-area part and each county scanning the sites in
its box with a prepared geometry. The planner's own choices are slower: probing the
polygons' index once per site took 7× as long on a million points, and on the fresh
table (no statistics yet) it scanned the whole table once per polygon.

Everything happens in one transaction on unlogged scratch tables that are dropped at
the end, so an interrupted run leaves nothing behind.
"""

import io
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from products.choices import AreaPrecision
from products.models import GIProduct
from regions.coords import CRS, parse_crs

from .load import ScreeningError, convert_offsets, inspect_source, load_file, source_name
from .sql import SITE_TABLE_SQL, report_sql

__all__ = ["OUTPUT_FORMATS", "ScreeningError", "ScreeningSummary", "screen_file"]

OUTPUT_FORMATS = ("csv", "geojson")
_CHUNK = 1 << 20


@dataclass
class ScreeningSummary:
    sites: int = 0
    rows: int = 0
    results: dict = field(default_factory=dict)  # {"pass": n, "fail": n, "manual": n}
    products: list = field(default_factory=list)  # names screened against
    not_mapped: list = field(default_factory=list)  # names that cannot be screened
    seconds: dict = field(default_factory=dict)  # per phase, and "total"
    output_format: str = "csv"


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
) -> tuple[Path | bytes, ScreeningSummary]:
    """Screen every feature of ``path``; write the report to ``output`` or return its bytes.

    ``crs`` says what the coordinates are and overrides the file's own coordinate
    system; without it the file's system is used (WGS-84 when it has none).
    ``product`` restricts the check to one product (one row per site); otherwise a
    site gets a row for each protected area it lies in, or one row with no product.
    """
    if output_format not in OUTPUT_FORMATS:
        raise ScreeningError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}")
    crs = parse_crs(crs) if crs not in (None, "") else None
    tolerance_m = settings.GIRREPO_SITE_TOLERANCE_M if tolerance_m is None else tolerance_m
    source = source_name(path)
    layer, has_srs = inspect_source(source, layer, id_field)
    products, not_mapped = _products(product)
    summary = ScreeningSummary(
        products=[p.name for p in products], not_mapped=not_mapped, output_format=output_format
    )
    src, site = (f"screen_{name}_{uuid.uuid4().hex[:12]}" for name in ("src", "site"))
    started = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        summary.seconds[name] = round(now - last, 3)
        last = now

    sink = open(output, "wb") if output is not None else io.BytesIO()  # noqa: SIM115
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            load_file(cur, source, layer, id_field, crs, has_srs, src)
            if crs in (CRS.GCJ02, CRS.BD09):
                convert_offsets(cur, src, crs)
            lap("load")
            # Sites in space-filling-curve order behind a BRIN index: each polygon then
            # reads a few compact runs of pages instead of pages all over the table.
            cur.execute(SITE_TABLE_SQL.format(site=site, src=src))
            summary.sites = cur.rowcount
            cur.execute(f"DROP TABLE {src}")
            cur.execute(f"CREATE INDEX ON {site} USING brin (geom) WITH (pages_per_range = 4)")
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {site} WHERE is_area)")
            has_areas = cur.fetchone()[0]
            lap("index")
            sql = report_sql(
                cur,
                site_table=site,
                products=products,
                single=product is not None,
                has_areas=has_areas,
                tolerance_m=tolerance_m,
                output_format=output_format,
            )
            if output_format == "geojson":
                sink.write(b'{"type": "FeatureCollection", "features": [\n')
            # The row estimates of the lateral joins are guesses; hash joins and hash
            # aggregates are right for every size, and the laterals stay nested loops.
            cur.execute("SET LOCAL enable_nestloop = off")
            # The new table has no statistics yet (ANALYZE would cost ~0.3 s): left to
            # guess, the planner scans it whole once per polygon instead of its index.
            cur.execute("SET LOCAL enable_seqscan = off")
            # Hash aggregates for the same reason (the sort-based ones cost 2×).
            cur.execute("SET LOCAL enable_sort = off")
            counter = _CountingWriter(sink, output_format)
            cur.cursor.copy_expert(sql, counter, size=_CHUNK)
            if output_format == "geojson":
                sink.write(b"]}\n")
            summary.rows = counter.lines - (1 if output_format == "csv" else 0)  # CSV header
            lap("check")
            cur.execute(f"DROP TABLE {site}")
            # SET LOCAL outlives this savepoint when a caller's transaction is open.
            for name in (
                "jit",
                "work_mem",
                "maintenance_work_mem",
                "enable_nestloop",
                "enable_seqscan",
                "enable_sort",
            ):
                cur.execute(f"SET LOCAL {name} TO DEFAULT")
        summary.results = counter.results
    finally:
        if output is not None:
            sink.close()
    summary.seconds["total"] = round(time.perf_counter() - started, 3)
    if output is not None:
        return Path(output), summary
    return sink.getvalue(), summary


class _CountingWriter:
    """Counts rows and results while the report streams to its file.

    The result is the first thing on each report line (CSV column, first GeoJSON
    property), so counting needs no parsing: a marker at a line start.
    """

    MARKERS = {
        "csv": lambda r: f"\n{r},".encode(),
        "geojson": lambda r: f'{{"type" : "Feature", "properties" : {{"result" : "{r}"'.encode(),
    }

    def __init__(self, sink, output_format: str):
        self.sink, self.lines, self.tail = sink, 0, b""
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
