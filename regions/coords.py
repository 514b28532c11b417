"""Accept coordinates in the systems Chinese users actually have, and store WGS-84.

Every form and API goes through this module, so a point typed from Amap (GCJ-02), Baidu
(BD-09), a CGCS2000 survey or a GPS (WGS-84) ends up as a WGS-84 ``Point(srid=4326)``.

The coordinate system is always one of the fixed :class:`CRS` choices. A user-supplied SRS
string is never handed to GDAL: GDAL 3.6 cannot stop a crafted SRS definition from reading
files or the network, so GDAL only ever sees the EPSG integers 4326 and 4490 below.

Input is checked against Yunnan's extent *before* conversion, so a swapped latitude and
longitude is reported as such instead of being silently stored somewhere in Tibet or the sea.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import NoReturn

import numpy as np
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference
from django.contrib.gis.gdal.srs import AxisOrder
from django.contrib.gis.geos import GEOSGeometry, LinearRing, LineString, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class CRS(models.TextChoices):
    """The only coordinate systems we accept."""

    WGS84 = "wgs84", _("WGS-84 (GPS)")
    CGCS2000 = "cgcs2000", _("CGCS2000 (EPSG:4490)")
    GCJ02 = "gcj02", _("GCJ-02 (Amap, Tencent)")
    BD09 = "bd09", _("BD-09 (Baidu)")


# Yunnan is about lon 97.52–106.20, lat 21.14–29.25; padded by 0.05° for border villages.
YUNNAN_EXTENT: tuple[float, float, float, float] = (97.47, 21.09, 106.25, 29.30)
_EXTENT_TEXT = "lon {0:.2f}–{2:.2f}, lat {1:.2f}–{3:.2f}".format(*YUNNAN_EXTENT)

_ALIASES: dict[str, CRS] = {
    **{c.value: c for c in CRS},
    "epsg:4326": CRS.WGS84,
    "4326": CRS.WGS84,
    "epsg:4490": CRS.CGCS2000,
    "4490": CRS.CGCS2000,
    "amap": CRS.GCJ02,
    "tencent": CRS.GCJ02,
    "baidu": CRS.BD09,
}


class CoordinateError(ValidationError):
    """A coordinate or coordinate system the user must fix; the message says what is wrong."""


def _fail(message: str | Promise, code: str, **params: object) -> NoReturn:
    raise CoordinateError(message, code=code, params=params)


def parse_crs(value: str | CRS | None) -> CRS:
    """Map a form/API value to a :class:`CRS`; empty means WGS-84, unknown values are refused."""
    if isinstance(value, CRS):
        return value
    if value is None or str(value).strip() == "":
        return CRS.WGS84
    key = str(value).strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    _fail(
        _("Unknown coordinate system %(value)s; allowed values are: %(allowed)s."),
        "unknown_crs",
        value=repr(str(value)[:40]),
        allowed=", ".join(_ALIASES),
    )


# --- GCJ-02 and BD-09 (vectorised) -------------------------------------------------------

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by the GCJ-02 algorithm
_EE = 0.00669342162296594323  # its eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0


def _out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _wgs_to_gcj(xy: np.ndarray) -> np.ndarray:
    """The published GCJ-02 offset formula; points outside China are left unchanged."""
    lon, lat = xy[:, 0], xy[:, 1]
    x, y = lon - 105.0, lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20 * np.sin(6 * x * math.pi) + 20 * np.sin(2 * x * math.pi)) * 2 / 3
    dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20 * np.sin(y * math.pi) + 40 * np.sin(y / 3 * math.pi)) * 2 / 3
    dlat += (160 * np.sin(y / 12 * math.pi) + 320 * np.sin(y * math.pi / 30)) * 2 / 3
    dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlon += (20 * np.sin(x * math.pi) + 40 * np.sin(x / 3 * math.pi)) * 2 / 3
    dlon += (150 * np.sin(x / 12 * math.pi) + 300 * np.sin(x / 30 * math.pi)) * 2 / 3
    radlat = lat / 180 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    out = _out_of_china(lon, lat)
    return np.column_stack([np.where(out, lon, lon + dlon), np.where(out, lat, lat + dlat)])


def _gcj_to_bd(xy: np.ndarray) -> np.ndarray:
    x, y = xy[:, 0], xy[:, 1]
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return np.column_stack([z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006])


def _bd_to_gcj_approx(xy: np.ndarray) -> np.ndarray:
    """The published one-step inverse: a start value for :func:`_invert`."""
    x, y = xy[:, 0] - 0.0065, xy[:, 1] - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return np.column_stack([z * np.cos(theta), z * np.sin(theta)])


def _invert(
    forward: Callable[[np.ndarray], np.ndarray], target: np.ndarray, start: np.ndarray
) -> np.ndarray:
    """Solve forward(w) = target by fixed-point iteration.

    The one-step inverses in circulation are off by metres; the offsets are smooth and
    small, so ``w -= forward(w) - target`` converges to ~1e-12° in a few rounds.
    """
    w = start.copy()
    for _round in range(10):
        err = forward(w) - target
        w -= err
        if not np.nanmax(np.abs(err), initial=0.0) >= 1e-10:  # also stops on all-NaN
            break
    return w


# --- CGCS2000 via GDAL ---------------------------------------------------------------------


def _gdal_transform(src: int, dst: int) -> CoordTransform:
    """Built only from fixed EPSG integers, lon/lat (traditional GIS) axis order.

    Not cached: it costs ~0.2 ms and GDAL transformation objects are not thread-safe.
    """
    return CoordTransform(
        SpatialReference(src, axis_order=AxisOrder.TRADITIONAL),
        SpatialReference(dst, axis_order=AxisOrder.TRADITIONAL),
    )


def _gdal(xy: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Transform all points at once, as one OGR LineString built from raw WKB."""
    if len(xy) == 0:
        return xy.copy()
    wkb = struct.pack("<BII", 1, 2, len(xy)) + np.ascontiguousarray(xy, "<f8").tobytes()
    geom = OGRGeometry(memoryview(wkb))
    geom.transform(_gdal_transform(src, dst))
    out = bytes(geom.wkb)
    dtype = "<f8" if out[0] == 1 else ">f8"
    return np.frombuffer(out, dtype, offset=9).reshape(-1, 2).astype(float)


