"""Writes to the producer register."""

from django.contrib.gis.geos import Point
from django.db import transaction

from regions import coords
from regions.selectors import region_at

from .models import Producer


def producer_locate(*, producer: Producer) -> None:
    """Derive county and township from the location, unless staff set them by hand."""
    if producer.region_override or producer.location is None:
        return
    where = region_at(point=producer.location)
    producer.county = where.county
    producer.township = where.township


@transaction.atomic
def producer_save(
    *,
    producer: Producer,
    longitude=None,
    latitude=None,
    crs: str | None = None,
) -> Producer:
    """Validate and save a producer; a location given in any supported CRS is stored as WGS-84.

    Raises ``ValidationError`` keyed by field, and saves nothing then.
    """
    if longitude not in (None, "") or latitude not in (None, ""):
        try:
            producer.location = coords.point_from_input(longitude, latitude, crs)
        except coords.CoordinateError as exc:
            raise coords.CoordinateError({"location": exc.messages}) from exc
        producer.location_crs = coords.parse_crs(crs)
    producer_locate(producer=producer)
    producer.full_clean()
    producer.save()
    return producer


def producer_location_in(*, producer: Producer, crs: str) -> Point | None:
    """The stored location expressed in ``crs`` (for showing what was typed)."""
    if producer.location is None:
        return None
    lon, lat = coords.from_wgs84(producer.location.x, producer.location.y, crs)
    return Point(lon, lat)
