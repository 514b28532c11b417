"""Bulk screening: a GeoPackage or CSV of sites in, a CSV or GeoJSON report out.

Over the real counties and GI facts; the sites are fictional, placed with PostGIS
relative to the real 宣威市 boundary.
"""

import csv
import io
import json
import subprocess

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from labels.screening import ScreeningError, screen_file
from products.models import GIProduct
from regions.coords import from_wgs84

from .test_sitecheck import XUANWEI, ZHANYI, border_offsets, disc, facts_fixture, gi_facts_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

FUYUAN = "530325"
CHUXIONG_CITY = (101.546, 25.033)  # 楚雄市: 南华松茸, 楚雄牛肝菌 (exact) and 普洱茶 (approximate)
GUIZHOU = (105.0, 26.6)  # east of 宣威, in Guizhou: no county, no area
XUANWEI_CITY = (104.104, 26.219)


def feature(site_no: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"site_no": site_no}, "geometry": geometry}


def point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


def gpkg(tmp_path, features: list[dict]):
    """A real GeoPackage, written by ogr2ogr from GeoJSON."""
    src, dst = tmp_path / "sites.geojson", tmp_path / "sites.gpkg"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(dst), str(src), "-nln", "sites", "-a_srs", "EPSG:4326"],
        check=True,
        capture_output=True,
    )
    return dst


def rows(report: bytes) -> dict[str, list[dict]]:
    by_site: dict[str, list[dict]] = {}
    for row in csv.DictReader(io.StringIO(report.decode())):
        by_site.setdefault(row["site_id"], []).append(row)
    return by_site


@pytest.fixture
def sites(tmp_path, facts):
    near = border_offsets(XUANWEI, ZHANYI, 0.0, -10.0, -100.0)
    features = [
        feature("in", point(*XUANWEI_CITY)),
        feature("chuxiong", point(*CHUXIONG_CITY)),
        feature("guizhou", point(*GUIZHOU)),
        feature("swapped", point(XUANWEI_CITY[1], XUANWEI_CITY[0])),
        feature("near10", json.loads(near[-10.0].geojson)),
        feature("near100", json.loads(near[-100.0].geojson)),
        feature("straddle", json.loads(disc(near[0.0], 300).geojson)),
        feature("band", json.loads(disc(near[0.0], 12).geojson)),
        feature("field", json.loads(disc(Point(*XUANWEI_CITY, srid=4326), 200).geojson)),
        feature(
            "bowtie",
            {
                "type": "Polygon",
                "coordinates": [
                    [[104.1, 26.2], [104.11, 26.21], [104.11, 26.2], [104.1, 26.21], [104.1, 26.2]]
                ],
            },
        ),
        feature("line", {"type": "LineString", "coordinates": [[104.1, 26.2], [104.11, 26.21]]}),
    ]
    return gpkg(tmp_path, features)


def test_every_area_mode_lists_the_areas_each_site_lies_in(sites, facts):
    report, summary = screen_file(path=sites, crs=None, output_format="csv", id_field="site_no")
    got = rows(report)
    assert summary.sites == 11 and summary.rows == sum(len(v) for v in got.values())
    assert "文山三七" in summary.not_mapped  # cannot be screened, and says so

    (row,) = got["in"]
    assert (row["product"], row["result"], row["reason"]) == ("宣威火腿", "pass", "inside")
    assert (row["county_code"], row["county"]) == (XUANWEI, "宣威市")

    chuxiong = {r["product"]: r["result"] for r in got["chuxiong"]}
    assert chuxiong == {"南华松茸": "pass", "楚雄牛肝菌": "pass", "普洱茶": "manual"}
    assert {r["county"] for r in got["chuxiong"]} == {"楚雄市"}

    (row,) = got["guizhou"]
    assert (row["product"], row["result"], row["reason"], row["county"]) == (
        "",
        "fail",
        "outside",
        "",
    )
    assert got["swapped"][0]["reason"] == "swapped_coordinates"
    assert got["near10"][0]["product"] == "宣威火腿" and got["near10"][0]["result"] == "pass"
    assert got["near100"][0]["product"] == ""  # touches no area beyond the tolerance
    assert got["near100"][0]["county_code"] == ZHANYI
    assert got["bowtie"][0]["reason"] == "invalid_geometry" and got["bowtie"][0]["result"] == "fail"
    assert got["line"][0]["reason"] == "unsupported_geometry_type"
    assert summary.results["pass"] == sum(r["result"] == "pass" for v in got.values() for r in v)


