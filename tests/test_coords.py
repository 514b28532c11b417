"""Tests for regions.coords: CRS choice, conversions, Yunnan plausibility checks.

Pure Python (GEOS/GDAL/numpy), no database.
"""

import math

import numpy as np
import pytest
from django.contrib.gis.geos import (
    GeometryCollection,
    GEOSGeometry,
    LineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from django.core.exceptions import ValidationError

from regions.coords import (
    CRS,
    YUNNAN_EXTENT,
    CoordinateError,
    array_from_wgs84,
    array_to_wgs84,
    check_in_yunnan,
    from_wgs84,
    geometry_from_wgs84,
    geometry_to_wgs84,
    parse_crs,
    point_from_input,
    to_wgs84,
)

KUNMING = (102.71, 25.04)
BEIJING = (116.404, 39.915)
NON_WGS = [CRS.CGCS2000, CRS.GCJ02, CRS.BD09]


def metres(a, b):
    """Great-circle distance between two lon/lat points (haversine, mean Earth radius)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def message(exc_info):
    return " ".join(str(m) for m in exc_info.value.messages)


def yunnan_grid(n=25):
    xs, ys = np.meshgrid(np.linspace(97.6, 106.1, n), np.linspace(21.2, 29.2, n))
    return np.column_stack([xs.ravel(), ys.ravel()])


# --- parse_crs -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_crs_empty_means_wgs84(value):
    assert parse_crs(value) is CRS.WGS84


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("wgs84", CRS.WGS84),
        ("WGS84", CRS.WGS84),
        ("CGCS2000", CRS.CGCS2000),
        ("Gcj02", CRS.GCJ02),
        (" bd09 ", CRS.BD09),
        ("epsg:4326", CRS.WGS84),
        ("EPSG:4326", CRS.WGS84),
        ("4326", CRS.WGS84),
        ("epsg:4490", CRS.CGCS2000),
        ("4490", CRS.CGCS2000),
        ("amap", CRS.GCJ02),
        ("Tencent", CRS.GCJ02),
        ("BAIDU", CRS.BD09),
        (CRS.GCJ02, CRS.GCJ02),
    ],
)
def test_parse_crs_values_and_aliases(value, expected):
    assert parse_crs(value) is expected


@pytest.mark.parametrize(
    "value",
    [
        "+proj=longlat +datum=WGS84",
        "EPSG:3857",
        "3857",
        'GEOGCS["WGS 84",DATUM["WGS_1984"]]',
        "/etc/passwd",
        "gcj-02",
    ],
)
def test_parse_crs_rejects_anything_else(value):
    with pytest.raises(CoordinateError) as exc:
        parse_crs(value)
    text = message(exc)
    for allowed in ("wgs84", "cgcs2000", "gcj02", "bd09"):
        assert allowed in text
    assert exc.value.code == "unknown_crs"


def test_coordinate_error_is_a_validation_error():
    with pytest.raises(ValidationError):
        parse_crs("EPSG:3857")


def test_conversions_refuse_unknown_crs():
    with pytest.raises(CoordinateError):
        to_wgs84(*KUNMING, "+proj=longlat +datum=WGS84")
    with pytest.raises(CoordinateError):
        geometry_to_wgs84(Point(*KUNMING), "EPSG:3857")


# --- published reference values ----------------------------------------------------------------


def test_wgs84_to_gcj02_reference_value():
    lon, lat = from_wgs84(*BEIJING, CRS.GCJ02)
    assert lon == pytest.approx(116.41024449916938, abs=1e-12)
    assert lat == pytest.approx(39.91640428150164, abs=1e-12)


def test_gcj02_to_bd09_reference_value():
    # There is no public gcj->bd function: go gcj -> wgs (exact inverse) -> bd.
    wgs = to_wgs84(*BEIJING, CRS.GCJ02)
    lon, lat = from_wgs84(*wgs, CRS.BD09)
    assert lon == pytest.approx(116.41036949371029, abs=1e-9)
    assert lat == pytest.approx(39.92133699351021, abs=1e-9)


def test_bd09_to_gcj02_close_to_published_one_step_value():
    wgs = to_wgs84(*BEIJING, CRS.BD09)
    lon, lat = from_wgs84(*wgs, CRS.GCJ02)
    assert lon == pytest.approx(116.39762729119315, abs=1e-5)
    assert lat == pytest.approx(39.90865673957631, abs=1e-5)


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_inverse_is_exact_not_one_step(crs):
    # The one-step inverses are metres off; ours must reproduce the input when re-applied.
    wgs = to_wgs84(*KUNMING, crs)
    assert from_wgs84(*wgs, crs) == pytest.approx(KUNMING, abs=1e-9)


# --- conversions ---------------------------------------------------------------------------------


def test_gcj_offset_in_kunming_is_a_few_hundred_metres():
    gcj = from_wgs84(*KUNMING, CRS.GCJ02)
    assert 200 < metres(KUNMING, gcj) < 700
    wgs = to_wgs84(*KUNMING, CRS.GCJ02)
    assert 200 < metres(KUNMING, wgs) < 700
    # Forward and inverse shift in opposite directions.
    assert (gcj[0] - KUNMING[0]) * (wgs[0] - KUNMING[0]) < 0


def test_bd_offset_in_kunming_is_larger_than_gcj():
    gcj = from_wgs84(*KUNMING, CRS.GCJ02)
    bd = from_wgs84(*KUNMING, CRS.BD09)
    assert metres(KUNMING, gcj) < metres(KUNMING, bd) < 2000
    assert 500 < metres(gcj, bd) < 1500  # the Baidu shift on top of GCJ-02


def test_wgs84_is_identity():
    assert to_wgs84(*KUNMING, CRS.WGS84) == KUNMING
    assert from_wgs84(*KUNMING, "epsg:4326") == KUNMING


@pytest.mark.parametrize("direction", [to_wgs84, from_wgs84])
def test_cgcs2000_differs_by_well_under_a_metre_and_keeps_axis_order(direction):
    lon, lat = direction(*KUNMING, CRS.CGCS2000)
    assert isinstance(lon, float)
    assert isinstance(lat, float)
    assert metres(KUNMING, (lon, lat)) < 0.5  # would be thousands of km if axes swapped


def test_gcj_leaves_points_outside_china_unchanged():
    london = (-0.1278, 51.5074)
    assert from_wgs84(*london, CRS.GCJ02) == london
    assert to_wgs84(*london, CRS.GCJ02) == london


@pytest.mark.parametrize("crs", list(CRS))
def test_scalar_round_trips(crs):
    for lon, lat in yunnan_grid(7):
        assert to_wgs84(*from_wgs84(lon, lat, crs), crs) == pytest.approx((lon, lat), abs=1e-8)
        assert from_wgs84(*to_wgs84(lon, lat, crs), crs) == pytest.approx((lon, lat), abs=1e-8)


@pytest.mark.parametrize("crs", NON_WGS)
def test_array_matches_scalar(crs):
    xy = yunnan_grid(5)
    out_to, out_from = array_to_wgs84(xy, crs), array_from_wgs84(xy, crs)
    for row, to_row, from_row in zip(xy, out_to, out_from, strict=True):
        assert tuple(to_row) == pytest.approx(to_wgs84(*row, crs), abs=1e-12)
        assert tuple(from_row) == pytest.approx(from_wgs84(*row, crs), abs=1e-12)


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_array_offsets_are_real_everywhere_in_yunnan(crs):
    xy = yunnan_grid()
    shifted = array_from_wgs84(xy, crs)
    shift = np.abs(shifted - xy).max(axis=1)
    assert shift.min() > 1e-4  # every point moved (~10 m or more)
    assert shift.max() < 0.02  # and by no more than ~2 km


@pytest.mark.parametrize("crs", list(CRS))
def test_large_array_round_trip(crs):
    rng = np.random.default_rng(42)
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    xy = np.column_stack([rng.uniform(xmin, xmax, 300_000), rng.uniform(ymin, ymax, 300_000)])
    original = xy.copy()
    there = array_from_wgs84(xy, crs)
    back = array_to_wgs84(there, crs)
    assert back.shape == xy.shape
    assert np.abs(back - xy).max() < 1e-8
    assert np.array_equal(xy, original)  # input not modified in place


@pytest.mark.parametrize("crs", list(CRS))
def test_array_edge_shapes(crs):
    assert array_to_wgs84(np.empty((0, 2)), crs).shape == (0, 2)
    assert array_from_wgs84(np.empty((0, 2)), crs).shape == (0, 2)
    with pytest.raises(ValueError):
        array_to_wgs84(np.array([1.0, 2.0, 3.0]), crs)


# --- check_in_yunnan -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "point", [KUNMING, (97.52, 21.14), (106.20, 29.25), (100.23, 26.87), (98.5, 24.43)]
)
def test_points_in_yunnan_pass(point):
    assert check_in_yunnan(*point) is None


def test_extent_is_yunnan_slightly_padded():
    xmin, ymin, xmax, ymax = YUNNAN_EXTENT
    assert 97.4 < xmin < 97.52 and 21.0 < ymin < 21.14
    assert 106.20 < xmax < 106.3 and 29.25 < ymax < 29.35


def test_swapped_lat_lon_is_reported():
    with pytest.raises(CoordinateError) as exc:
        check_in_yunnan(KUNMING[1], KUNMING[0])
    assert "swapped" in message(exc)
    assert exc.value.code == "swapped"


def test_outside_yunnan_is_reported():
    with pytest.raises(CoordinateError) as exc:
        check_in_yunnan(*BEIJING)
    assert "Yunnan" in message(exc)
    assert "swapped" not in message(exc)
    assert exc.value.code == "outside_yunnan"


@pytest.mark.parametrize(
    "point", [(math.nan, 25.0), (102.7, math.nan), (math.inf, 25.0), (102.7, -math.inf)]
)
def test_non_finite_is_reported(point):
    with pytest.raises(CoordinateError) as exc:
        check_in_yunnan(*point)
    assert exc.value.code == "not_finite"
    assert "finite" in message(exc)


@pytest.mark.parametrize("point", [(200.0, 25.0), (102.7, 95.0), (-181.0, -91.0)])
def test_impossible_position_is_reported(point):
    with pytest.raises(CoordinateError) as exc:
        check_in_yunnan(*point)
    assert exc.value.code == "out_of_range"
    assert "±90" in message(exc)


# --- point_from_input ----------------------------------------------------------------------------


def test_point_from_input_parses_strings():
    point = point_from_input(" 102.71", "25.04 ")
    assert isinstance(point, Point)
    assert point.srid == 4326
    assert point.coords == pytest.approx(KUNMING, abs=1e-12)


@pytest.mark.parametrize("crs", NON_WGS)
def test_point_from_input_converts(crs):
    point = point_from_input(*KUNMING, crs)
    assert point.srid == 4326
    assert point.coords == pytest.approx(to_wgs84(*KUNMING, crs), abs=1e-12)


def test_point_from_input_accepts_crs_aliases():
    assert point_from_input(*KUNMING, "amap").coords == pytest.approx(
        to_wgs84(*KUNMING, CRS.GCJ02), abs=1e-12
    )
    assert point_from_input(*KUNMING, None).coords == pytest.approx(KUNMING, abs=1e-12)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [("abc", "25"), ("102.7", ""), (None, 25), ("102,71", "25.04"), (True, 25), ("102°", 25)],
)
def test_point_from_input_rejects_garbage(lon, lat):
    with pytest.raises(CoordinateError) as exc:
        point_from_input(lon, lat)
    assert exc.value.code == "not_a_number"
    assert "number" in message(exc)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf"])
def test_point_from_input_rejects_nan(value):
    with pytest.raises(CoordinateError) as exc:
        point_from_input(value, "25.04")
    assert exc.value.code == "not_finite"


@pytest.mark.parametrize("crs", list(CRS))
def test_point_from_input_detects_swap_on_input(crs):
    with pytest.raises(CoordinateError) as exc:
        point_from_input("25.04", "102.71", crs)
    assert "swapped" in message(exc)


def test_point_from_input_rejects_beijing():
    with pytest.raises(CoordinateError) as exc:
        point_from_input(*BEIJING, CRS.GCJ02)
    assert "Yunnan" in message(exc)


def test_point_from_input_rejects_arbitrary_srs():
    with pytest.raises(CoordinateError) as exc:
        point_from_input(*KUNMING, "+proj=longlat +datum=WGS84")
    assert exc.value.code == "unknown_crs"


# --- geometries ----------------------------------------------------------------------------------

SHELL = [(102.6, 24.9), (102.9, 24.9), (102.9, 25.2), (102.6, 25.2), (102.6, 24.9)]
HOLE = [(102.7, 25.0), (102.8, 25.0), (102.8, 25.1), (102.7, 25.1), (102.7, 25.0)]
SHELL2 = [(100.1, 22.0), (100.5, 22.0), (100.5, 22.4), (100.1, 22.0)]


def vertices(coords):
    """All (x, y) pairs of a (possibly nested) GEOS ``coords`` value, in order."""
    if isinstance(coords[0], float | int):
        return [coords[:2]]
    return [v for part in coords for v in vertices(part)]


def assert_vertices_converted(original, converted, crs):
    expected = array_to_wgs84(np.array(vertices(original.coords), dtype=float), crs)
    got = np.array(vertices(converted.coords), dtype=float)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-12


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_polygon_with_hole(crs):
    poly = Polygon(SHELL, HOLE, srid=4326)
    out = geometry_to_wgs84(poly, crs)
    assert out.geom_type == "Polygon"
    assert out.srid == 4326
    assert out.num_interior_rings == 1
    assert out.valid
    assert_vertices_converted(poly.exterior_ring, out.exterior_ring, crs)
    assert_vertices_converted(poly[1], out[1], crs)
    assert not out.equals_exact(poly, 1e-4)  # really moved
    assert geometry_from_wgs84(out, crs).equals_exact(poly, 1e-8)


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09, CRS.CGCS2000])
def test_multipolygon(crs):
    multi = MultiPolygon(Polygon(SHELL, HOLE), Polygon(SHELL2))
    out = geometry_to_wgs84(multi, crs)
    assert out.geom_type == "MultiPolygon"
    assert out.srid == 4326
    assert len(out) == 2
    assert [p.num_interior_rings for p in out] == [1, 0]
    assert out.num_coords == multi.num_coords
    for before, after in zip(multi, out, strict=True):
        assert_vertices_converted(before.exterior_ring, after.exterior_ring, crs)
    assert geometry_from_wgs84(out, crs).equals_exact(multi, 1e-8)


@pytest.mark.parametrize(
    "geom",
    [
        Point(*KUNMING),
        LineString(SHELL2[:3]),
        MultiPoint(Point(*KUNMING), Point(100.2, 26.8)),
        GEOSGeometry("MULTILINESTRING ((102.6 24.9, 102.9 25.2), (100.1 22.0, 100.5 22.4))"),
        GeometryCollection(Point(*KUNMING), LineString(SHELL2[:3]), Polygon(SHELL, HOLE)),
    ],
    ids=lambda g: g.geom_type,
)
@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_other_geometry_types(geom, crs):
    out = geometry_to_wgs84(geom, crs)
    assert out.geom_type == geom.geom_type
    assert out.srid == 4326
    assert out.num_geom == geom.num_geom
    assert out.num_coords == geom.num_coords
    assert_vertices_converted(geom, out, crs)
    assert geometry_from_wgs84(out, crs).equals_exact(geom, 1e-8)


def test_geometry_from_wgs84_is_the_display_direction():
    out = geometry_from_wgs84(Point(*KUNMING, srid=4326), CRS.GCJ02)
    assert out.coords == pytest.approx(from_wgs84(*KUNMING, CRS.GCJ02), abs=1e-12)


def test_geometry_input_is_not_modified_and_srid_4490_accepted():
    point = Point(*KUNMING, srid=4490)
    out = geometry_to_wgs84(point, CRS.CGCS2000)
    assert point.srid == 4490
    assert point.coords == KUNMING
    assert out.srid == 4326
    assert metres(KUNMING, out.coords) < 0.5


def test_geometry_keeps_z():
    point = GEOSGeometry("POINT Z (102.71 25.04 1891)")
    out = geometry_to_wgs84(point, CRS.GCJ02)
    assert out.hasz
    assert out.z == 1891
    assert (out.x, out.y) == pytest.approx(to_wgs84(*KUNMING, CRS.GCJ02), abs=1e-12)


def test_empty_geometry():
    out = geometry_to_wgs84(GEOSGeometry("POLYGON EMPTY"), CRS.GCJ02)
    assert out.empty
    assert out.geom_type == "Polygon"
    assert out.srid == 4326


def test_projected_geometry_is_refused():
    with pytest.raises(CoordinateError) as exc:
        geometry_to_wgs84(Point(11433000.0, 2880000.0, srid=3857), CRS.GCJ02)
    assert "3857" in message(exc)
