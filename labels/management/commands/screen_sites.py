"""Screen every site of a GDAL-readable file against the protected areas.

    manage.py screen_sites sites.gpkg --output report.csv
    manage.py screen_sites fields.zip --crs cgcs2000 --id-field 编号 --output report.geojson
    manage.py screen_sites points.csv --crs gcj02 --product 宣威火腿 --output report.csv

One set-based PostGIS statement does the check, on one connection per CPU for a
large file; see ``labels.screening``.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from regions.coords import CRS

from ...api.serializers import resolve_product
from ...screening import ScreeningError, screen_file
from ...sitecheck import SiteInputError


class Command(BaseCommand):
    help = "Check every site of a file against every protected area (or one product)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="Any GDAL-readable file (a .zip for shapefiles)."
        )
        parser.add_argument("--layer", help="Layer name (default: the first layer).")
        parser.add_argument(
            "--crs",
            choices=CRS.values,
            help="Coordinate system of the numbers; overrides the file's own (default: the "
            "file's, or WGS-84 when it has none).",
        )
        parser.add_argument("--id-field", help="Attribute that identifies a site (default: FID).")
        parser.add_argument(
            "--output",
            type=Path,
            help="Report file, .csv or .geojson (default: <file>.screening.csv).",
        )
        parser.add_argument("--product", help="Screen against one product (id or exact name).")
        parser.add_argument("--tolerance", type=float, help="Boundary tolerance in metres.")

    def handle(self, *args, **opts):
        source: Path = opts["file"]
        if not source.exists():
            raise CommandError(f"no such file: {source}")
        output: Path = opts["output"] or source.with_suffix(".screening.csv")
        suffix = output.suffix.lower()
        formats = {".csv": "csv", ".geojson": "geojson", ".json": "geojson"}
        if suffix not in formats:
            raise CommandError("the report is a .csv or a .geojson file")
        product = None
        if opts["product"]:
            try:
                product = resolve_product(opts["product"])
            except SiteInputError as exc:
                raise CommandError(exc.en) from exc
        try:
            _, summary = screen_file(
                path=source,
                crs=opts["crs"],
                product=product,
                output_format=formats[suffix],
                output=output,
                layer=opts["layer"],
                id_field=opts["id_field"],
                tolerance_m=opts["tolerance"],
            )
        except ScreeningError as exc:
            raise CommandError(str(exc)) from exc
        if opts["verbosity"] < 1:
            return
        results = ", ".join(f"{k} {v:,}" for k, v in summary.results.items())
        lanes = f"  {summary.lanes} lanes" if summary.lanes > 1 else ""
        self.stdout.write(
            f"sites {summary.sites:,}  report rows {summary.rows:,}  ({results}){lanes}"
        )
        if summary.not_mapped:
            self.stdout.write(f"not screened (no mapped area): {'、'.join(summary.not_mapped)}")
        phases = "  ".join(f"{k} {v:.2f} s" for k, v in summary.seconds.items())
        self.stdout.write(phases)
        self.stdout.write(self.style.SUCCESS(f"screen_sites: report written to {output}"))