def test_one_product_gives_one_row_per_site(sites, facts):
    report, summary = screen_file(
        path=sites, crs="wgs84", product=facts["宣威火腿"], output_format="csv", id_field="site_no"
    )
    got = rows(report)
    assert all(len(v) == 1 for v in got.values()) and len(got) == 11
    verdict = {k: (v[0]["result"], v[0]["reason"]) for k, v in got.items()}
    assert verdict["in"] == ("pass", "inside")
    assert verdict["chuxiong"] == ("fail", "outside")
    assert verdict["near10"] == ("pass", "within_tolerance")
    assert verdict["near100"] == ("fail", "outside")
    assert verdict["band"] == ("pass", "within_tolerance")
    assert verdict["field"] == ("pass", "inside")
    assert verdict["straddle"][0] == "fail"
    assert verdict["straddle"][1] in ("straddles", "mostly_outside")
    assert 0.2 < float(got["straddle"][0]["inside_fraction"]) < 0.8
    assert got["field"][0]["county"] == "宣威市"
    assert summary.results == {"pass": 4, "fail": 7, "manual": 0}


def test_approximate_products(sites, facts):
    huaning, _ = screen_file(path=sites, crs=None, product=facts["华宁陶"], id_field="site_no")
    # 宣威 lies outside even the 华宁县 stand-in, which contains the announced area.
    assert rows(huaning)["in"][0]["result"] == "fail"
    # 陆良滇陆猪 names a farm that has no boundary: outside the map proves nothing.
    luliang, _ = screen_file(path=sites, crs=None, product=facts["陆良滇陆猪"], id_field="site_no")
    row = rows(luliang)["in"][0]
    assert (row["result"], row["reason"]) == ("manual", "area_partly_unmapped")
    unmapped, _ = screen_file(path=sites, crs=None, product=facts["文山三七"], id_field="site_no")
    got = rows(unmapped)
    assert (got["in"][0]["result"], got["in"][0]["reason"]) == ("manual", "area_not_mapped")
    assert got["line"][0]["result"] == "fail"  # unusable input still fails


def test_csv_with_wkt_in_gcj02(tmp_path, facts):
    inside = border_offsets(XUANWEI, FUYUAN, 100.0)[100.0]
    lon, lat = from_wgs84(inside.x, inside.y, "gcj02")
    path = tmp_path / "amap.csv"
    path.write_text(
        f"id,wkt\nA1,POINT ({lon} {lat})\nA2,POINT ({XUANWEI_CITY[0]} {XUANWEI_CITY[1]})\n"
    )
    ham = GIProduct.objects.get(name="宣威火腿")
    converted, _ = screen_file(path=path, crs="gcj02", product=ham, id_field="id")
    assert rows(converted)["A1"][0]["result"] == "pass"
    misread, _ = screen_file(path=path, crs="wgs84", product=ham, id_field="id")
    assert rows(misread)["A1"][0]["result"] == "fail"


def test_geojson_report_and_feature_ids(sites, facts, tmp_path):
    out = tmp_path / "report.geojson"
    path, summary = screen_file(
        path=sites, crs=None, product=facts["宣威火腿"], output_format="geojson", output=out
    )
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection" and len(data["features"]) == summary.rows == 11
    first = data["features"][0]
    assert first["geometry"]["type"] in ("Point", "Polygon", "MultiPolygon", "LineString")
    assert set(first["properties"]) >= {"site_id", "product", "result", "county", "reason"}
    ids = {f["properties"]["site_id"] for f in data["features"]}
    assert ids == {str(i) for i in range(1, 12)}  # no id field: the feature ids
    passed = [f for f in data["features"] if f["properties"]["result"] == "pass"]
    assert len(passed) == summary.results["pass"] == 4


def test_command_writes_the_report(sites, facts, tmp_path):
    out = tmp_path / "report.csv"
    stdout = io.StringIO()
    call_command(
        "screen_sites",
        str(sites),
        "--id-field",
        "site_no",
        "--product",
        "宣威火腿",
        "--output",
        str(out),
        stdout=stdout,
    )
    got = rows(out.read_bytes())
    assert got["in"][0]["result"] == "pass" and len(got) == 11
    assert "sites 11" in stdout.getvalue()
    with pytest.raises(CommandError, match="no layer"):
        call_command("screen_sites", str(sites), "--layer", "nope", "--output", str(out))
    with pytest.raises(CommandError, match="No product"):
        call_command("screen_sites", str(sites), "--product", "不存在", "--output", str(out))


def test_unreadable_file_is_a_screening_error(tmp_path, facts):
    bad = tmp_path / "sites.gpkg"
    bad.write_bytes(b"not a geopackage")
    with pytest.raises(ScreeningError):
        screen_file(path=bad, crs=None)


@pytest.fixture
def many_sites(tmp_path, facts):
    """20,000 seeded points around 宣威 and 楚雄: enough PGDUMP output for many blocks."""
    import random

    rng = random.Random(4)
    text = tmp_path / "many.csv"
    lines = ["site_no,lon,lat"]
    for i in range(20_000):
        x, y = (XUANWEI_CITY, CHUXIONG_CITY, GUIZHOU)[i % 3]
        lines.append(f"M{i},{x + rng.uniform(-0.6, 0.6):.6f},{y + rng.uniform(-0.6, 0.6):.6f}")
    text.write_text("\n".join(lines) + "\n")
    dst = tmp_path / "many.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(dst), str(text), "-nln", "sites", "-a_srs", "EPSG:4326"]
        + ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat"]
        + ["-oo", "KEEP_GEOM_COLUMNS=NO"],
        check=True,
        capture_output=True,
    )
    return dst