# --- Public conversion API -----------------------------------------------------------------


def _as_xy(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"expected an (N, 2) array of lon, lat; got shape {xy.shape}")
    return xy


def array_to_wgs84(xy: np.ndarray, crs: str | CRS | None) -> np.ndarray:
    """Convert an (N, 2) lon/lat array from ``crs`` to WGS-84 (a new array)."""
    crs, xy = parse_crs(crs), _as_xy(xy)
    if crs == CRS.WGS84:
        return xy.copy()
    if crs == CRS.CGCS2000:
        return _gdal(xy, 4490, 4326)
    if crs == CRS.BD09:
        xy = _invert(_gcj_to_bd, xy, _bd_to_gcj_approx(xy))
    return _invert(_wgs_to_gcj, xy, xy)


def array_from_wgs84(xy: np.ndarray, crs: str | CRS | None) -> np.ndarray:
    """Convert an (N, 2) WGS-84 lon/lat array to ``crs`` (a new array)."""
    crs, xy = parse_crs(crs), _as_xy(xy)
    if crs == CRS.WGS84:
        return xy.copy()
    if crs == CRS.CGCS2000:
        return _gdal(xy, 4326, 4490)
    gcj = _wgs_to_gcj(xy)
    return _gcj_to_bd(gcj) if crs == CRS.BD09 else gcj


def to_wgs84(lon: float, lat: float, crs: str | CRS | None) -> tuple[float, float]:
    x, y = array_to_wgs84(np.array([[lon, lat]], dtype=float), crs)[0]
    return float(x), float(y)


def from_wgs84(lon: float, lat: float, crs: str | CRS | None) -> tuple[float, float]:
    x, y = array_from_wgs84(np.array([[lon, lat]], dtype=float), crs)[0]
    return float(x), float(y)


