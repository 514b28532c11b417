"""Public verification (/verify/): by number or credit code, the counterfeit warning,
derived expiry, the JSON for platforms and the QR code for packaging.

Authorizations are created directly with the model (an approved Application, its
sites and an Authorization numbered by ``labels.numbering``), except in
``test_approved_through_the_workflow_verifies_as_valid``, which issues one with
``labels.services.application_approve``. The GI product is 宣威火腿 with its real
area (宣威市, 530381) and standard GB/T 18357-2008 (DATA.md); producers are demo.
"""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point, Polygon
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accounts.models import ProducerAccount, StaffAssignment
from girrepo.validators import make_credit_code
from labels.certificate import make_qr, qr_svg, verify_url
from labels.choices import ApplicationStatus, AuthorizationStatus
from labels.models import (
    Application,
    ApplicationEvent,
    Authorization,
    AuthorizationSerial,
    OnSiteCheck,
    ProductionSite,
)
from labels.numbering import format_number, next_serial
from labels.services import application_approve
from producers.choices import ProducerKind
from producers.models import Producer
from producers.services import producer_save
from products.choices import Register
from products.models import Category, GIProduct, StandardReference
from products.services import product_save, product_set_area
from regions.models import Region

pytestmark = pytest.mark.django_db

XUANWEI = "530381"
XUANWEI_POINT = (104.104, 26.219)  # 宣威市 city area, well inside the county
XUANWEI_STANDARD = "GB/T 18357-2008"
SVG_NS = "{http://www.w3.org/2000/svg}"
VERIFY = reverse("labels:verify")


# -- factories shared with test_certificate.py and test_compliance.py ------------


def county(code: str = XUANWEI) -> Region:
    return Region.objects.get(code=code)


def xuanwei_ham() -> GIProduct:
    category, _ = Category.objects.get_or_create(slug="test-meat", defaults={"name": "肉制品"})
    product = product_save(
        product=GIProduct(
            name="宣威火腿", register=Register.GI_PRODUCT, authority="aqsiq", category=category
        )
    )
    product = product_set_area(
        product=product, units=[county()], area_text="宣威市现辖行政区域", unmatched=[]
    )
    StandardReference.objects.create(product=product, code=XUANWEI_STANDARD)
    return product


def demo_producer(n: int, name: str | None = None) -> Producer:
    return producer_save(
        producer=Producer(
            name=name or f"宣威演示火腿合作社{n}号（演示）",
            credit_code=make_credit_code(f"93530381MA6N{n:05d}"),
            kind=ProducerKind.COOPERATIVE,
            is_demo=True,
        ),
        longitude=XUANWEI_POINT[0],
        latitude=XUANWEI_POINT[1],
    )


def approved_application(*, producer: Producer, product: GIProduct, sites=()) -> Application:
    application = Application.objects.create(
        producer=producer, product=product, county=county(), status=ApplicationStatus.APPROVED
    )
    for i, geom in enumerate(sites, start=1):
        ProductionSite.objects.create(application=application, name=f"演示地块{i}", geom=geom)
    return application


def make_authorization(
    *,
    producer: Producer,
    product: GIProduct,
    valid_from: dt.date | None = None,
    years: int = 5,
    status: str = AuthorizationStatus.VALID,
    sites=(),
) -> Authorization:
    """An authorization made with the model, numbered like the real ones."""
    valid_from = valid_from or timezone.localdate()
    application = approved_application(producer=producer, product=product, sites=sites)
    serial = next_serial(year=valid_from.year)
    authorization = Authorization(
        number=format_number(valid_from.year, serial),
        year=valid_from.year,
        serial=serial,
        application=application,
        producer=producer,
        product=product,
        credit_code=producer.credit_code,
        gi_name=product.name,
        gi_reference=XUANWEI_STANDARD,
        valid_from=valid_from,
        valid_until=valid_from.replace(year=valid_from.year + years),
        status=status,
    )
    authorization.full_clean()
    authorization.save()
    return authorization


