"""Reads from the region register (HackSoft-style selectors: keyword-only, typed)."""

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet

from .choices import RegionLevel
from .models import Region


@dataclass(frozen=True)
class RegionLocation:
    """Where a point lies: its county and, where boundaries exist, its township."""

    county: Region | None
    township: Region | None
    # True when the point lies exactly on a border shared by two counties.
    on_boundary: bool = False


# What callers of region_at need; geometries and provenance stay in the database.
LOCATION_FIELDS = ("id", "code", "name", "name_pinyin", "name_en", "level", "parent_id")


def region_at(*, point: Point) -> RegionLocation:
    """The county and township covering ``point``, in one indexed PostGIS query.

    Townships only answer once an agency has imported their boundaries; until
    then ``township`` is None and callers must not guess one.
    """
    if point.srid != 4326:
        point = point.transform(4326, clone=True)
    # At most a few rows; sorting them here spares the ORM an ORDER BY compile.
    hits = sorted(
        Region.objects.filter(
            level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP],
            geom__covers=point,
        ).only(*LOCATION_FIELDS),
        key=lambda r: r.code,
    )
    counties = [r for r in hits if r.level == RegionLevel.COUNTY]
    townships = [r for r in hits if r.level == RegionLevel.TOWNSHIP]
    return RegionLocation(
        county=counties[0] if counties else None,
        township=townships[0] if townships else None,
        on_boundary=len(counties) > 1,
    )


def region_with_descendants_q(*, region: Region, field: str = "region") -> Q:
    """A filter for rows linked through ``field`` to ``region`` or any region below it.

    Uses the MPTT interval, so "everything in 楚雄州" is one indexed range
    condition, not a list of county ids.
    """
    return Q(
        **{
            f"{field}__tree_id": region.tree_id,
            f"{field}__lft__gte": region.lft,
            f"{field}__rght__lte": region.rght,
        }
    )


def region_list(*, level: str | None = None) -> QuerySet[Region]:
    qs = Region.objects.defer("geom", "geom_display")
    return qs.filter(level=level) if level else qs