def _map_geometry(geom: GEOSGeometry, fn: Callable[[np.ndarray], np.ndarray]) -> GEOSGeometry:
    """Rebuild ``geom`` with every vertex passed through ``fn``, keeping structure and Z.

    A projected SRID (metres) is refused; otherwise the geometry's SRID is not trusted,
    the ``crs`` argument alone says what the numbers are.
    """
    if geom.srid not in (None, 4326, 4490):
        _fail(_("Geometry has SRID %(srid)s; expected degrees."), "bad_srid", srid=geom.srid)

    def convert(coords) -> np.ndarray:
        a = np.array(coords, dtype=float).reshape(-1, 3 if geom.hasz else 2)
        a[:, :2] = fn(a[:, :2])
        return a

    if geom.empty:
        out = geom.clone()
    elif isinstance(geom, Point):
        out = Point(*convert(geom.coords)[0])
    elif isinstance(geom, LineString):  # also LinearRing
        out = type(geom)(convert(geom.coords))
    elif isinstance(geom, Polygon):
        out = Polygon(*[LinearRing(convert(ring.coords)) for ring in geom])
    else:  # Multi* and GeometryCollection
        out = type(geom)(*[_map_geometry(g, fn) for g in geom])
    out.srid = 4326
    return out


def geometry_to_wgs84(geom: GEOSGeometry, crs: str | CRS | None) -> GEOSGeometry:
    """Convert every vertex from ``crs``; returns a new geometry with srid 4326."""
    crs = parse_crs(crs)
    return _map_geometry(geom, lambda xy: array_to_wgs84(xy, crs))


def geometry_from_wgs84(geom: GEOSGeometry, crs: str | CRS | None) -> GEOSGeometry:
    """Inverse of :func:`geometry_to_wgs84` (for display); the result is still tagged 4326."""
    crs = parse_crs(crs)
    return _map_geometry(geom, lambda xy: array_from_wgs84(xy, crs))


# --- Validation ----------------------------------------------------------------------------


def _inside(lon: float, lat: float) -> bool:
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    return xmin <= lon <= xmax and ymin <= lat <= ymax


def check_in_yunnan(lon: float, lat: float) -> None:
    """Refuse points that cannot be in Yunnan, saying why (swapped axes, invalid, elsewhere)."""
    where = {"lon": f"{lon:.6f}", "lat": f"{lat:.6f}"}
    if not (math.isfinite(lon) and math.isfinite(lat)):
        msg = _("Longitude and latitude must be finite numbers (got %(lon)s, %(lat)s).")
        _fail(msg, "not_finite", **where)
    if _inside(lon, lat):
        return
    if _inside(lat, lon):  # before the range check: a swapped Yunnan latitude is > 90
        msg = _(
            "Latitude and longitude look swapped: (%(lon)s, %(lat)s) is in Yunnan only the "
            "other way round. Enter the longitude (about 97–106) first."
        )
        _fail(msg, "swapped", **where)
    if abs(lat) > 90 or abs(lon) > 180:
        msg = _(
            "Longitude %(lon)s, latitude %(lat)s is not a valid position: latitude must be "
            "within ±90 and longitude within ±180."
        )
        _fail(msg, "out_of_range", **where)
    msg = _("Point (%(lon)s, %(lat)s) is outside Yunnan (extent %(extent)s).")
    _fail(msg, "outside_yunnan", extent=_EXTENT_TEXT, **where)


def _parse_number(value: object, name: str | Promise) -> float:
    if not isinstance(value, bool):  # float(True) would quietly be 1.0
        try:
            return float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            pass
    msg = _("%(name)s must be a number in decimal degrees, not %(value)s.")
    _fail(msg, "not_a_number", name=name, value=repr(str(value)[:40]))


def point_from_input(lon: object, lat: object, crs: str | CRS | None = CRS.WGS84) -> Point:
    """Parse user input, check it is plausibly in Yunnan, return a WGS-84 ``Point``."""
    crs = parse_crs(crs)
    x, y = _parse_number(lon, _("Longitude")), _parse_number(lat, _("Latitude"))
    check_in_yunnan(x, y)  # on the input: the GCJ/BD offsets are far smaller than the pad
    return Point(*to_wgs84(x, y, crs), srid=4326)
