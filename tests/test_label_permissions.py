"""Every role × every portal and workbench page and endpoint.

Anonymous visitors are sent to the login page; producer accounts reach only their
own producers' things, staff only their jurisdiction; an id from someone else's
data answers 404, a page of the other side 403, an action at the wrong level or
stage 403. Each POST runs inside a savepoint that is rolled back, so every role
meets the same state.
"""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from labels import portal_urls, services, staff_urls
from labels.choices import ApplicationStatus
from tests.label_factories import (
    CHUXIONG,
    LULIANG,
    PROVINCE,
    QUJING,
    XUANWEI,
    XUANWEI_POINT,
    advance,
    draft,
    ham_product,
    make_producer,
    make_user,
    pdf_upload,
    png_upload,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus
ROLES = [
    "anonymous",
    "producer_a",
    "producer_b",
    "county_in",
    "county_out",
    "prefecture_in",
    "prefecture_out",
    "province",
]
STAFF = ["county_in", "county_out", "prefecture_in", "prefecture_out", "province"]
PRODUCERS = ["producer_a", "producer_b"]
LOGIN = 302  # to the login page


def sites_upload() -> dict:
    """A one-site GeoJSON for the bulk-screening page."""
    site = {"type": "Point", "coordinates": list(XUANWEI_POINT)}
    data = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": site}]}
    upload = SimpleUploadedFile("sites.geojson", json.dumps(data).encode())
    return {"file": upload, "output_format": "csv"}


@pytest.fixture
def world(settings, tmp_path):
    settings.GIRREPO_SCREENING_DIR = tmp_path / "screening"
    product = ham_product()
    a = make_producer("测试·宣威火腿厂 (test)", XUANWEI, "91530381MA0BBB001")
    b = make_producer("测试·陆良食品厂 (test)", LULIANG, "91530322MA0CCC002")
    users = {
        "producer_a": make_user("coop-a", producer=a),
        "producer_b": make_user("coop-b", producer=b),
        "county_in": make_user("xuanwei", staff_of=XUANWEI),
        "county_out": make_user("luliang", staff_of=LULIANG),
        "prefecture_in": make_user("qujing", staff_of=QUJING),
        "prefecture_out": make_user("chuxiong", staff_of=CHUXIONG),
        "province": make_user("yunnan", staff_of=PROVINCE),
    }
    chain = {
        "applicant": users["producer_a"],
        "county": users["county_in"],
        "prefecture": users["prefecture_in"],
        "province": users["province"],
    }

    def at(status):
        return advance(draft(users["producer_a"], a, product), to=status, **chain)

    apps = {
        status: at(status)
        for status in (S.DRAFT, S.SUBMITTED, S.PREFECTURE_REVIEW, S.PROVINCE_REVIEW)
    }
    review = at(S.COUNTY_REVIEW)
    check = services.application_record_onsite_check(
        actor=users["county_in"],
        application=review,
        date=date(2025, 3, 5),
        inspectors="测试检查员 (test)",
        findings="一致。",
        passed=True,
        photos=[png_upload()],
    )
    apps[S.COUNTY_REVIEW] = review
    approved = at(S.PROVINCE_REVIEW)
    last_year = timezone.localdate().year - 1
    authorization = services.application_approve(
        actor=users["province"], application=approved, today=date(last_year, 6, 1)
    )
    b_app = draft(users["producer_b"], b, product)
    screener = Client()
    screener.force_login(users["county_in"])
    screened = screener.post(reverse("labels:staff_screening"), sites_upload())
    return {
        "report": resolve(screened["Location"]).kwargs["report"],
        "users": users,
        "apps": apps,
        "photo": check.photos.get(),
        "authorization": authorization,
        "b_app": b_app,
    }


def expect_portal(owner_code: int):
    """Producer A owns the object; B gets 404; staff are not producer accounts."""
    return {
        "anonymous": LOGIN,
        "producer_a": owner_code,
        "producer_b": 404,
        **{s: 403 for s in STAFF},
    }


def expect_portal_page(code=200):
    return {"anonymous": LOGIN, **{p: code for p in PRODUCERS}, **{s: 403 for s in STAFF}}


def expect_staff_object(code=200, acting=()):
    """An application in 宣威市: 陆良县 and 楚雄州 staff do not reach it at all."""
    out = {
        "anonymous": LOGIN,
        **{p: 403 for p in PRODUCERS},
        "county_out": 404,
        "prefecture_out": 404,
        "county_in": code,
        "prefecture_in": code,
        "province": code,
    }
    if acting != ():
        for staff in ("county_in", "prefecture_in", "province"):
            out[staff] = 302 if staff in acting else 403
    return out


def expect_any_staff(code=200):
    """Bulk screening: every level of staff, wherever their jurisdiction."""
    return {"anonymous": LOGIN, **{p: 403 for p in PRODUCERS}, **{s: code for s in STAFF}}


def expect_own_report():
    """A screening report: only the staff user who ran it (county_in, in world); others 404."""
    return {
        "anonymous": LOGIN,
        **{p: 403 for p in PRODUCERS},
        **{s: 404 for s in STAFF},
        "county_in": 200,
    }


def portal_cases(w):
    draft_app = w["apps"][S.DRAFT]
    site = draft_app.sites.first()
    doc = draft_app.documents.first()
    auth = w["authorization"]
    pk = {"pk": draft_app.pk}
    coords = {"mode": "coords", "coords-coordinates": "104.11, 26.21", "coords-crs": "wgs84"}
    return [
        ("portal", {}, "get", None, expect_portal_page()),
        ("application_new", {}, "get", None, expect_portal_page()),
        ("application_detail", pk, "get", None, expect_portal(200)),
        ("application_edit", pk, "get", None, expect_portal(200)),
        (
            "application_document",
            {**pk, "doc_pk": doc.pk},
            "get",
            None,
            expect_portal(200),
        ),
        ("portal_authorization", {"pk": auth.pk}, "get", None, expect_portal(200)),
        ("application_site_add", pk, "post", coords, expect_portal(302)),
        ("application_site_remove", {**pk, "site_pk": site.pk}, "post", {}, expect_portal(302)),
        (
            "application_document_add",
            pk,
            "post",
            lambda: {"kind": "other", "file": pdf_upload()},
            expect_portal(302),
        ),
        (
            "application_document_remove",
            {**pk, "doc_pk": doc.pk},
            "post",
            {},
            expect_portal(302),
        ),
        ("application_submit", pk, "post", {}, expect_portal(302)),
        (
            "portal_annual_report",
            {"pk": auth.pk},
            "post",
            {"year": auth.year, "labels_printed": 100, "labels_used": 80},
            expect_portal(302),
        ),
        (
            "portal_authorization_change",
            {"pk": auth.pk},
            "post",
            {"output_unit": "吨"},
            expect_portal(302),
        ),
    ]


def staff_cases(w):
    apps = w["apps"]
    review = apps[S.COUNTY_REVIEW]
    doc = review.documents.first()
    onsite = {
        "date": "2025-03-06",
        "inspectors": "测试检查员 (test)",
        "findings": "一致。",
        "passed": "on",
    }
    reason = {"reason": "测试原因 (test)"}

    def action(name, status, data, acting):
        kwargs = {"pk": apps[status].pk, "action": name}
        return (
            "review_action",
            kwargs,
            "post",
            data,
            expect_staff_object(acting=acting),
        )

    return [
        (
            "workbench",
            {},
            "get",
            None,
            {"anonymous": LOGIN, **{p: 403 for p in PRODUCERS}, **{s: 200 for s in STAFF}},
        ),
        ("review", {"pk": review.pk}, "get", None, expect_staff_object()),
        ("staff_document", {"pk": review.pk, "doc_pk": doc.pk}, "get", None, expect_staff_object()),
        (
            "staff_onsite_photo",
            {"pk": review.pk, "photo_pk": w["photo"].pk},
            "get",
            None,
            expect_staff_object(),
        ),
        action("accept", S.SUBMITTED, {}, ["county_in"]),
        action("not_accept", S.SUBMITTED, reason, ["county_in"]),
        action("onsite_check", S.COUNTY_REVIEW, onsite, ["county_in"]),
        action("county_pass", S.COUNTY_REVIEW, {}, ["county_in"]),
        action("return", S.COUNTY_REVIEW, reason, ["county_in"]),
        action("prefecture_pass", S.PREFECTURE_REVIEW, {}, ["prefecture_in"]),
        action("return", S.PREFECTURE_REVIEW, reason, ["prefecture_in"]),
        action("approve", S.PROVINCE_REVIEW, {}, ["province"]),
        action("reject", S.PROVINCE_REVIEW, reason, ["province"]),
        action("return", S.PROVINCE_REVIEW, reason, ["province"]),
        # Nobody acts on a draft, and a stage's action is refused at another stage.
        (
            "review_action",
            {"pk": apps[S.DRAFT].pk, "action": "accept"},
            "post",
            {},
            expect_staff_object(404),
        ),
        action("approve", S.PREFECTURE_REVIEW, {}, []),
        ("staff_screening", {}, "get", None, expect_any_staff()),
        ("staff_screening", {}, "post", sites_upload, expect_any_staff(302)),
        ("staff_screening_result", {"report": w["report"]}, "get", None, expect_own_report()),
        ("staff_screening_download", {"report": w["report"]}, "get", None, expect_own_report()),
    ]


def run_case(client, w, name, kwargs, method, data, expected):
    url = reverse(f"labels:{name}", kwargs=kwargs)
    got = {}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(w["users"][role])
        payload = data() if callable(data) else data
        with transaction.atomic():
            response = getattr(client, method)(url, payload or {})
            transaction.set_rollback(True)
        got[role] = response.status_code
        if response.status_code == LOGIN and role == "anonymous":
            assert response["Location"].startswith(reverse("login")), url
    assert got == expected, url


@pytest.mark.parametrize("index", range(13))
def test_portal_matrix(client, world, index):
    run_case(client, world, *portal_cases(world)[index])


@pytest.mark.parametrize("index", range(20))
def test_workbench_matrix(client, world, index):
    run_case(client, world, *staff_cases(world)[index])


def test_the_matrix_covers_every_url(world):
    covered = {case[0] for case in portal_cases(world) + staff_cases(world)}
    declared = {p.name for p in portal_urls.urlpatterns + staff_urls.urlpatterns}
    assert covered == declared
    assert len(portal_cases(world)) == 13 and len(staff_cases(world)) == 20


def test_ids_from_another_application_give_404(client, world):
    """A's application with B's site or document id: the nested lookups are scoped too."""
    a_app, b_app = world["apps"][S.DRAFT], world["b_app"]
    client.force_login(world["users"]["producer_a"])
    b_site, b_doc = b_app.sites.first(), b_app.documents.first()
    for name, kwargs in [
        ("application_site_remove", {"pk": a_app.pk, "site_pk": b_site.pk}),
        ("application_document_remove", {"pk": a_app.pk, "doc_pk": b_doc.pk}),
    ]:
        assert client.post(reverse(f"labels:{name}", kwargs=kwargs)).status_code == 404
    url = reverse("labels:application_document", kwargs={"pk": a_app.pk, "doc_pk": b_doc.pk})
    assert client.get(url).status_code == 404
    assert b_app.sites.count() == 1 and b_app.documents.count() == 3
    client.force_login(world["users"]["county_in"])
    review = world["apps"][S.COUNTY_REVIEW]
    other_doc = world["apps"][S.SUBMITTED].documents.first()
    url = reverse("labels:staff_document", kwargs={"pk": review.pk, "doc_pk": other_doc.pk})
    assert client.get(url).status_code == 404


def test_staff_never_see_drafts(client, world):
    client.force_login(world["users"]["province"])
    response = client.get(reverse("labels:workbench"))
    listed = {e["application"].pk for e in response.context["to_act"] + response.context["others"]}
    assert world["apps"][S.DRAFT].pk not in listed and world["b_app"].pk not in listed
    assert world["apps"][S.SUBMITTED].pk in listed
