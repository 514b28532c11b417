"""Turn a GeoJSON site geometry typed in any supported coordinate system into WGS-84.

Every refusal is a :class:`labels.sitecheck.SiteInputError` naming the field and the
reason in Chinese and English: malformed GeoJSON, an unsupported type, too many
vertices, a self-intersection (with its location), coordinates outside Yunnan or
latitude and longitude swapped. GEOS builds the geometry straight from the
validated numbers; GDAL never parses user text.
"""

import math
import re
import struct

import numpy as np
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import ValidationError

from regions.coords import CRS, YUNNAN_EXTENT, array_to_wgs84, parse_crs

from ..sitecheck import SITE_TYPES, SiteInputError

MAX_VERTICES = 10_000
OTHER_GEOJSON_TYPES = ("LineString", "MultiPoint", "MultiLineString", "GeometryCollection")
_EXTENT_TEXT = "lon {0:.2f}–{2:.2f}, lat {1:.2f}–{3:.2f}".format(*YUNNAN_EXTENT)


def _bad(detail: str) -> SiteInputError:
    return SiteInputError("invalid_geojson", field="geometry", detail=detail)


class _Reader:
    """Walks GeoJSON coordinates into float arrays, counting vertices as it goes."""

    def __init__(self) -> None:
        self.count = 0

    def position(self, value, where: str) -> tuple[float, float]:
        if not isinstance(value, list | tuple) or not 2 <= len(value) <= 3:
            raise _bad(f"{where} must be a position [longitude, latitude]")
        out = []
        for v in value[:2]:
            try:
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise TypeError
                number = float(v)  # an integer too large for a float raises here
            except (TypeError, OverflowError):
                number = math.nan
            if not math.isfinite(number):
                raise _bad(f"{where} has a coordinate that is not a finite number: {str(v)[:40]}")
            out.append(number)
        return out[0], out[1]

    def ring(self, value, where: str) -> np.ndarray:
        if not isinstance(value, list | tuple):
            raise _bad(f"{where} must be a list of positions")
        self.count += len(value)
        if self.count > MAX_VERTICES:
            raise SiteInputError(
                "too_many_vertices", field="geometry", count=f"> {MAX_VERTICES}", limit=MAX_VERTICES
            )
        xy = np.array([self.position(p, f"{where}[{i}]") for i, p in enumerate(value)], float)
        if len(xy) < 4:
            raise _bad(f"{where} has {len(xy)} positions; a ring needs at least 4")
        if not np.array_equal(xy[0], xy[-1]):
            raise _bad(f"{where} is not closed: its first and last positions differ")
        return xy

    def polygon(self, value, where: str) -> list[np.ndarray]:
        if not isinstance(value, list | tuple) or not value:
            raise _bad(f"{where} must be a non-empty list of rings")
        return [self.ring(r, f"{where}[{i}]") for i, r in enumerate(value)]


def read_geojson(data) -> tuple[str, list]:
    """The geometry type and its rings (or one point) as float arrays, not yet converted."""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or "type" not in data:
        raise _bad("expected an object with 'type' and 'coordinates'")
    kind = data["type"]
    if kind not in SITE_TYPES:
        if kind in OTHER_GEOJSON_TYPES or kind == "FeatureCollection":
            raise SiteInputError("unsupported_geometry_type", field="geometry", type=kind)
        raise _bad(f"unknown type {str(kind)[:40]!r}")
    coords = data.get("coordinates")
    if coords is None:
        raise _bad("'coordinates' is missing")
    reader = _Reader()
    if kind == "Point":
        return kind, [np.array([reader.position(coords, "coordinates")], float)]
    if kind == "Polygon":
        return kind, [reader.polygon(coords, "coordinates")]
    if not isinstance(coords, list | tuple) or not coords:
        raise _bad("a MultiPolygon needs a non-empty list of polygons")
    return kind, [reader.polygon(p, f"coordinates[{i}]") for i, p in enumerate(coords)]


