"""The special-label workflow in a real browser, one login after another:

a cooperative applies (details, a site typed in coordinates, the three documents as
small generated PDFs) and submits → the county accepts, records the on-site check and
passes it on → the prefecture passes → the province approves → the public
verification page shows the authorization as valid.

The live server reads committed data, so the fixture commits what it makes and
deletes it afterwards; elements are found by id, not by their (translated) text.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import ProducerAccount, StaffAssignment
from labels.choices import REQUIRED_DOCUMENTS, ApplicationStatus
from labels.models import Application, Authorization, AuthorizationSerial
from tests.conftest import ARTIFACTS
from tests.label_factories import (
    PASSWORD,
    PROVINCE,
    QUJING,
    XUANWEI,
    ham_product,
    make_producer,
    make_user,
    pdf_bytes,
    png_upload,
)

# No django_db mark: its transaction would hide the fixture's data from the live server.
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def no_basemap(settings):
    settings.GIRREPO_BASEMAP = "none"


@pytest.fixture
def people(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        product = ham_product("宣威火腿（浏览器测试）")
        producer = make_producer("测试·浏览器火腿厂 (test)", XUANWEI, "91530381MA0EEE004")
        users = {
            "coop": make_user("browser-coop", producer=producer),
            "county": make_user("browser-xuanwei", staff_of=XUANWEI),
            "prefecture": make_user("browser-qujing", staff_of=QUJING),
            "province": make_user("browser-yunnan", staff_of=PROVINCE),
        }
        serials = dict(AuthorizationSerial.objects.values_list("year", "last"))
        try:
            yield {"product": product, "producer": producer, "users": users}
        finally:
            Authorization.objects.filter(producer=producer).delete()
            Application.objects.filter(producer=producer).delete()
            # Give the numbers back, so the test database's counters stay as they were.
            AuthorizationSerial.objects.exclude(year__in=serials).delete()
            for year, last in serials.items():
                AuthorizationSerial.objects.filter(year=year).update(last=last)
            ProducerAccount.objects.filter(producer=producer).delete()
            StaffAssignment.objects.filter(user__in=users.values()).delete()
            get_user_model().objects.filter(pk__in=[u.pk for u in users.values()]).delete()
            producer.delete()
            product.delete()


def log_in(page, base, user, path):
    page.goto(base + path)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(base + path)


def log_out(page):
    page.locator("form[action$='/accounts/logout/'] button").click()


def act(page, name, fill=None):
    """Open the action's panel on the review page, fill it, send it."""
    panel = page.locator(f"#action-{name}")
    panel.locator("summary").click()
    if fill:
        fill(panel)
    panel.locator("button[type=submit]").click()
    expect(page.locator(".alert-success").first).to_be_visible()


def open_review(page, base, application_pk):
    row_link = page.locator("#queue-act").get_by_role("link", name=f"#{application_pk}")
    row_link.click()
    expect(page).to_have_url(f"{base}/staff/applications/{application_pk}/")


