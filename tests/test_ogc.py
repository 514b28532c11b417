"""OGC API – Features (Part 1: Core, GeoJSON) under /ogc/, in-process: landing page,
conformance, collections, items with bbox, limit, paging and datetime, single items,
and Part 1's 400s for what it does not know."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from ogc.collections import COLLECTIONS
from tests import api_factories as f
from tests.label_factories import XUANWEI, XUANWEI_POINT, ham_product

pytestmark = pytest.mark.django_db

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


@pytest.fixture
def ogc():
    return APIClient()


def get(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def test_landing_page_links_resolve(ogc):
    landing = get(ogc, "/ogc/")
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    for rel in ("service-desc", "conformance", "data"):
        assert ogc.get(rels[rel]["href"]).status_code == 200, rel
    assert {CORE, GEOJSON} <= set(get(ogc, "/ogc/conformance")["conformsTo"])


def test_api_definition_is_openapi_with_the_limit_bounds(ogc):
    response = ogc.get("/ogc/api")
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    document = json.loads(response.content)
    validate_schema(document)
    items = document["paths"]["/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 1000)


def test_collections_describe_themselves(ogc):
    ham_product()
    collections = get(ogc, "/ogc/collections")["collections"]
    assert [c["id"] for c in collections] == list(COLLECTIONS)
    assert set(COLLECTIONS) == {
        "counties",
        "prefectures",
        "protected-areas",
        "authorized-producers",
        "township-products",
    }
    counties = next(c for c in collections if c["id"] == "counties")
    xmin, ymin, xmax, ymax = counties["extent"]["spatial"]["bbox"][0]
    assert 97 < xmin < 98 and 21 < ymin < 22 and 106 < xmax < 107 and 29 < ymax < 30
    areas = get(ogc, "/ogc/collections/protected-areas")
    assert areas["extent"]["spatial"]["bbox"][0][0] > 103  # 宣威市 only
    items = next(link for link in areas["links"] if link["rel"] == "items")
    assert items["type"] == "application/geo+json"


def test_items_page_with_limit_and_next_links(ogc):
    first = ogc.get("/ogc/collections/counties/items", {"limit": 50})
    assert first["Content-Type"] == "application/geo+json"
    page = json.loads(first.content)
    assert (page["numberMatched"], page["numberReturned"]) == (129, 50)
    seen = [feat["id"] for feat in page["features"]]
    while nxt := next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None):
        page = get(ogc, nxt)
        seen += [feat["id"] for feat in page["features"]]
    assert len(seen) == len(set(seen)) == 129
    assert XUANWEI in seen and all(len(code) == 6 for code in seen)
    assert get(ogc, "/ogc/collections/counties/items", {"limit": 5000})["numberReturned"] == 129


def test_bbox_and_single_items(ogc):
    lon, lat = XUANWEI_POINT
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    hit = get(ogc, "/ogc/collections/counties/items", {"bbox": box})
    assert [feat["id"] for feat in hit["features"]] == [XUANWEI]
    item = get(ogc, f"/ogc/collections/counties/items/{XUANWEI}")
    assert item["type"] == "Feature" and item["properties"]["name"] == "宣威市"
    assert {link["rel"] for link in item["links"]} == {"self", "collection"}
    prefecture = get(ogc, "/ogc/collections/prefectures/items/530300")
    assert prefecture["properties"]["level"] == "prefecture"


def test_authorized_producers_and_datetime():
    ogc = APIClient()
    ham = ham_product()
    people = f.actors(f.make_producer("宣威演示火腿厂 (demo)", XUANWEI, "91530381MA6AP0001"))
    authorization = f.authorization(ham, people)
    items = get(ogc, "/ogc/collections/authorized-producers/items")
    [feature] = items["features"]
    assert feature["id"] == authorization.number
    assert feature["properties"]["credit_code"] == authorization.credit_code
    location = people.holder.location
    assert feature["geometry"]["coordinates"] == [round(c, 5) for c in location.coords]
    today = dt.date.today().isoformat()
    url = "/ogc/collections/authorized-producers/items"
    assert get(ogc, url, {"datetime": today})["numberMatched"] == 1
    assert get(ogc, url, {"datetime": "../2000-01-01"})["numberMatched"] == 0
    assert get(ogc, url, {"datetime": f"{today}T12:00:00Z/.."})["numberMatched"] == 1
    assert get(ogc, f"{url}/{authorization.number}")["properties"]["gi_name"] == "宣威火腿"
    f.cancel(authorization, by=people.province)
    assert get(ogc, url)["features"] == []  # only authorizations in force
    get(ogc, f"{url}/{authorization.number}", status=404)


def test_township_products_sit_at_their_county_label_point(ogc):
    product = f.majie_pigs()
    [feature] = get(ogc, "/ogc/collections/township-products/items")["features"]
    county = product.township.parent
    assert feature["properties"]["location_precision"] == "county"
    assert feature["properties"]["county_code"] == county.code
    assert feature["geometry"]["coordinates"] == [round(c, 5) for c in county.label_point.coords]


@pytest.mark.parametrize(
    "url, params, code, status",
    [
        ("/ogc/collections/counties/items", {"colour": "red"}, "unknown_parameter", 400),
        ("/ogc/collections/counties/items", {"limit": "0"}, "bad_limit", 400),
        ("/ogc/collections/counties/items", {"limit": "ten"}, "bad_limit", 400),
        ("/ogc/collections/counties/items", {"bbox": "104,26,103,27"}, "bad_bbox", 400),
        ("/ogc/collections/counties/items", {"datetime": "yesterday"}, "bad_datetime", 400),
        (
            "/ogc/collections/counties/items",
            {"datetime": "2020-01-02/2020-01-01"},
            "bad_datetime",
            400,
        ),
        ("/ogc/collections/counties/items", {"crs": "EPSG:3857"}, "unsupported_crs", 400),
        ("/ogc/collections/counties/items", {"cursor": "???"}, "bad_cursor", 400),
        ("/ogc/collections", {"f": "xml"}, "unknown_parameter", 400),
        ("/ogc/collections/lakes", {}, "not_found", 404),
        ("/ogc/collections/lakes/items", {}, "not_found", 404),
        ("/ogc/collections/counties/items/999999", {}, "not_found", 404),
        ("/ogc/collections/protected-areas/items/abc", {}, "not_found", 404),
    ],
)
def test_what_core_does_not_know_is_a_json_error(ogc, url, params, code, status):
    error = get(ogc, url, params, status=status)
    assert error["code"] == code
    assert error["description"]  # OGC's exception schema
    assert error["message_zh"]


def test_gis_clients_get_their_own_anonymous_rate(ogc, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "ogc": "4/min"})
    for _ in range(4):
        assert ogc.get("/ogc/conformance").status_code == 200
    assert get(ogc, "/ogc/conformance", status=429)["code"] == "throttled"
    assert ogc.get("/api/regions/regions/", {"limit": 1}).status_code == 200  # another budget
