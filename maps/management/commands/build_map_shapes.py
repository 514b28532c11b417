"""Rebuild the web map's region mesh and protected-area shapes (all zoom bands).

manage.py build_map_shapes            # everything (~15 s)
manage.py build_map_shapes --stale    # only areas recomputed since their shapes
manage.py build_map_shapes --missing  # only if no mesh was ever built (set-up re-runs)
"""

from django.core.management.base import BaseCommand

from maps.models import RegionShape
from maps.services import area_shapes_refresh_stale, map_mesh_rebuild


class Command(BaseCommand):
    help = "Rebuild the map's simplified region mesh and protected-area shapes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Build the mesh only if none exists (load_regions keeps it up to date after).",
        )
        parser.add_argument(
            "--stale",
            action="store_true",
            help="Only rebuild protected-area shapes whose area changed since they were built.",
        )

    def handle(self, *args, stale: bool = False, missing: bool = False, **options):
        if missing and RegionShape.objects.exists():
            n = area_shapes_refresh_stale()
            self.stdout.write(f"Map mesh present; rebuilt the shapes of {n} changed area(s).")
            return
        if stale:
            n = area_shapes_refresh_stale()
            self.stdout.write(f"Rebuilt the map shapes of {n} protected area(s).")
            return
        self.stdout.write("Building the region mesh for every zoom band…")
        build = map_mesh_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Built {build.counties} counties in every band "
                f"({build.vertices:,} vertices) in {build.seconds:.1f} s."
            )
        )