def _build(kind: str, parts: list, srid: int = 4326):
    if kind == "Point":
        x, y = parts[0][0]
        return Point(x, y, srid=srid)
    # GEOS reads the polygons as WKB in one call (building them ring by ring through
    # Django's coordinate sequences costs a call per vertex).
    polygons = [_wkb_polygon(rings) for rings in parts]
    if kind == "Polygon":
        wkb = polygons[0]
    else:
        wkb = struct.pack("<BII", 1, 6, len(polygons)) + b"".join(polygons)
    return GEOSGeometry(memoryview(wkb), srid=srid)


def _wkb_polygon(rings: list[np.ndarray]) -> bytes:
    out = [struct.pack("<BII", 1, 3, len(rings))]
    for ring in rings:
        out.append(struct.pack("<I", len(ring)))
        out.append(np.ascontiguousarray(ring, dtype="<f8").tobytes())
    return b"".join(out)


def _check_extent(raw: np.ndarray, wgs: np.ndarray) -> None:
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT

    def inside(a):
        return (a[:, 0] >= xmin) & (a[:, 0] <= xmax) & (a[:, 1] >= ymin) & (a[:, 1] <= ymax)

    ok = inside(wgs)
    if ok.all():
        return
    if inside(raw[:, ::-1]).all():
        lon, lat = raw[0]
        raise SiteInputError(
            "swapped_coordinates", field="geometry", lon=f"{lon:.6f}", lat=f"{lat:.6f}"
        )
    _outside(*raw[int(np.argmin(ok))])


def _check_point_extent(lon: float, lat: float) -> None:
    """``_check_extent`` for one WGS-84 point, in plain floats (the public check's
    usual input: numpy's set-up costs more than the test itself)."""
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    if xmin <= lon <= xmax and ymin <= lat <= ymax:
        return
    if xmin <= lat <= xmax and ymin <= lon <= ymax:
        raise SiteInputError(
            "swapped_coordinates", field="geometry", lon=f"{lon:.6f}", lat=f"{lat:.6f}"
        )
    _outside(lon, lat)


def _outside(lon: float, lat: float) -> None:
    where = {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}"}
    if abs(lat) > 90 or abs(lon) > 180:
        raise SiteInputError("out_of_range", field="geometry", **where)
    raise SiteInputError("outside_yunnan", field="geometry", extent=_EXTENT_TEXT, **where)


_REASON_AT = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>\S+) (?P<y>\S+)\]$")


def _validity(geom) -> None:
    if isinstance(geom, Point) or geom.valid:  # a point of finite numbers is valid
        return
    text = geom.valid_reason
    m = _REASON_AT.match(text)
    detail = f"{m['what'].lower()} at {m['x']} {m['y']}" if m else text
    code = "self_intersection" if "self-intersection" in text.lower() else "invalid_geometry"
    raise SiteInputError(code, field="geometry", detail=detail)


def site_geometry_from_geojson(data, crs: str | CRS | None = CRS.WGS84):
    """A validated WGS-84 site geometry (srid 4326) from GeoJSON given in ``crs``."""
    try:
        crs = parse_crs(crs)
    except ValidationError:
        raise SiteInputError("unknown_crs", field="crs", value=repr(str(crs)[:40])) from None
    if (
        crs == CRS.WGS84
        and isinstance(data, dict)
        and data.get("type") == "Point"
        and data.get("coordinates") is not None
    ):
        lon, lat = _Reader().position(data.get("coordinates"), "coordinates")
        _check_point_extent(lon, lat)
        return Point(lon, lat, srid=4326)
    kind, parts = read_geojson(data)
    flat = [a for rings in parts for a in (rings if kind != "Point" else [rings])]
    raw = np.concatenate(flat) if len(flat) > 1 else flat[0]
    wgs = array_to_wgs84(raw, crs)
    _check_extent(raw, wgs)
    # Validity is judged on the numbers as typed, so a self-intersection is reported
    # where the user will find it.
    original = _build(kind, parts)
    _validity(original)
    if crs == CRS.WGS84:
        return original
    sizes = np.cumsum([len(a) for a in flat])[:-1]
    pieces = iter(np.split(wgs, sizes))
    if kind == "Point":
        return _build(kind, [next(pieces)])
    converted = [[next(pieces) for _ring in rings] for rings in parts]
    geom = _build(kind, converted)
    _validity(geom)
    return geom
