"""Query parameters of OGC API – Features, checked as Part 1 asks: an unknown parameter,
a bad bbox, datetime or limit is a 400 with the API's JSON error."""

import datetime as dt

from django.utils.dateparse import parse_date, parse_datetime

from girrepo.api.exceptions import BadDatetime, BadLimit, UnknownParameter, UnsupportedCRS

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
FORMATS = ("json", "geojson")
OPEN = ("", "..")


def check_known(query_params, allowed: set[str]) -> None:
    unknown = sorted(set(query_params) - allowed)
    if unknown:
        raise UnknownParameter(detail=f"Unknown query parameter: {', '.join(unknown)}")
    if query_params.get("f", "json") not in FORMATS:
        raise UnknownParameter(detail="f must be json or geojson.")
    for name in ("crs", "bbox-crs"):
        if query_params.get(name, CRS84) != CRS84:
            raise UnsupportedCRS()


def parse_limit(raw: str | None) -> int:
    """1 or more; above the maximum the maximum is used (Part 1, /req/core/fc-limit-response-1)."""
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise BadLimit() from None
    if limit < 1:
        raise BadLimit()
    return min(limit, MAX_LIMIT)


def _instant(text: str) -> dt.date | None:
    if text in OPEN:
        return None
    try:
        moment = parse_datetime(text)
        if moment is not None:
            return moment.date()
        day = parse_date(text)
    except ValueError:
        raise BadDatetime() from None
    if day is None:
        raise BadDatetime()
    return day


def parse_datetime_param(raw: str) -> tuple[dt.date | None, dt.date | None]:
    """An instant or ``start/end`` (``..`` or empty for an open end), as dates: girrepo's
    temporal properties are dates."""
    parts = raw.split("/")
    if len(parts) == 1:
        if raw in OPEN:
            raise BadDatetime()
        day = _instant(raw)
        return day, day
    if len(parts) != 2:
        raise BadDatetime()
    start, end = _instant(parts[0]), _instant(parts[1])
    if start and end and start > end:
        raise BadDatetime()
    return start, end
