"""Writes to the region register (HackSoft-style services: keyword-only, typed)."""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from .models import Region, RegionPiece
from .signals import boundaries_changed
from .sources import RegionRecord

# Pieces of at most this many vertices (about 800 bytes): small enough to stay inline
# in their rows. Above ~2 kB PostgreSQL compresses a value or moves it out of line
# (TOAST), and every test against it unpacks it first: with 256-vertex pieces and
# parts a polygon's site check cost its backend 0.52 ms, with 48 0.38 ms (points
# the same). The index stays small (9,728 pieces for counties and townships).
PIECE_MAX_VERTICES = 48
PIECE_LEVELS = ("county", "township")
_REGION = Region._meta.db_table
_PIECE = RegionPiece._meta.db_table

# About 100 m at Yunnan's latitude: plenty for province-wide maps, and
# SimplifyPreserveTopology keeps each polygon valid.
DISPLAY_TOLERANCE_DEG = 0.001
COMPARED_FIELDS = (
    "name",
    "name_pinyin",
    "search_key",
    "level",
    "unit_type",
    "is_administrative",
    "code_system",
    "code_source",
    "aliases",
)


class RegionLoadError(Exception):
    """A source row that cannot be loaded; the message names the row and the reason."""


def _differs(region: Region, record: RegionRecord, parent: Region | None) -> bool:
    if region.parent_id != (parent.pk if parent else None):
        return True
    if any(getattr(region, f) != getattr(record, f) for f in COMPARED_FIELDS):
        return True
    return record.geometry is not None and region.boundary_checksum != record.checksum


def regions_refresh_derived(*, codes: Iterable[str]) -> None:
    """Recompute display geometry, label point, area and pieces in PostGIS for these regions."""
    codes = list(codes)
    if not codes:
        return
    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE regions_region SET
                geom_display = ST_Multi(ST_SimplifyPreserveTopology(geom, %s)),
                label_point = ST_PointOnSurface(geom),
                area_km2 = ST_Area(geom::geography) / 1e6
            WHERE code = ANY(%s) AND geom IS NOT NULL
            """,
            [DISPLAY_TOLERANCE_DEG, codes],
        )
    regions_rebuild_pieces(codes=codes)


def regions_rebuild_pieces(*, codes: Iterable[str] | None = None) -> int:
    """Cut the boundaries of these counties and townships (all when ``codes`` is None)
    into GiST-indexed :class:`RegionPiece` rows; returns how many pieces were written.
    """
    where, params = "r.level = ANY(%(levels)s)", {"levels": list(PIECE_LEVELS)}
    if codes is not None:
        where += " AND r.code = ANY(%(codes)s)"
        params["codes"] = list(codes)
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {_PIECE} p USING {_REGION} r WHERE r.id = p.region_id AND {where}",
            params,
        )
        return _insert_pieces(cur, where, params)


def regions_build_missing_pieces() -> int:
    """Pieces for mapped counties and townships that have none (e.g. loaded before
    pieces existed); returns how many pieces were written.
    """
    where = (
        f"r.level = ANY(%(levels)s) AND NOT EXISTS "
        f"(SELECT 1 FROM {_PIECE} p WHERE p.region_id = r.id)"
    )
    with connection.cursor() as cur:
        return _insert_pieces(cur, where, {"levels": list(PIECE_LEVELS)})


def _insert_pieces(cur, where: str, params: dict) -> int:
    cur.execute(
        f"""
        INSERT INTO {_PIECE} (region_id, geom)
        SELECT r.id, (ST_Dump(s.geom)).geom
        FROM {_REGION} r, LATERAL ST_Subdivide(r.geom, %(max_vertices)s) AS s(geom)
        WHERE r.geom IS NOT NULL AND {where}
        """,
        {**params, "max_vertices": PIECE_MAX_VERTICES},
    )
    return cur.rowcount


@transaction.atomic
def regions_load(
    *,
    records: Iterable[RegionRecord],
    force: bool = False,
    progress=None,
) -> Counter:
    """Create or update regions from source records, all or nothing.

    Records must come parents first. A region that exists is updated in place, so
    every registration linked to it survives a boundary replacement. Returns a
    counter keyed by ``(level, outcome)``; outcome is created/updated/unchanged.
    """
    summary: Counter = Counter()
    existing = {r.code: r for r in Region.objects.defer("geom", "geom_display")}
    changed_geometry: list[str] = []
    tree_changed = False
    records = list(records)
    with Region.objects.disable_mptt_updates():
        for n, record in enumerate(records, 1):
            parent = existing.get(record.parent_code) if record.parent_code else None
            if record.parent_code and parent is None:
                raise RegionLoadError(
                    f"{record.code} {record.name}: parent {record.parent_code} is not loaded"
                )
            region = existing.get(record.code)
            if region is not None and not force and not _differs(region, record, parent):
                summary[(record.level, "unchanged")] += 1
            else:
                outcome = "created" if region is None else "updated"
                if region is None:
                    region = Region(code=record.code)
                tree_changed |= region.parent_id != (parent.pk if parent else None)
                region.parent = parent
                for f in COMPARED_FIELDS:
                    setattr(region, f, getattr(record, f))
                if record.geometry is not None:
                    geom = record.geometry()
                    if not geom.valid:
                        raise RegionLoadError(
                            f"{record.code} {record.name}: invalid boundary ({geom.valid_reason})"
                        )
                    region.geom = geom
                    region.boundary_source = record.boundary_source
                    region.boundary_source_crs = record.boundary_source_crs
                    region.boundary_checksum = record.checksum
                    region.boundary_loaded = timezone.now()
                    changed_geometry.append(record.code)
                region.full_clean(exclude=["parent", "lft", "rght", "tree_id", "tree_depth"])
                region.save()
                existing[record.code] = region
                summary[(record.level, outcome)] += 1
            if progress:
                progress(n, len(records), record)
    if tree_changed:
        Region.objects.rebuild()
    regions_refresh_derived(codes=changed_geometry)
    regions_build_missing_pieces()
    if changed_geometry:
        # Inside the transaction: a listener's failure rolls the load back too.
        boundaries_changed.send(sender=Region, codes=changed_geometry)
    return summary
