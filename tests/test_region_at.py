"""``region_at``: which county (and township) contains a point, near borders included."""

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection

from regions import coords
from regions.selectors import region_at

pytestmark = pytest.mark.django_db

# 五华区 and 盘龙区 in Kunming share a long border.
WUHUA, PANLONG = "530102", "530103"


def border_points(a: str, b: str, metres: float = 25.0):
    """A point on the shared border of two counties, and a point ``metres`` inside each.

    Computed independently of region_at, with PostGIS geography buffers.
    """
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH pair AS (
                SELECT (SELECT geom FROM regions_region WHERE code = %(a)s) AS ga,
                       (SELECT geom FROM regions_region WHERE code = %(b)s) AS gb
            ), border AS (
                SELECT ST_LineInterpolatePoint(
                    (ST_Dump(ST_LineMerge(ST_CollectionExtract(ST_Intersection(
                        ST_Boundary(ga), ST_Boundary(gb)), 2)))).geom, 0.5) AS p, ga, gb
                FROM pair
            ), disc AS (
                SELECT p, ga, gb, ST_Buffer(p::geography, %(m)s)::geometry AS d FROM border LIMIT 1
            )
            SELECT ST_X(p), ST_Y(p),
                   ST_AsText(ST_PointOnSurface(ST_Intersection(d, ga))),
                   ST_AsText(ST_PointOnSurface(ST_Intersection(d, gb)))
            FROM disc
            """,
            {"a": a, "b": b, "m": metres},
        )
        x, y, in_a, in_b = cur.fetchone()
    return Point(x, y, srid=4326), GEOSGeometry(in_a, srid=4326), GEOSGeometry(in_b, srid=4326)


def test_point_well_inside_a_county():
    # 昆明 city centre lies in 五华区 / 盘龙区 area; 宣威市 centre is unambiguous.
    loc = region_at(point=Point(104.1045, 26.2196, srid=4326))
    assert loc.county.code == "530381"  # 宣威市
    assert loc.county.name == "宣威市"
    assert loc.township is None  # township boundaries are not loaded: never guessed
    assert loc.on_boundary is False


def test_point_outside_yunnan_has_no_county():
    loc = region_at(point=Point(116.39, 39.91, srid=4326))  # Beijing
    assert loc.county is None and loc.township is None


@pytest.mark.parametrize("metres", [25.0, 5.0])
def test_points_either_side_of_a_county_border(metres):
    on_border, in_wuhua, in_panlong = border_points(WUHUA, PANLONG, metres)
    assert region_at(point=in_wuhua).county.code == WUHUA
    assert region_at(point=in_panlong).county.code == PANLONG
    edge = region_at(point=on_border)
    assert edge.county.code in (WUHUA, PANLONG)


def test_gcj02_input_near_border_lands_on_the_right_side():
    """A point 25 m inside 盘龙区 given in GCJ-02 must not be read as raw WGS-84."""
    _, _, in_panlong = border_points(WUHUA, PANLONG, 25.0)
    gcj = coords.from_wgs84(in_panlong.x, in_panlong.y, coords.CRS.GCJ02)
    converted = coords.point_from_input(*gcj, crs=coords.CRS.GCJ02)
    assert region_at(point=converted).county.code == PANLONG
    assert converted.distance(in_panlong) < 1e-7


def test_region_at_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        region_at(point=Point(102.71, 25.04, srid=4326))


def test_region_at_transforms_other_srids():
    p = Point(104.1045, 26.2196, srid=4326).transform(3857, clone=True)
    assert region_at(point=p).county.code == "530381"