def user(username: str, *, producer: Producer | None = None, region: str | None = None):
    u = get_user_model().objects.create_user(username, email=f"{username}@example.org")
    if producer is not None:
        ProducerAccount.objects.create(user=u, producer=producer)
    if region is not None:
        StaffAssignment.objects.create(user=u, region=Region.objects.get(code=region))
    return u


@pytest.fixture
def ham():
    return xuanwei_ham()


@pytest.fixture
def holder():
    return demo_producer(1)


@pytest.fixture
def authorization(ham, holder):
    field = Polygon.from_bbox((104.10, 26.21, 104.102, 26.212))
    field.srid = 4326
    return make_authorization(
        producer=holder, product=ham, sites=[Point(*XUANWEI_POINT, srid=4326), field]
    )


# -- the form --------------------------------------------------------------------


class TestVerifyForm:
    def test_form_page(self, client):
        response = client.get(VERIFY)
        assert response.status_code == 200
        assert 'name="q"' in response.content.decode()

    @pytest.mark.parametrize(
        "typed",
        [
            "{n}",
            "  {l}  ",
            "{n_spaced}",
            "{n_compact}",
            "{n_fullwidth}",
        ],
    )
    def test_number_leads_to_its_page_whatever_case_and_spacing(self, client, authorization, typed):
        number = authorization.number
        query = typed.format(
            n=number,
            l=number.lower(),
            n_spaced=number.replace("-", " "),
            n_compact=number.replace("-", "").lower(),
            n_fullwidth=number.translate(
                str.maketrans("YNGI-0123456789", "ＹＮＧＩ－０１２３４５６７８９")
            ),
        )
        response = client.get(VERIFY, {"q": query})
        assert response.status_code == 302
        assert response["Location"] == reverse("labels:verify_detail", kwargs={"number": number})

    def test_credit_code_lists_all_the_producers_authorizations(self, client, ham, holder):
        first = make_authorization(producer=holder, product=ham)
        second = make_authorization(
            producer=holder, product=ham, status=AuthorizationStatus.SUSPENDED
        )
        other = make_authorization(producer=demo_producer(2), product=ham)
        spaced = " ".join([holder.credit_code[:6], holder.credit_code[6:]]).lower()
        response = client.get(VERIFY, {"q": spaced})
        html = response.content.decode()
        assert response.status_code == 200
        assert first.number in html and second.number in html
        assert other.number not in html
        assert holder.get_absolute_url() in html
        assert 'data-status="suspended"' in html and 'data-status="valid"' in html

    @pytest.mark.parametrize("typed", ["hello", "YN-GI-26-1", "12345", "YN-GI-2026-000001"])
    def test_malformed_input_gets_a_form_error(self, client, typed):
        response = client.get(VERIFY, {"q": typed}, HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert response.status_code == 400
        assert "data-form-error" in html
        assert "YN-GI-2026-00042" in html and "credit code" in html
        assert 'data-verify="not-found"' not in html

    def test_credit_code_with_a_wrong_check_character_says_so(self, client, holder):
        code = holder.credit_code
        wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
        response = client.get(VERIFY, {"q": wrong}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert "check character" in response.content.decode()

    def test_unknown_number_warns_of_counterfeit_in_both_languages(self, client, authorization):
        unknown = format_number(authorization.year, authorization.serial + 7)
        response = client.get(VERIFY, {"q": unknown})
        html = response.content.decode()
        assert response.status_code == 200
        assert "该标志可能是假冒的" in html
        assert "the label may be counterfeit" in html
        # Nothing about anyone else leaks.
        assert authorization.number not in html
        assert authorization.producer.name not in html

    def test_unknown_credit_code_warns_too(self, client, authorization):
        response = client.get(VERIFY, {"q": make_credit_code("93530381MA6N99999")})
        html = response.content.decode()
        assert "该标志可能是假冒的" in html
        assert authorization.number not in html


# -- the page -------------------------------------------------------------------


class TestVerifyDetail:
    def url(self, number: str) -> str:
        return reverse("labels:verify_detail", kwargs={"number": number})

    def test_shows_the_authorization(self, client, authorization):
        response = client.get(self.url(authorization.number), HTTP_ACCEPT_LANGUAGE="en")
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-status="valid"' in html
        assert authorization.producer.name in html
        assert authorization.credit_code in html
        assert authorization.producer.get_absolute_url() in html
        assert authorization.product.get_absolute_url() in html
        assert XUANWEI_STANDARD in html
        assert authorization.label_text in html
        assert authorization.valid_from.isoformat() in html
        assert authorization.valid_until.isoformat() in html
        assert "演示地块1" in html and "演示地块2" in html

    def test_map_of_sites_over_the_protected_area_is_offline(self, client, authorization):
        html = client.get(self.url(authorization.number)).content.decode()
        assert 'class="region-map"' in html
        assert "L.geoJson" in html or "L.geoJSON" in html
        assert "/static/vendor/leaflet/leaflet.js" in html
        assert "cdn." not in html and "unpkg" not in html

    def test_queries_are_few_and_never_load_the_full_area(
        self, client, authorization, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(5) as page_queries:
            assert client.get(self.url(authorization.number)).status_code == 200
        with django_assert_max_num_queries(3) as json_queries:
            assert client.get(f"{self.url(authorization.number)}?format=json").status_code == 200
        sql = " ".join(
            q["sql"] for q in [*page_queries.captured_queries, *json_queries.captured_queries]
        )
        assert '"area_geom"' not in sql

    def test_works_in_chinese_and_english(self, client, authorization):
        zh = client.get(self.url(authorization.number), HTTP_ACCEPT_LANGUAGE="zh-hans")
        en = client.get(self.url(authorization.number), HTTP_ACCEPT_LANGUAGE="en")
        assert zh.status_code == en.status_code == 200
        assert '<html lang="zh-hans">' in zh.content.decode()
        assert '<html lang="en">' in en.content.decode()
        assert "Verify a special label" in en.content.decode()

    def test_applications_and_staff_notes_never_appear(self, client, authorization):
        application = authorization.application
        ApplicationEvent.objects.create(
            application=application,
            action="county_pass",
            from_status="county_review",
            to_status="prefecture_review",
            reason="内部意见：仅限工作人员",
        )
        OnSiteCheck.objects.create(
            application=application,
            date=authorization.valid_from,
            inspectors="检查员甲",
            findings="现场检查记录：内部",
        )
        for url in (
            self.url(authorization.number),
            f"{self.url(authorization.number)}?format=json",
        ):
            body = client.get(url).content.decode()
            assert "仅限工作人员" not in body
            assert "检查员甲" not in body and "现场检查记录" not in body
            assert f"/staff/applications/{application.pk}" not in body

    def test_expired_is_derived_from_the_dates(self, client, ham, holder):
        old = make_authorization(
            producer=holder,
            product=ham,
            valid_from=timezone.localdate() - dt.timedelta(days=5 * 366),
        )
        assert old.status == AuthorizationStatus.VALID and old.valid_until < timezone.localdate()
        html = client.get(self.url(old.number)).content.decode()
        assert 'data-status="expired"' in html
        assert 'data-status="valid"' not in html

    def test_suspended_and_cancelled_show_as_such(self, client, ham, holder):
        suspended = make_authorization(producer=holder, product=ham, status="suspended")
        cancelled = make_authorization(producer=holder, product=ham, status="cancelled")
        assert 'data-status="suspended"' in client.get(self.url(suspended.number)).content.decode()
        assert 'data-status="cancelled"' in client.get(self.url(cancelled.number)).content.decode()

    def test_lower_case_address_redirects_to_the_canonical_one(self, client, authorization):
        response = client.get(self.url(authorization.number.lower()))
        assert response.status_code == 302
        assert response["Location"] == self.url(authorization.number)

    @pytest.mark.parametrize("number", ["YN-GI-2031-99999", "not-a-number"])
    def test_unknown_page_is_404_with_the_warning(self, client, authorization, number):
        response = client.get(self.url(number))
        html = response.content.decode()
        assert response.status_code == 404
        assert "该标志可能是假冒的" in html and "the label may be counterfeit" in html
        assert authorization.producer.name not in html

    def test_approved_through_the_workflow_verifies_as_valid(self, client, ham, holder):
        application = approved_application(producer=holder, product=ham)
        application.status = ApplicationStatus.PROVINCE_REVIEW
        application.save()
        province = user("province", region="530000")
        issued = application_approve(actor=province, application=application)
        response = client.get(self.url(issued.number))
        assert response.status_code == 200
        assert 'data-status="valid"' in response.content.decode()
        assert issued.gi_reference == XUANWEI_STANDARD


# -- JSON -----------------------------------------------------------------------


class TestVerifyJson:
    KEYS = {
        "number",
        "status",
        "valid",
        "producer",
        "gi",
        "label_text",
        "valid_from",
        "valid_until",
        "cancellation",
        "sites",
        "verify_url",
        "certificate_url",
    }

    def test_shape(self, client, authorization):
        url = reverse("labels:verify_json", kwargs={"number": authorization.number})
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        data = response.json()
        assert set(data) == self.KEYS
        assert data["number"] == authorization.number
        assert data["status"] == "valid" and data["valid"] is True
        assert set(data["producer"]) == {"name", "credit_code", "url"}
        assert data["producer"]["name"] == authorization.producer.name
        assert data["producer"]["credit_code"] == authorization.credit_code
        assert data["gi"] == {
            "name": "宣威火腿",
            "reference": XUANWEI_STANDARD,
            "kind": "gi_product",
        }
        assert data["valid_from"] == authorization.valid_from.isoformat()
        assert data["valid_until"] == authorization.valid_until.isoformat()
        assert data["cancellation"] is None
        assert data["verify_url"] == f"http://testserver/verify/{authorization.number}/"

    def test_sites_are_a_rounded_feature_collection(self, client, authorization):
        url = reverse("labels:verify_json", kwargs={"number": authorization.number})
        sites = client.get(url).json()["sites"]
        assert sites["type"] == "FeatureCollection"
        assert [f["geometry"]["type"] for f in sites["features"]] == ["Point", "Polygon"]
        assert sites["features"][0]["geometry"]["coordinates"] == list(XUANWEI_POINT)

        def coords(c):
            return [c] if isinstance(c[0], float | int) else [x for cc in c for x in coords(cc)]

        for feature in sites["features"]:
            assert set(feature["properties"]) == {"name"}
            for x, y in coords(feature["geometry"]["coordinates"]):
                assert round(x, 5) == x and round(y, 5) == y

    def test_format_parameter_gives_the_same(self, client, authorization):
        number = authorization.number
        a = client.get(reverse("labels:verify_json", kwargs={"number": number})).json()
        b = client.get(
            reverse("labels:verify_detail", kwargs={"number": number}), {"format": "json"}
        )
        assert b.json() == a

    def test_expired_is_not_valid(self, client, ham, holder):
        old = make_authorization(
            producer=holder,
            product=ham,
            valid_from=timezone.localdate() - dt.timedelta(days=5 * 366),
        )
        data = client.get(reverse("labels:verify_json", kwargs={"number": old.number})).json()
        assert data["status"] == "expired" and data["valid"] is False

    def test_unknown_number_is_404_json(self, client, authorization):
        response = client.get(reverse("labels:verify_json", kwargs={"number": "YN-GI-2031-99999"}))
        assert response.status_code == 404
        data = response.json()
        assert data["error"] == "not_found" and data["valid"] is False
        assert "counterfeit" in data["message"] and "假冒" in data["message_zh"]
        assert authorization.producer.name not in response.content.decode()


# -- QR codes -------------------------------------------------------------------


class TestQrCode:
    def test_verify_url_is_absolute(self, rf, settings, authorization):
        settings.ALLOWED_HOSTS = ["gi.example.org"]
        request = rf.get("/", HTTP_HOST="gi.example.org", secure=True)
        expected = f"https://gi.example.org/verify/{authorization.number}/"
        assert verify_url(number=authorization.number, request=request) == expected

    def test_public_base_url_overrides_the_host(self, rf, settings, authorization):
        settings.GIRREPO_PUBLIC_BASE_URL = "https://label.example.cn/"
        request = rf.get("/", HTTP_HOST="internal-host:8000")
        url = verify_url(number=authorization.number, request=request)
        assert url == f"https://label.example.cn/verify/{authorization.number}/"

    def test_svg_encodes_the_verify_url(self, client, authorization):
        response = client.get(
            reverse("labels:verify_qr", kwargs={"number": authorization.number, "fmt": "svg"})
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "image/svg+xml"
        root = ET.fromstring(response.content)
        assert root.tag == f"{SVG_NS}svg"
        assert root.find(f".//{SVG_NS}path") is not None
        expected = f"http://testserver/verify/{authorization.number}/"
        # Same bytes as a QR made from the expected URL, and not those of another URL.
        assert response.content == qr_svg(expected)
        assert response.content != qr_svg(expected.replace("00", "01"))

    def test_error_correction_and_quiet_zone(self, authorization):
        url = f"https://label.example.cn/verify/{authorization.number}/"
        qr = make_qr(url)
        assert qr.error == "Q" and not qr.is_micro
        background, modules = ET.fromstring(qr_svg(url)).iter(f"{SVG_NS}path")
        # A white square under the whole symbol, and the first dark module 4 modules in.
        side = qr.symbol_size(scale=1, border=4)[0]
        assert background.get("fill") == "#fff"
        assert background.get("d") == f"M0 0h{side}v{side}h-{side}z"
        assert modules.get("stroke") == "#000"
        assert modules.get("d").startswith("M4 4.5")

    def test_png_has_a_white_quiet_zone(self, client, authorization):
        response = client.get(
            reverse("labels:verify_qr", kwargs={"number": authorization.number, "fmt": "png"})
        )
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.content)).convert("L")
        assert image.width == image.height >= 250
        quiet = 4 * 10  # 4 modules at 10 px
        frame = [image.getpixel((x, y)) for x in range(image.width) for y in range(quiet)]
        frame += [image.getpixel((x, y)) for x in range(quiet) for y in range(image.height)]
        assert set(frame) == {255}
        assert image.getpixel((quiet, quiet)) == 0  # the finder pattern starts right there

    def test_no_qr_for_an_unknown_number(self, client):
        response = client.get(
            reverse("labels:verify_qr", kwargs={"number": "YN-GI-2031-99999", "fmt": "svg"})
        )
        assert response.status_code == 404


# -- in a real browser (last in the module: its data is committed for the live server) --


@pytest.fixture(scope="class")
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ham = xuanwei_ham()
        holder = demo_producer(1)
        field = Polygon.from_bbox((104.10, 26.21, 104.12, 26.23))
        field.srid = 4326
        authorization = make_authorization(
            producer=holder, product=ham, sites=[Point(*XUANWEI_POINT, srid=4326), field]
        )
        try:
            yield authorization
        finally:
            application = authorization.application
            authorization.delete()
            application.delete()
            holder.delete()
            category = ham.category
            ham.delete()
            category.delete()
            AuthorizationSerial.objects.filter(year=authorization.year).delete()


@pytest.mark.browser
class TestVerifyInBrowser:
    def test_map_draws_offline_and_the_form_finds_the_producer(self, page, app_server, committed):
        page.goto(app_server.url + VERIFY)
        page.locator("#id_q").fill(committed.credit_code.lower())
        page.get_by_role("button", name=re.compile("Verify|核验|查验")).click()
        page.get_by_role("link", name=committed.number).click()
        expect(page).to_have_url(app_server.url + committed.get_absolute_url())
        expect(page.locator("[data-status]")).to_have_attribute("data-status", "valid")
        paths = page.locator(".leaflet-container path.leaflet-interactive")
        expect(paths).to_have_count(2)  # the protected area and the polygon site
        expect(page.locator(".leaflet-marker-icon")).to_have_count(1)  # the point site
        assert page.watch.console_errors == []
        assert page.watch.foreign_requests == []
