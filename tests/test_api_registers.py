"""The public registers over the REST API: list and detail of every register, the HTML
lists' FilterSets, bbox, cursor pages, GeoJSON built in PostGIS, and JSON errors."""

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from producers.api.serializers import ProducerPropertiesSerializer
from producers.models import Producer
from products.api.serializers import GIProductPropertiesSerializer
from regions.api.serializers import RegionPropertiesSerializer
from regions.models import Region
from tests import api_factories as f
from tests.api_factories import assert_error, body
from tests.label_factories import XUANWEI, XUANWEI_POINT

pytestmark = pytest.mark.django_db

CHUXIONG = "532300"


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()  # anonymous requests of earlier tests must not throttle these


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def reg():
    return f.registers()


def decimals(geometry) -> int:
    """The most decimals of any coordinate in a GeoJSON geometry."""
    numbers = re.findall(r"-?\d+\.(\d+)", json.dumps(geometry["coordinates"]))
    return max(len(n) for n in numbers)


# -- every register: list and detail ----------------------------------------------


REGISTERS = {
    # name: (list url, attribute of Registers, detail key, expected value)
    "producers": ("producers-api:producer-list", "xuanwei_producer", "name"),
    "products": ("products-api:giproduct-list", "ham", "name"),
    "gi_marks": ("brands-api:gimark-list", "mark", "name"),
    "famous_marks": ("brands-api:famousmark-list", "well_known", "name"),
    "varieties": ("varieties-api:plantvariety-list", "variety", "denomination"),
    "township_products": (
        "township_products-api:townshipproduct-list",
        "township_product",
        "product_name",
    ),
}


@pytest.mark.parametrize("register", REGISTERS)
def test_every_register_lists_and_details_anonymously(api, reg, register):
    list_name, attr, key = REGISTERS[register]
    obj = getattr(reg, attr)
    listed = api.get(reverse(list_name), {"limit": 100})
    assert listed.status_code == 200
    data = body(listed)
    items = data["features"] if "features" in data else data["results"]
    rows = [i.get("properties", i) for i in items]
    assert getattr(obj, key) in [r[key] for r in rows]

    detail = api.get(reverse(list_name.replace("-list", "-detail"), args=[obj.pk]))
    assert detail.status_code == 200
    record = body(detail)
    record = record.get("properties", record)
    assert record[key] == getattr(obj, key)
    assert record["url"].endswith(obj.get_absolute_url())

    missing = api.get(reverse(list_name.replace("-list", "-detail"), args=[10**9]))
    assert_error(missing, 404, "not_found")


def test_regions_list_and_detail_with_real_boundaries(api):
    counties = body(api.get("/api/regions/regions/", {"level": "county", "within": CHUXIONG}))
    assert counties["type"] == "FeatureCollection"
    codes = {f["properties"]["code"] for f in counties["features"]}
    assert len(codes) == 10 and all(c.startswith("5323") for c in codes)  # 楚雄州's counties
    assert {f["geometry"]["type"] for f in counties["features"]} == {"MultiPolygon"}

    xuanwei = Region.objects.get(code=XUANWEI)
    detail = body(api.get(f"/api/regions/regions/{xuanwei.pk}/"))
    assert detail["id"] == xuanwei.pk
    assert detail["properties"]["parent"]["code"] == "530300"
    # The detail carries the full boundary, rounded to ~1 m.
    assert decimals(detail["geometry"]) <= 5
    vertices = len(re.findall(r"\[-?\d", json.dumps(detail["geometry"]["coordinates"])))
    assert vertices > xuanwei.geom_display.num_coords


def test_township_regions_have_null_geometry(api):
    township = Region.objects.get(code=f.MAJIE)
    feature = body(api.get(f"/api/regions/regions/{township.pk}/"))
    assert feature["geometry"] is None
    assert feature["properties"]["level"] == "township"


def test_spatial_lists_are_rounded_geojson_built_like_the_serializers_say(api, reg):
    """The PostGIS-built properties equal what the properties serializer gives in Python."""
    cases = [
        ("/api/producers/producers/", Producer.objects.all(), ProducerPropertiesSerializer),
        ("/api/products/products/", [reg.ham], GIProductPropertiesSerializer),
        (
            "/api/regions/regions/?level=prefecture",
            Region.objects.filter(level="prefecture"),
            RegionPropertiesSerializer,
        ),
    ]
    for url, objects, serializer in cases:
        response = api.get(url, {"limit": 1000})
        assert response["Content-Type"] == "application/geo+json"
        features = {f["id"]: f for f in body(response)["features"]}
        for obj in objects:
            feature = features[obj.pk]
            assert feature["type"] == "Feature"
            assert feature["properties"] == json.loads(json.dumps(serializer(obj).data))
            if feature["geometry"] is not None:
                assert decimals(feature["geometry"]) <= 5


def test_product_detail_has_its_protected_area(api, reg):
    feature = body(api.get(f"/api/products/products/{reg.ham.pk}/"))
    props = feature["properties"]
    assert props["area_precision"] == "exact"
    assert [u["region"]["code"] for u in props["area_units"]] == [XUANWEI]
    assert [s["code"] for s in props["standards"]] == ["GB/T 18357-2008"]
    assert feature["geometry"]["type"] == "MultiPolygon"
    listed = body(api.get("/api/products/products/"))["features"]
    assert listed[0]["geometry"]["type"] == "MultiPolygon"  # ST_Multi after simplifying


# -- the HTML lists' FilterSets, bbox --------------------------------------------


