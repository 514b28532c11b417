"""The PostGIS site check over real county boundaries and the real GI facts.

宣威火腿's protected area is exactly 宣威市 (530381); 陆良滇陆猪 and 华宁陶 are
township-defined, so their mapped areas are county stand-ins (approximate).
Positions near the border are computed with PostGIS from the real boundary,
independently of the code under test. Producers and applications are fictional.
"""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.management import call_command
from django.db import connection, transaction

from girrepo.validators import make_credit_code
from labels.choices import ApplicationStatus, CheckResult
from labels.models import Application, ProductionSite
from labels.sitecheck import SiteInputError, application_site_check, site_check
from producers.choices import ProducerKind
from producers.models import Producer
from products.models import GIProduct
from regions.models import Region

pytestmark = pytest.mark.django_db

XUANWEI, ZHANYI = "530381", "530303"  # 宣威市 and its neighbour 沾益区
XUANWEI_CITY = Point(104.104, 26.219, srid=4326)
KUNMING = Point(102.71, 25.04, srid=4326)
HUANING = Point(102.928, 24.193, srid=4326)  # 华宁县 town
LULIANG = Point(103.666, 25.030, srid=4326)


@pytest.fixture(scope="module", name="gi_facts")
def gi_facts_fixture(django_db_setup, django_db_blocker):
    """The real GI facts, loaded once per module inside a transaction that is rolled back.

    Each test runs in a savepoint within it, so nothing is ever committed (loading the
    facts takes seconds: 普洱茶's area is the union of eleven prefectures).
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("load_gi_facts", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(name="facts")
def facts_fixture(gi_facts, db):
    return {p.name: p for p in GIProduct.objects.all()}


def border_offsets(a: str, b: str, *metres: float) -> dict:
    """Points ``m`` metres inside (m > 0) or outside (m < 0) county ``a``, across from ``b``.

    From the midpoint of the shared border, the nearest point on the county's outline
    buffered by -m metres (a geography buffer, computed by PostGIS).
    """
    out = {}
    with connection.cursor() as cur:
        for m in metres:
            cur.execute(
                """
                WITH pair AS (
                    SELECT (SELECT geom FROM regions_region WHERE code = %(a)s) AS ga,
                           (SELECT geom FROM regions_region WHERE code = %(b)s) AS gb
                ), border AS (
                    SELECT ga, ST_LineInterpolatePoint((ST_Dump(ST_LineMerge(ST_CollectionExtract(
                        ST_Intersection(ST_Boundary(ga), ST_Boundary(gb)), 2)))).geom, 0.5) AS p
                    FROM pair
                ), one AS (SELECT * FROM border LIMIT 1)
                SELECT ST_AsText(CASE WHEN %(m)s = 0 THEN p ELSE ST_ClosestPoint(
                    ST_Boundary(ST_Buffer(ga::geography, -%(m)s)::geometry), p) END)
                FROM one
                """,
                {"a": a, "b": b, "m": m},
            )
            out[m] = GEOSGeometry(cur.fetchone()[0], srid=4326)
    return out


def disc(centre: Point, metres: float) -> GEOSGeometry:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsText(ST_Buffer(ST_GeomFromEWKB(%s)::geography, %s, 16)::geometry)",
            [bytes(centre.ewkb), metres],
        )
        return GEOSGeometry(cur.fetchone()[0], srid=4326)


def codes(result) -> list[str]:
    return [r["code"] for r in result.reasons]


class TestExactArea:
    def test_point_well_inside_passes(self, facts):
        r = site_check(product=facts["宣威火腿"], geometry=XUANWEI_CITY)
        assert r.result == CheckResult.PASS
        assert r.inside_fraction == 1.0 and r.position == "inside"
        assert r.county == {"code": XUANWEI, "name": "宣威市"}
        assert r.township is None  # no township boundaries: never guessed
        assert r.distance_to_boundary_m > 5_000
        assert codes(r) == ["inside"]
        assert r.reasons[0]["zh"] and r.reasons[0]["en"]

    def test_point_well_outside_fails_with_distance(self, facts):
        r = site_check(product=facts["宣威火腿"], geometry=KUNMING)
        assert r.result == CheckResult.FAIL
        assert r.inside_fraction == 0.0 and r.position == "outside"
        assert codes(r) == ["outside"]
        assert 100_000 < r.distance_to_boundary_m < 300_000
        assert r.county["code"] in ("530102", "530103")
        assert "保护范围之外" in r.reasons[0]["zh"] and "outside" in r.reasons[0]["en"]

    def test_near_the_border(self, facts):
        ham = facts["宣威火腿"]
        pts = border_offsets(XUANWEI, ZHANYI, 10.0, -10.0, -100.0)
        inside = site_check(product=ham, geometry=pts[10.0])
        assert inside.result == CheckResult.PASS and inside.position == "inside"
        assert 7 <= inside.distance_to_boundary_m <= 13
        assert inside.county["code"] == XUANWEI

        within = site_check(product=ham, geometry=pts[-10.0])
        assert within.result == CheckResult.PASS  # 10 m out, within the 30 m tolerance
        assert within.position == "outside" and codes(within) == ["within_tolerance"]
        assert 7 <= within.distance_to_boundary_m <= 13
        assert within.county["code"] == ZHANYI

        beyond = site_check(product=ham, geometry=pts[-100.0])
        assert beyond.result == CheckResult.FAIL and codes(beyond) == ["outside"]
        assert 95 <= beyond.distance_to_boundary_m <= 105

    def test_tolerance_is_configurable(self, facts, settings):
        pts = border_offsets(XUANWEI, ZHANYI, -10.0)
        assert (
            site_check(product=facts["宣威火腿"], geometry=pts[-10.0], tolerance_m=5).result
            == "fail"
        )
        settings.GIRREPO_SITE_TOLERANCE_M = 5.0
        assert site_check(product=facts["宣威火腿"], geometry=pts[-10.0]).result == "fail"

    def test_polygon_inside_passes(self, facts):
        r = site_check(product=facts["宣威火腿"], geometry=disc(XUANWEI_CITY, 200))
        assert r.result == CheckResult.PASS
        assert r.inside_fraction == 1.0 and r.outside is None
        assert r.county["code"] == XUANWEI

    def test_polygon_straddling_the_border_fails_with_the_outside_part(self, facts):
        on_border = border_offsets(XUANWEI, ZHANYI, 0.0)[0.0]
        field = disc(on_border, 300)
        r = site_check(product=facts["宣威火腿"], geometry=field)
        assert r.result == CheckResult.FAIL
        assert r.position == "crossing" and r.distance_to_boundary_m == 0.0
        assert 0.2 < r.inside_fraction < 0.8
        total = 3.14159 * 300**2
        assert 0.2 * total < r.outside_m2 < 0.8 * total
        assert abs(r.outside_m2 - (1 - r.inside_fraction) * total) < 0.05 * total
        outside = r.outside_geometry
        assert outside.geom_type in ("Polygon", "MultiPolygon")
        zhanyi = Region.objects.get(code=ZHANYI).geom
        assert zhanyi.buffer(0.0005).contains(outside)  # the outside part lies in 沾益
        assert set(codes(r)) & {"straddles", "mostly_outside"}
        assert r.county["code"] in (XUANWEI, ZHANYI)

    def test_polygon_crossing_only_within_the_tolerance_band_passes(self, facts):
        on_border = border_offsets(XUANWEI, ZHANYI, 0.0)[0.0]
        r = site_check(product=facts["宣威火腿"], geometry=disc(on_border, 12))
        assert r.result == CheckResult.PASS
        assert codes(r) == ["within_tolerance"]
        assert r.outside is not None and 0 < r.inside_fraction < 1

    def test_polygon_well_outside_fails(self, facts):
        r = site_check(product=facts["宣威火腿"], geometry=disc(KUNMING, 200))
        assert r.result == CheckResult.FAIL and r.inside_fraction == 0.0
        assert r.position == "outside" and codes(r) == ["outside"]

    def test_invalid_geometry_is_refused(self, facts):
        bowtie = GEOSGeometry(
            "POLYGON((104.1 26.2, 104.11 26.21, 104.11 26.2, 104.1 26.21, 104.1 26.2))",
            srid=4326,
        )
        with pytest.raises(SiteInputError) as exc:
            site_check(product=facts["宣威火腿"], geometry=bowtie)
        assert exc.value.code == "self_intersection" and "104.105" in exc.value.en


class TestApproximateAndUnmapped:
    @pytest.mark.parametrize(("name", "point"), [("华宁陶", HUANING), ("陆良滇陆猪", LULIANG)])
    def test_inside_a_stand_in_is_manual(self, facts, name, point):
        product = facts[name]
        assert product.area_precision == "approximate"
        r = site_check(product=product, geometry=point)
        assert r.result == CheckResult.MANUAL
        assert "area_approximate" in codes(r)
        assert r.inside_fraction == 1.0  # inside the stand-in, but that proves nothing

    def test_far_outside_the_stand_in_fails(self, facts):
        r = site_check(product=facts["华宁陶"], geometry=XUANWEI_CITY)
        assert r.result == CheckResult.FAIL
        assert codes(r) == ["outside", "outside_stand_in"]
        assert r.distance_to_boundary_m > 50_000

    def test_outside_a_partly_unmapped_area_is_manual(self, facts):
        luliang = facts["陆良滇陆猪"]
        assert luliang.area_unmatched  # 华侨农场管理区 has no boundary
        r = site_check(product=luliang, geometry=XUANWEI_CITY)
        assert r.result == CheckResult.MANUAL and codes(r) == ["area_partly_unmapped"]

    def test_not_mapped_is_manual(self, facts):
        r = site_check(product=facts["文山三七"], geometry=XUANWEI_CITY)
        assert r.result == CheckResult.MANUAL and codes(r) == ["area_not_mapped"]
        assert r.inside_fraction is None and r.county["code"] == XUANWEI


def make_producer(n: int) -> Producer:
    return Producer.objects.create(
        name=f"演示火腿厂{n}号 (demo)",
        credit_code=make_credit_code(f"91530381MA6N{n:05d}"),
        kind=ProducerKind.ENTERPRISE,
        is_demo=True,
    )


def make_application(producer, product, status, *geoms) -> Application:
    application = Application.objects.create(
        producer=producer,
        product=product,
        county=Region.objects.get(code=XUANWEI),
        status=status,
    )
    for i, geom in enumerate(geoms):
        ProductionSite.objects.create(application=application, name=f"地块{i}", geom=geom)
    return application


class TestOverlaps:
    def test_overlap_with_another_producers_approved_site_needs_a_person(self, facts):
        ham = facts["宣威火腿"]
        other = make_producer(1)
        approved = make_application(other, ham, ApplicationStatus.APPROVED, disc(XUANWEI_CITY, 100))
        make_application(other, ham, ApplicationStatus.DRAFT, disc(XUANWEI_CITY, 150))
        shifted = Point(XUANWEI_CITY.x + 0.001, XUANWEI_CITY.y, srid=4326)  # ~100 m east
        r = site_check(product=ham, geometry=disc(shifted, 100), producer=make_producer(2))
        assert r.result == CheckResult.MANUAL
        assert [o["application"] for o in r.overlaps] == [approved.pk]  # not the draft
        assert r.overlaps[0]["producer"] == other.name
        assert 5_000 < r.overlaps[0]["overlap_m2"] < 15_000  # two 100 m discs 100 m apart
        assert "overlaps_other_producer" in codes(r)

    def test_own_sites_are_not_overlaps(self, facts):
        ham = facts["宣威火腿"]
        me = make_producer(3)
        make_application(me, ham, ApplicationStatus.APPROVED, disc(XUANWEI_CITY, 100))
        r = site_check(product=ham, geometry=disc(XUANWEI_CITY, 50), producer=me)
        assert r.result == CheckResult.PASS and r.overlaps == []

    def test_a_point_inside_another_producers_field_is_an_overlap(self, facts):
        ham = facts["宣威火腿"]
        make_application(make_producer(4), ham, ApplicationStatus.APPROVED, disc(XUANWEI_CITY, 100))
        r = site_check(product=ham, geometry=XUANWEI_CITY)
        assert r.result == CheckResult.MANUAL and r.overlaps[0]["overlap_m2"] == 0


class TestApplicationSiteCheck:
    def test_stores_each_result_and_the_overall_one(self, facts):
        ham = facts["宣威火腿"]
        on_border = border_offsets(XUANWEI, ZHANYI, 0.0)[0.0]
        application = make_application(
            make_producer(5),
            ham,
            ApplicationStatus.DRAFT,
            XUANWEI_CITY,
            disc(on_border, 300),
        )
        assert application_site_check(application=application) == CheckResult.FAIL
        application.refresh_from_db()
        assert application.site_check_result == CheckResult.FAIL
        assert application.site_check_at is not None
        good, bad = application.sites.order_by("id")
        assert good.check_result == CheckResult.PASS
        assert good.check_details["county"] == {"code": XUANWEI, "name": "宣威市"}
        assert bad.check_result == CheckResult.FAIL
        assert bad.check_details["outside"]["type"] in ("Polygon", "MultiPolygon")
        assert bad.check_details["reasons"][0]["zh"]
        json.dumps(bad.check_details)  # stored as plain JSON

    def test_manual_when_no_site_fails_but_one_needs_a_person(self, facts):
        application = make_application(
            make_producer(6), facts["陆良滇陆猪"], ApplicationStatus.DRAFT, LULIANG
        )
        assert application_site_check(application=application) == CheckResult.MANUAL

    def test_all_pass(self, facts):
        application = make_application(
            make_producer(7), facts["宣威火腿"], ApplicationStatus.DRAFT, XUANWEI_CITY
        )
        assert application_site_check(application=application) == CheckResult.PASS
        assert application.sites.get().check_details["distance_to_boundary_m"] > 5_000

    def test_the_applicants_own_approved_sites_do_not_count(self, facts):
        ham = facts["宣威火腿"]
        me = make_producer(8)
        make_application(me, ham, ApplicationStatus.APPROVED, disc(XUANWEI_CITY, 100))
        application = make_application(me, ham, ApplicationStatus.DRAFT, XUANWEI_CITY)
        assert application_site_check(application=application) == CheckResult.PASS