def test_cooperative_to_province_to_public_verification(
    page, app_server, people, django_db_blocker
):
    base, users, product = app_server.url, people["users"], people["product"]

    # The cooperative applies.
    log_in(page, base, users["coop"], "/portal/")
    page.locator("a[href$='/portal/applications/new/']").first.click()
    page.select_option("#id_product", str(product.pk))
    page.fill("#id_annual_output", "350")
    page.fill("#id_planned_label_use", "20000")
    page.locator("#application-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/portal/applications/\d+/$"))
    application_pk = int(page.url.rstrip("/").rsplit("/", 1)[-1])

    page.locator("#tab-coords-button").click()
    page.fill("#id_coords-name", "腌制车间")
    page.fill("#id_coords-coordinates", "104.104, 26.219")
    page.select_option("#id_coords-crs", "wgs84")
    page.locator("#coords-form button[type=submit]").click()
    expect(page.locator("#sites-table tbody tr")).to_have_count(1)
    expect(page.locator("#sites-table")).to_contain_text("腌制车间")
    expect(page.locator("#application-map path.leaflet-interactive").first).to_be_visible()

    pdf = pdf_bytes()
    for kind in REQUIRED_DOCUMENTS:
        page.select_option("#id_kind", kind.value)
        page.set_input_files(
            "#id_file",
            files=[{"name": f"{kind.value}.pdf", "mimeType": "application/pdf", "buffer": pdf}],
        )
        page.locator("#document-form button[type=submit]").click()
        expect(page.locator(".alert-success").first).to_be_visible()
    expect(page.locator("#document-list li")).to_have_count(3)
    expect(page.locator("#missing-documents")).to_have_count(0)
    page.locator("#submit-application").click()
    expect(page.locator("#submit-application")).to_have_count(0)
    with django_db_blocker.unblock():
        application = Application.objects.get(pk=application_pk)
        assert application.status == ApplicationStatus.SUBMITTED
        assert application.site_check_result == "pass"
    assert page.watch.console_errors == []
    log_out(page)

    # The county accepts, checks on site, passes it on.
    log_in(page, base, users["county"], "/staff/")
    open_review(page, base, application_pk)
    expect(page.locator("#application-map path.leaflet-interactive").first).to_be_visible()
    act(page, "accept")

    def onsite(panel):
        panel.locator("input[name=date]").fill("2025-03-05")
        panel.locator("input[name=inspectors]").fill("测试检查员甲、乙 (test)")
        panel.locator("textarea[name=findings]").fill("腌制车间与申报一致。")
        panel.locator("input[name=passed]").check()
        photo = png_upload()
        panel.locator("input[name=photos]").set_input_files(
            files=[{"name": "site.png", "mimeType": "image/png", "buffer": photo.read()}]
        )

    act(page, "onsite_check", onsite)
    expect(page.locator("#onsite img")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "label_flow_county_review.png"), full_page=True)
    act(page, "county_pass")
    expect(page.locator("#no-actions")).to_be_visible()
    log_out(page)

    # The prefecture passes, the province approves.
    log_in(page, base, users["prefecture"], "/staff/")
    open_review(page, base, application_pk)
    act(page, "prefecture_pass")
    log_out(page)
    log_in(page, base, users["province"], "/staff/")
    open_review(page, base, application_pk)
    act(page, "approve")
    issued = page.locator("#authorization-issued")
    expect(issued).to_contain_text(re.compile(r"YN-GI-\d{4}-\d{5}"))
    with django_db_blocker.unblock():
        authorization = Authorization.objects.get(application_id=application_pk)
    assert authorization.credit_code == people["producer"].credit_code
    expect(issued).to_contain_text(authorization.label_text)

    # Anyone can verify it.
    issued.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/verify/{authorization.number}/")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "valid")
    expect(page.locator("h1")).to_contain_text(authorization.number)
    expect(page.locator("[data-field=label-text]")).to_contain_text(people["producer"].credit_code)
    assert page.watch.console_errors == []
    assert page.watch.foreign_requests == []


def test_a_site_drawn_on_the_map(page, app_server, people, django_db_blocker):
    base, product = app_server.url, people["product"]
    with django_db_blocker.unblock():
        from labels import intake

        application = intake.application_create(
            actor=people["users"]["coop"], producer=people["producer"], product=product
        )
    log_in(page, base, people["users"]["coop"], f"/portal/applications/{application.pk}/")
    box = page.locator("#application-map .leaflet-container").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.locator("[data-draw=polygon]").click()
    for dx, dy in [(-40, -30), (40, -30), (40, 30), (-40, 30)]:
        page.mouse.click(cx + dx, cy + dy)
    page.locator("[data-draw=finish]").click()
    drawn = page.locator("#id_draw-geometry").input_value()
    assert '"type":"Polygon"' in drawn
    page.fill("#id_draw-name", "画出的地块")
    page.locator("#tab-draw button[type=submit]").click()
    expect(page.locator("#sites-table")).to_contain_text("画出的地块")
    with django_db_blocker.unblock():
        site = application.sites.get()
        assert site.geom.geom_type == "Polygon" and len(site.geom.coords[0]) == 5
        assert site.check_result == "pass"  # the map opens on the 宣威 protected area
    assert page.watch.console_errors == []