def test_producer_filters_are_the_html_lists(api, reg):
    def names(params):
        data = body(api.get("/api/producers/producers/", params))
        return {f["properties"]["name"] for f in data["features"]}

    assert names({"region": XUANWEI}) == {reg.xuanwei_producer.name}
    assert names({"region": "530300"}) == {reg.xuanwei_producer.name, reg.luliang_producer.name}
    assert names({"q": "xuanwei"}) == {reg.xuanwei_producer.name}  # pinyin, like the HTML list
    assert names({"kind": "cooperative"}) == set()
    html = api.get("/producers/", {"region": XUANWEI})
    assert reg.xuanwei_producer.name in html.content.decode()
    assert reg.luliang_producer.name not in html.content.decode()


def test_bbox_keeps_what_intersects_the_box(api, reg):
    lon, lat = XUANWEI_POINT
    box = f"{lon - 0.1},{lat - 0.1},{lon + 0.1},{lat + 0.1}"
    features = body(api.get("/api/producers/producers/", {"bbox": box}))["features"]
    assert [f["id"] for f in features] == [reg.xuanwei_producer.pk]
    counties = body(api.get("/api/regions/regions/", {"bbox": box, "level": "county"}))
    assert [f["properties"]["code"] for f in counties["features"]] == [XUANWEI]
    products = body(api.get("/api/products/products/", {"bbox": "100,22,100.1,22.1"}))
    assert products["features"] == []


@pytest.mark.parametrize(
    "bbox", ["1,2,3", "a,b,c,d", "106,25,104,26", "nan,1,2,3", "-200,0,0,10", "1,2,3,4,5"]
)
def test_bad_bbox_is_a_400(api, bbox):
    assert_error(api.get("/api/producers/producers/", {"bbox": bbox}), 400, "bad_bbox")


@pytest.mark.parametrize(
    "url, params, field",
    [
        ("/api/producers/producers/", {"kind": "nonsense"}, "kind"),
        ("/api/producers/producers/", {"region_id": "abc"}, "region_id"),
        ("/api/producers/producers/", {"created_after": "not-a-date"}, "created"),
        ("/api/products/products/", {"precision": "perfect"}, "precision"),
        ("/api/marks/gi-marks/", {"holder_id": "x"}, "holder_id"),
        ("/api/varieties/varieties/", {"grant_date_after": "2020-13-45"}, "grant_date"),
    ],
)
def test_bad_filter_values_are_400s_naming_the_field(api, url, params, field):
    data = assert_error(api.get(url, params), 400, "invalid")
    assert field in data["errors"]
    assert data["errors"][field][0]["code"]


# -- cursor pages ------------------------------------------------------------------


def test_cursor_pages_follow_next_and_previous_without_offset_or_count(api, reg):
    ids = sorted(Producer.objects.values_list("pk", flat=True))
    first = body(api.get("/api/producers/producers/", {"limit": 1}))
    assert [f["id"] for f in first["features"]] == ids[:1] and first["previous"] is None
    with CaptureQueriesContext(connection) as queries:
        second = body(api.get(first["next"]))
    assert [f["id"] for f in second["features"]] == ids[1:2]
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "OFFSET" not in sql and "COUNT(" not in sql and '"ID" >' in sql
    back = body(api.get(second["previous"]))
    assert [f["id"] for f in back["features"]] == ids[:1]


def test_a_spatial_page_is_one_query_however_many_features(api, reg):
    for n in range(3):
        f.make_producer(f"演示合作社{n} (demo)", XUANWEI, f"93530381MA6AQ000{n}")
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/producers/producers/", {"limit": 50})
    assert len(body(response)["features"]) == 5
    assert len(queries.captured_queries) == 1


def _more_marks():
    from brands.models import GIMark
    from brands.services import gi_mark_save

    for n in range(3):
        gi_mark_save(
            mark=GIMark(name=f"演示标志{n} (demo)", mark_type="collective", is_demo=True),
            origin_regions=[f.region(XUANWEI)],
        )


def _more_varieties():
    from varieties.models import PlantVariety
    from varieties.services import variety_save

    for n in range(3):
        variety_save(
            variety=PlantVariety(
                denomination=f"演示{n}号 (demo)",
                species_zh="茶",
                is_demo=True,
                plant_type="woody_other",
            ),
            growing_regions=[f.region(XUANWEI)],
        )


@pytest.mark.parametrize(
    "url, more",
    [("/api/marks/gi-marks/", _more_marks), ("/api/varieties/varieties/", _more_varieties)],
)
def test_plain_lists_have_a_fixed_number_of_queries(api, reg, url, more):
    with CaptureQueriesContext(connection) as one:
        api.get(url)
    more()
    with CaptureQueriesContext(connection) as four:
        response = api.get(url)
    assert len(body(response)["results"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_bad_cursor_is_a_400(api):
    assert_error(api.get("/api/producers/producers/", {"cursor": "!!"}), 400, "bad_cursor")
    from base64 import b64encode

    forged = b64encode(b"p=abc").decode()
    assert_error(api.get("/api/producers/producers/", {"cursor": forged}), 400, "bad_cursor")


# -- JSON errors everywhere -------------------------------------------------------


def test_unknown_paths_and_methods_answer_json(api):
    assert_error(api.get("/api/no-such-register/"), 404, "not_found")
    assert_error(api.get("/api/producers/producers/abc/"), 404, "not_found")
    assert_error(api.post("/api/producers/producers/", {}), 405, "method_not_allowed")
    assert_error(
        api.get("/api/producers/producers/", HTTP_ACCEPT="text/html"), 406, "not_acceptable"
    )


def test_root_lists_every_register(api):
    endpoints = body(api.get("/api/"))["endpoints"]
    for name in (
        "regions",
        "producers",
        "gi_products",
        "gi_marks",
        "famous_marks",
        "plant_varieties",
        "township_products",
        "authorizations",
        "cancellations",
    ):
        assert api.get(endpoints[name]).status_code == 200, name