@pytest.mark.parametrize("output_format", ["csv", "geojson"])
def test_lanes_split_the_sites_and_join_their_reports(many_sites, facts, output_format):
    one, single = screen_file(
        path=many_sites, id_field="site_no", output_format=output_format, lanes=1
    )
    three, split = screen_file(
        path=many_sites, id_field="site_no", output_format=output_format, lanes=3
    )
    assert split.lanes == 3 and all(n > 0 for n in split.lane_sites)
    assert split.sites == single.sites == 20_000
    assert (split.rows, split.results) == (single.rows, single.results)
    assert single.results["pass"] > 1000 and single.results["fail"] > 1000
    if output_format == "csv":
        # One header, then the same rows (the order of rows is not specified).
        assert one.splitlines()[0] == three.splitlines()[0]
        assert three.count(b"result,site_id") == 1
        assert sorted(one.splitlines()[1:]) == sorted(three.splitlines()[1:])
    else:
        key = lambda f: json.dumps(f, sort_keys=True)  # noqa: E731
        a, b = json.loads(one)["features"], json.loads(three)["features"]
        assert len(b) == split.rows and sorted(map(key, a)) == sorted(map(key, b))


def test_a_transaction_keeps_one_lane(sites, facts):
    from labels.screening import lane_count

    assert lane_count(1_000_000) == 1  # the tests run in a transaction
    assert lane_count(10, requested=2) == 2
    _, summary = screen_file(path=sites, crs=None, id_field="site_no")
    assert summary.lanes == 1 and summary.lane_sites == [11]


def test_feed_deals_whole_lines_to_concurrent_readers(many_sites):
    import threading

    from labels.screening.load import Feed, ogr2ogr_args

    def lines(lanes: int) -> list[list[bytes]]:
        feed = Feed(ogr2ogr_args(str(many_sites), "sites", "site_no", None, True), lanes)
        got = [[] for _ in range(lanes)]

        def read(k):
            stream = feed.stream(k)
            while block := stream.read(1 << 16):
                assert block.endswith(b"\n")
                got[k] += block.splitlines()

        threads = [threading.Thread(target=read, args=(k,)) for k in range(lanes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        feed.finish()
        feed.close()
        assert {"geom", "site_no"} <= set(feed.columns)
        return got

    (whole,) = lines(1)
    split = lines(2)
    assert len(whole) == 20_000 and all(split)
    assert sorted(split[0] + split[1]) == sorted(whole)


def test_failing_ogr2ogr_is_a_screening_error(tmp_path):
    from labels.screening.load import Feed

    feed = Feed(["ogr2ogr", "-f", "PGDUMP", "/vsistdout/", str(tmp_path / "missing.gpkg")], 2)
    assert feed.columns is None and feed.stream(1).read() == b""
    with pytest.raises(ScreeningError, match="ogr2ogr failed"):
        feed.finish()
    feed.close()


def test_geopackage_points_read_by_sqlite_match_ogr2ogr(tmp_path, facts, monkeypatch):
    """The fast path (SQLite writes the COPY lines) gives the report ogr2ogr's path gives."""
    from labels.screening import load

    # Awkward ids in the first steps of 5 fids (read in the full form), plain ones after
    # (the quick form).
    monkeypatch.setattr(load.GpkgFeed, "STEP", 5)
    awkward = ["tab\there", "back\\slash", "new\nline", "引号\"'", "", None, "x\r"]
    features = [
        {
            "type": "Feature",
            "properties": {"code": awkward[i] if i < len(awkward) else f"C{i}", "n": i},
            "geometry": None if i == 5 else point(XUANWEI_CITY[0] + i * 0.01, XUANWEI_CITY[1]),
        }
        for i in range(40)
    ]
    path = gpkg(tmp_path, features)
    assert load.GpkgFeed.open(str(path), "sites", "code", None, 2) is not None
    reports = {}
    for fast in (True, False):
        if not fast:
            monkeypatch.setattr(load.GpkgFeed, "open", classmethod(lambda *a: None))
        for id_field in ("code", "n", None):
            report, summary = screen_file(path=path, id_field=id_field, lanes=2)
            assert summary.sites == 40
            reports[fast, id_field] = report
    for id_field in ("code", "n", None):
        fast, slow = (
            list(csv.reader(io.StringIO(reports[k, id_field].decode()))) for k in (True, False)
        )
        assert fast[0] == slow[0] and sorted(fast[1:]) == sorted(slow[1:])
    got = rows(reports[True, "code"])
    assert "tab\there" in got and "back\\slash" in got and "new\nline" in got
    assert any(r["reason"] == "missing_geometry" for v in got.values() for r in v)
    assert {r["product"] for r in got["back\\slash"]} == {"宣威火腿"}
