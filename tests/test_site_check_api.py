"""POST /api/site-check/: public, stateless, rate-limited, bilingual 400s, never a 500."""

import json

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from girrepo.api.exceptions import MESSAGES
from labels.models import Application, ProductionSite
from products.models import Category, GIProduct
from products.services import product_save
from regions.coords import from_wgs84

from .test_sitecheck import XUANWEI, border_offsets, facts_fixture, gi_facts_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

URL = "/api/site-check/"
FUYUAN, ZHANYI = "530325", "530303"  # 宣威市's neighbours to the south-east and south-west
POINT = {"type": "Point", "coordinates": [104.104, 26.219]}  # 宣威 city


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()  # throttle history lives in the cache
    yield
    cache.clear()


def post(body, client=None, **extra):
    client = client or Client()
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


def error(response, status=400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    # The API's one error shape: a stable code with its English and Chinese message.
    assert (body["message"], body["message_zh"]) == MESSAGES[body["code"]]
    assert body["code"] == {400: "invalid", 415: "unsupported_media_type"}.get(status, body["code"])
    errors = body["errors"]
    assert errors and all(e["zh"] and e["en"] for e in errors)
    return errors[0]


def test_url_is_named():
    assert reverse("labels_api:site_check") == URL


class TestAnswers:
    def test_pass_by_name_with_every_field(self, facts):
        r = post({"product": "宣威火腿", "geometry": POINT})
        assert r.status_code == 200
        body = r.json()
        assert set(body) >= {
            "result",
            "inside_fraction",
            "distance_to_boundary_m",
            "county",
            "township",
            "outside",
            "overlaps",
            "reasons",
        }
        assert body["result"] == "pass"
        assert body["inside_fraction"] == 1.0
        assert body["distance_to_boundary_m"] > 5_000
        assert body["county"] == {"code": XUANWEI, "name": "宣威市"}
        assert body["township"] is None and body["outside"] is None and body["overlaps"] == []
        assert body["reasons"][0]["code"] == "inside"
        assert body["reasons"][0]["zh"] and body["reasons"][0]["en"]

    def test_by_id_and_fail_with_outside_part(self, facts):
        ham = GIProduct.objects.get(name="宣威火腿")
        on_border = border_offsets(XUANWEI, ZHANYI, 0.0)[0.0]
        x, y = on_border.x, on_border.y
        d = 0.003
        square = [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]
        r = post({"product": ham.pk, "geometry": {"type": "Polygon", "coordinates": [square]}})
        body = r.json()
        assert r.status_code == 200 and body["result"] == "fail"
        assert 0 < body["inside_fraction"] < 1
        assert body["outside"]["type"] in ("Polygon", "MultiPolygon")

    def test_approximate_area_is_manual(self, facts):
        point = {"type": "Point", "coordinates": [103.666, 25.030]}
        body = post({"product": "陆良滇陆猪", "geometry": point}).json()
        assert body["result"] == "manual"
        assert "area_approximate" in [x["code"] for x in body["reasons"]]

    @pytest.mark.parametrize(("crs", "neighbour"), [("gcj02", FUYUAN), ("bd09", ZHANYI)])
    def test_offset_coordinates_are_converted(self, facts, crs, neighbour):
        """A point 100 m inside, typed from Amap or Baidu, passes only if converted."""
        inside = border_offsets(XUANWEI, neighbour, 100.0)[100.0]
        lon, lat = from_wgs84(inside.x, inside.y, crs)
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        converted = post({"product": "宣威火腿", "geometry": geometry, "crs": crs}).json()
        assert converted["result"] == "pass"
        assert 90 <= converted["distance_to_boundary_m"] <= 110
        misread = post({"product": "宣威火腿", "geometry": geometry, "crs": "wgs84"}).json()
        assert misread["result"] == "fail"  # the raw numbers lie hundreds of metres off
        assert misread["distance_to_boundary_m"] > 150

    def test_cgcs2000_is_accepted(self, facts):
        body = post({"product": "宣威火腿", "geometry": POINT, "crs": "cgcs2000"}).json()
        assert body["result"] == "pass"

    def test_stores_nothing_and_costs_one_query(self, facts, django_assert_num_queries):
        before = (Application.objects.count(), ProductionSite.objects.count())
        post({"product": "宣威火腿", "geometry": POINT})  # prepares the statements once
        with django_assert_num_queries(1):  # product and check in one prepared statement
            assert post({"product": "宣威火腿", "geometry": POINT}).status_code == 200
        assert (Application.objects.count(), ProductionSite.objects.count()) == before

    def test_anonymous_without_csrf_token(self, facts):
        client = Client(enforce_csrf_checks=True)
        assert post({"product": "宣威火腿", "geometry": POINT}, client=client).status_code == 200


def ring(*pts):
    return [list(p) for p in pts]


class TestBadInput:
    @pytest.mark.parametrize(
        ("geometry", "code", "fragment"),
        [
            ({"type": "Point"}, "invalid_geojson", "coordinates"),
            ("POINT(104 26)", "invalid_geojson", "type"),
            ({"type": "Point", "coordinates": ["104", 26.2]}, "invalid_geojson", "number"),
            (
                {
                    "type": "Polygon",
                    "coordinates": [
                        ring((104.1, 26.2), (104.11, 26.2), (104.11, 26.21), (104.1, 26.21))
                    ],
                },
                "invalid_geojson",
                "not closed",
            ),
            ({"type": "Blob", "coordinates": []}, "invalid_geojson", "Blob"),
            (
                {"type": "LineString", "coordinates": [[104.1, 26.2], [104.11, 26.21]]},
                "unsupported_geometry_type",
                "LineString",
            ),
            (
                {
                    "type": "Polygon",
                    "coordinates": [
                        ring(
                            (104.1, 26.2),
                            (104.11, 26.21),
                            (104.11, 26.2),
                            (104.1, 26.21),
                            (104.1, 26.2),
                        )
                    ],
                },
                "self_intersection",
                "self-intersection at 104.105 26.205",
            ),
            ({"type": "Point", "coordinates": [116.39, 39.91]}, "outside_yunnan", "Yunnan"),
            ({"type": "Point", "coordinates": [26.219, 104.104]}, "swapped_coordinates", "swapped"),
            ({"type": "Point", "coordinates": [104.1, 126.2]}, "out_of_range", "latitude"),
        ],
    )
    def test_geometry_errors_name_the_problem(self, facts, geometry, code, fragment):
        err = error(post({"product": "宣威火腿", "geometry": geometry}))
        assert err["field"] == "geometry" and err["code"] == code
        assert fragment in err["en"]

    def test_a_polygon_with_one_vertex_outside_yunnan(self, facts):
        square = ring((104.1, 26.2), (104.2, 26.2), (110.0, 26.3), (104.1, 26.3), (104.1, 26.2))
        err = error(
            post({"product": "宣威火腿", "geometry": {"type": "Polygon", "coordinates": [square]}})
        )
        assert err["code"] == "outside_yunnan" and "110.000000" in err["en"]

    def test_too_many_vertices(self, facts):
        n = 10_001
        pts = [[104.1 + 0.01 * (i / n), 26.2 + 0.001 * (i % 2)] for i in range(n - 1)]
        pts.append(pts[0])
        err = error(
            post({"product": "宣威火腿", "geometry": {"type": "Polygon", "coordinates": [pts]}})
        )
        assert err["code"] == "too_many_vertices" and "10000" in err["en"]

    def test_unknown_and_ambiguous_products(self, facts):
        err = error(post({"product": "不存在的产品", "geometry": POINT}))
        assert (err["field"], err["code"]) == ("product", "unknown_product")
        assert "不存在的产品" in err["zh"]
        assert error(post({"product": 999_999, "geometry": POINT}))["code"] == "unknown_product"
        category = Category.objects.first()
        twin = product_save(
            product=GIProduct(
                name="宣威火腿", register="agri_gi", authority="moa", category=category
            )
        )
        err = error(post({"product": "宣威火腿", "geometry": POINT}))
        assert err["code"] == "ambiguous_product" and str(twin.pk) in err["en"]

    def test_unknown_crs_and_missing_fields(self, facts):
        err = error(post({"product": "宣威火腿", "geometry": POINT, "crs": "utm"}))
        assert (err["field"], err["code"]) == ("crs", "unknown_crs")
        errors = post({}).json()["errors"]
        assert {(e["field"], e["code"]) for e in errors} == {
            ("product", "required"),
            ("geometry", "required"),
        }

    @pytest.mark.parametrize(
        "body",
        [
            "{not json",
            "[1, 2]",
            '{"product": {"a": 1}, "geometry": {"type": "Point", "coordinates": [1e308, 1e308]}}',
            '{"product": "宣威火腿", "geometry": {"type": "MultiPolygon", "coordinates": [[[]]]}}',
            '{"product": "宣威火腿", "geometry": {"type": "Polygon", "coordinates": 5}}',
            '{"product": "宣威火腿", "geometry": {"type": "Point", "coordinates": [NaN, 1]}}',
            '{"product": true, "geometry": null}',
            '{"product": 1, "geometry": {"type": "Point", "coordinates": [1'
            + "0" * 400
            + ", 25]}}",
        ],
    )
    def test_garbage_is_a_400_never_a_500(self, facts, body):
        r = post(body)
        assert r.status_code == 400
        assert r.json()["errors"][0]["code"]


class TestThrottle:
    def test_429_after_the_limit(self, facts):
        rates = {"anon": "1000/min", "site_check": "3/min"}
        with override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": rates}):
            statuses = [
                post({"product": "宣威火腿", "geometry": POINT}).status_code for _ in range(4)
            ]
            assert statuses == [200, 200, 200, 429]
            r = post({"product": "宣威火腿", "geometry": POINT})
            err = error(r, status=429)
            assert err["code"] == "throttled" and int(r["Retry-After"]) > 0


def test_schema_documents_request_response_and_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    op = schema["paths"]["/api/site-check/"]["post"]
    assert "requestBody" in op
    assert {"200", "400", "429"} <= set(op["responses"])
    components = schema["components"]["schemas"]
    ok = components["SiteCheckResponse"]["properties"]
    assert {
        "result",
        "inside_fraction",
        "distance_to_boundary_m",
        "county",
        "township",
        "reasons",
    } <= set(ok)
    bad = op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert bad.endswith("/SiteCheckError")
    assert set(components["InputError"]["properties"]) == {"field", "code", "zh", "en"}
    assert op.get("security") in ([], [{}], None)
