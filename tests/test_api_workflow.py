"""The label workflow over the API: each role reads, writes, is forbidden and gets 404s
exactly where the portal and the workbench would, because both call the same services.

Roles: the applicant's producer account, another producer's account, county staff of
宣威市 (530381), county staff of 陆良县 (another county), prefecture staff of 曲靖市,
province staff, an anonymous client, and a system with a token.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from labels.choices import REQUIRED_DOCUMENTS, ApplicationStatus
from labels.models import Application
from tests import api_factories as f
from tests.api_factories import assert_error, body
from tests.label_factories import (
    LULIANG,
    PASSWORD,
    XUANWEI_POINT,
    draft,
    ham_product,
    make_user,
    pdf_upload,
    png_upload,
)

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/labels/applications/"
S = ApplicationStatus


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def ham():
    return ham_product()


@pytest.fixture
def people():
    holder = f.make_producer("宣威演示火腿厂 (demo)", "530381", "91530381MA6AP0001")
    return f.actors(holder)


@pytest.fixture
def stranger():
    other = f.make_producer("陆良演示合作社 (demo)", LULIANG, "93530322MA6AP0002")
    return make_user("api-stranger", producer=other)


@pytest.fixture
def submitted(ham, people):
    application = draft(people.applicant, people.holder, ham)
    response = client_for(people.applicant).post(f"{APPLICATIONS}{application.pk}/submit/")
    assert response.status_code == 200, body(response)
    return application


# -- anonymous and tokens -----------------------------------------------------------


def test_anonymous_clients_can_read_public_registers_but_not_applications(ham):
    anon = APIClient()
    assert anon.get("/api/products/products/").status_code == 200
    assert_error(anon.get(APPLICATIONS), 403, "not_authenticated")
    assert_error(anon.post(APPLICATIONS, {}, format="json"), 403, "not_authenticated")
    assert_error(anon.post("/api/labels/annual-reports/", {}), 403, "not_authenticated")


def test_systems_authenticate_with_a_token(people, ham):
    anon = APIClient()
    response = anon.post(
        "/api/auth/token/", {"username": "api-applicant", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, body(response)
    token = body(response)["token"]
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = system.post(
        APPLICATIONS, {"producer": people.holder.pk, "product": ham.pk}, format="json"
    )
    assert created.status_code == 201, body(created)
    assert body(created)["status"] == S.DRAFT
    wrong = anon.post(
        "/api/auth/token/", {"username": "api-applicant", "password": "nope"}, format="json"
    )
    assert_error(wrong, 400, "invalid")
    forged = APIClient()
    forged.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(forged.get(APPLICATIONS), 403, "authentication_failed")


def test_session_writes_need_the_csrf_token(people, ham):
    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username="api-applicant", password=PASSWORD)
    response = browser.post(
        APPLICATIONS, {"producer": people.holder.pk, "product": ham.pk}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert "CSRF" in body(response)["detail"]


# -- the applicant --------------------------------------------------------------------


def test_applicant_creates_fills_in_and_submits(people, ham):
    api = client_for(people.applicant)
    created = api.post(
        APPLICATIONS,
        {"producer": people.holder.pk, "product": ham.pk, "annual_output": "120.50"},
        format="json",
    )
    assert created.status_code == 201, body(created)
    app = body(created)
    assert (app["status"], app["county"]["code"]) == (S.DRAFT, "530381")
    url = f"{APPLICATIONS}{app['id']}/"

    lon, lat = XUANWEI_POINT
    sites = api.post(
        f"{url}sites/",
        {"geojson": {"type": "Point", "coordinates": [lon, lat]}, "name": "一号车间"},
        format="json",
    )
    assert sites.status_code == 201, body(sites)
    [site] = body(sites)
    assert site["check_result"] == "pass"
    assert site["geometry"] == {"type": "Point", "coordinates": [lon, lat]}
    typed = api.post(f"{url}sites/", {"coordinates": f"{lon + 0.01}, {lat}"}, format="json")
    assert typed.status_code == 201, body(typed)

    not_yet = api.post(f"{url}submit/")
    assert "documents" in assert_error(not_yet, 400, "invalid")["errors"]  # the service's rule
    for kind in REQUIRED_DOCUMENTS:
        doc = api.post(f"{url}documents/", {"kind": kind, "file": pdf_upload()}, format="multipart")
        assert doc.status_code == 201, body(doc)
        assert body(doc)["content_type"] == "application/pdf"

    edited = api.patch(url, {"planned_label_use": 5000}, format="json")
    assert body(edited)["planned_label_use"] == 5000
    submitted = api.post(f"{url}submit/")
    assert body(submitted)["status"] == S.SUBMITTED
    assert [e["action"] for e in body(submitted)["events"]][-1] == "submit"
    # Submitted: no longer the applicant's to edit (labels.rules: edit_application).
    assert_error(api.patch(url, {"varieties": "x"}, format="json"), 403, "permission_denied")
    assert_error(api.post(f"{url}sites/", {"coordinates": "104.1, 26.2"}), 403, "permission_denied")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"geojson": {"type": "Point", "coordinates": [26.219, 104.104]}}, "geojson"),  # swapped
        ({"geojson": {"type": "LineString", "coordinates": [[104, 26], [104.1, 26.1]]}}, "geojson"),
        (
            {
                "geojson": {
                    "type": "Polygon",
                    "coordinates": [
                        [[104, 26], [104.1, 26.1], [104.1, 26], [104, 26.1], [104, 26]]
                    ],
                }
            },
            "geojson",
        ),  # a bow-tie: self-intersecting
        ({"geojson": {"type": "Point"}}, "geojson"),
        ({"coordinates": "east, north"}, "coordinates"),
        (
            {"coordinates": "104.1, 26.2", "geojson": {"type": "Point", "coordinates": [1, 2]}},
            "non_field_errors",
        ),
        ({"coordinates": "104.1, 26.2", "crs": "mars"}, "crs"),
    ],
)
def test_bad_geometry_is_a_400_on_its_field(people, ham, payload, field):
    application = draft(people.applicant, people.holder, ham, with_site=False, documents=())
    response = client_for(people.applicant).post(
        f"{APPLICATIONS}{application.pk}/sites/", payload, format="json"
    )
    data = assert_error(response, 400, "invalid")
    assert field in data["errors"], data
    assert not application.sites.exists()


def test_a_document_is_checked_by_content(people, ham):
    application = draft(people.applicant, people.holder, ham, with_site=False, documents=())
    response = client_for(people.applicant).post(
        f"{APPLICATIONS}{application.pk}/documents/",
        {"kind": "test_report", "file": SimpleUploadedFile("x.pdf", b"not a pdf at all")},
        format="multipart",
    )
    assert "file" in assert_error(response, 400, "invalid")["errors"]
    assert not application.documents.exists()
    photo = client_for(people.applicant).post(
        f"{APPLICATIONS}{application.pk}/documents/",
        {"kind": "other", "file": png_upload()},
        format="multipart",
    )
    assert body(photo)["content_type"] == "image/png"


def test_applicant_removes_sites_and_documents(people, ham):
    application = draft(people.applicant, people.holder, ham)
    api = client_for(people.applicant)
    site = application.sites.get()
    doc = application.documents.first()
    base = f"{APPLICATIONS}{application.pk}/"
    assert api.delete(f"{base}sites/{site.pk}/").status_code == 204
    assert api.delete(f"{base}documents/{doc.pk}/").status_code == 204
    assert not application.sites.exists()
    assert_error(api.delete(f"{base}sites/{site.pk}/"), 404, "not_found")


def test_producers_see_only_their_own_applications(people, ham, stranger):
    application = draft(people.applicant, people.holder, ham)
    mine = body(client_for(people.applicant).get(APPLICATIONS))["results"]
    assert [a["id"] for a in mine] == [application.pk]
    other = client_for(stranger)
    assert body(other.get(APPLICATIONS))["results"] == []
    assert_error(other.get(f"{APPLICATIONS}{application.pk}/"), 404, "not_found")
    assert_error(other.post(f"{APPLICATIONS}{application.pk}/submit/"), 404, "not_found")
    # Applying for someone else's producer is refused by the service.
    refused = other.post(APPLICATIONS, {"producer": people.holder.pk, "product": ham.pk})
    assert_error(refused, 403, "permission_denied")


# -- staff ------------------------------------------------------------------------------


def test_drafts_are_invisible_to_staff(people, ham):
    application = draft(people.applicant, people.holder, ham)
    county = client_for(people.county)
    assert body(county.get(APPLICATIONS))["results"] == []
    assert_error(county.get(f"{APPLICATIONS}{application.pk}/"), 404, "not_found")


def test_review_chain_through_the_api_issues_an_authorization(people, submitted):
    url = f"{APPLICATIONS}{submitted.pk}/"
    county = client_for(people.county)
    queue = body(county.get(APPLICATIONS, {"status": S.SUBMITTED}))["results"]
    assert [a["id"] for a in queue] == [submitted.pk]
    accepted = body(county.post(f"{url}accept/"))
    assert accepted["status"] == S.COUNTY_REVIEW and accepted["onsite_due"]

    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    check = {
        "date": future,
        "inspectors": "演示检查员 (test)",
        "findings": "一致。",
        "passed": True,
    }
    too_early = county.post(f"{url}onsite-check/", check, format="json")
    assert "date" in assert_error(too_early, 400, "invalid")["errors"]  # the form's rule
    assert_error(county.post(f"{url}county-pass/"), 400, "invalid_state")  # no check yet
    check["date"] = dt.date.today().isoformat()
    assert county.post(f"{url}onsite-check/", check, format="json").status_code == 200
    assert body(county.post(f"{url}county-pass/"))["status"] == S.PREFECTURE_REVIEW

    prefecture = client_for(people.prefecture)
    assert_error(prefecture.post(f"{url}approve/"), 403, "permission_denied")
    assert body(prefecture.post(f"{url}prefecture-pass/"))["status"] == S.PROVINCE_REVIEW
    province = client_for(people.province)
    approved = body(province.post(f"{url}approve/", {"reason": "符合要求"}, format="json"))
    assert approved["status"] == S.APPROVED
    number = approved["authorization"]
    public = APIClient().get(f"/api/labels/authorizations/{number}/")
    assert body(public)["status"] == "valid"


def test_staff_are_scoped_and_levelled(people, submitted):
    url = f"{APPLICATIONS}{submitted.pk}/"
    elsewhere = client_for(make_user("api-luliang-staff", staff_of=LULIANG))
    assert body(elsewhere.get(APPLICATIONS))["results"] == []
    assert_error(elsewhere.post(f"{url}accept/"), 404, "not_found")
    prefecture = client_for(people.prefecture)
    assert body(prefecture.get(url))["status"] == S.SUBMITTED  # sees it, read-only
    assert_error(prefecture.post(f"{url}accept/"), 403, "permission_denied")
    applicant = client_for(people.applicant)
    assert_error(applicant.post(f"{url}accept/"), 403, "permission_denied")


def test_not_accepting_and_returning_need_a_reason(people, submitted):
    url = f"{APPLICATIONS}{submitted.pk}/"
    county = client_for(people.county)
    data = assert_error(county.post(f"{url}not-accept/", {}, format="json"), 400, "invalid")
    assert "reason" in data["errors"]
    county.post(f"{url}accept/")
    returned = county.post(f"{url}return/", {"reason": "补充检测报告"}, format="json")
    assert body(returned)["status"] == S.RETURNED
    # Returned: the applicant may edit again.
    edit = client_for(people.applicant).patch(url, {"varieties": "乌金猪"}, format="json")
    assert body(edit)["varieties"] == "乌金猪"


# -- annual reports ---------------------------------------------------------------------


def test_holders_file_annual_reports_others_may_not(people, ham, stranger):
    authorization = f.authorization(ham, people)
    year = authorization.valid_from.year
    report = {
        "authorization": authorization.number,
        "year": year,
        "labels_printed": 1000,
        "labels_used": 800,
    }
    holder = client_for(people.applicant)
    filed = holder.post("/api/labels/annual-reports/", report, format="json")
    assert filed.status_code == 201, body(filed)
    assert body(filed)["authorization"] == authorization.number
    again = holder.post("/api/labels/annual-reports/", report, format="json")
    assert "year" in assert_error(again, 400, "invalid")["errors"]
    too_many = {**report, "year": year - 1, "labels_used": 2000}
    assert assert_error(
        holder.post("/api/labels/annual-reports/", too_many, format="json"), 400, "invalid"
    )["errors"]
    staff = client_for(people.county)
    assert_error(
        staff.post("/api/labels/annual-reports/", report, format="json"), 403, "permission_denied"
    )
    data = assert_error(
        client_for(stranger).post("/api/labels/annual-reports/", report, format="json"),
        400,
        "invalid",
    )
    assert "authorization" in data["errors"]
    assert [r["year"] for r in body(holder.get("/api/labels/annual-reports/"))["results"]] == [year]
    assert [r["year"] for r in body(staff.get("/api/labels/annual-reports/"))["results"]] == [year]
    assert body(client_for(stranger).get("/api/labels/annual-reports/"))["results"] == []


def test_application_list_has_a_fixed_number_of_queries(people, ham):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    draft(people.applicant, people.holder, ham)
    api = client_for(people.applicant)
    with CaptureQueriesContext(connection) as one:
        api.get(APPLICATIONS)
    for _ in range(3):
        draft(people.applicant, people.holder, ham)
    with CaptureQueriesContext(connection) as four:
        response = api.get(APPLICATIONS)
    assert len(body(response)["results"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
    assert Application.objects.count() == 4


# -- supervision ------------------------------------------------------------------------


def test_staff_supervise_authorizations_in_their_jurisdiction(people, ham, stranger):
    authorization = f.authorization(ham, people)
    url = f"/api/labels/supervision/{authorization.number}/"
    county = client_for(people.county)
    assert [a["number"] for a in body(county.get("/api/labels/supervision/"))["results"]] == [
        authorization.number
    ]
    out_of_order = county.post(f"{url}suspend/", {"reason": "未按标准生产"}, format="json")
    assert_error(out_of_order, 400, "invalid_state")
    no_reason = county.post(f"{url}list-abnormal/", {"reason": ""}, format="json")
    assert "reason" in assert_error(no_reason, 400, "invalid")["errors"]
    for step in ("list-abnormal", "order-rectification", "suspend"):
        response = county.post(f"{url}{step}/", {"reason": "未按标准生产 (demo)"}, format="json")
        assert response.status_code == 200, body(response)
    assert body(response)["status"] == "suspended"
    elsewhere = client_for(make_user("api-luliang-supervisor", staff_of=LULIANG))
    assert_error(elsewhere.post(f"{url}cancel/", {"reason": "x"}, format="json"), 404, "not_found")
    assert_error(client_for(stranger).get(url), 404, "not_found")
    assert_error(client_for(people.applicant).get(url), 404, "not_found")
    cancelled = county.post(f"{url}cancel/", {"reason": "整改期满未改正 (demo)"}, format="json")
    assert body(cancelled)["status"] == "cancelled"
    public = body(APIClient().get("/api/labels/cancellations/"))["results"]
    assert [(c["number"], c["cancellation"]["reason"]) for c in public] == [
        (authorization.number, "整改期满未改正 (demo)")
    ]


def test_permission_is_checked_before_the_input(people, submitted):
    """A role that may not act gets 403 whatever it sends, never its input's errors."""
    url = f"{APPLICATIONS}{submitted.pk}"
    onsite = client_for(people.prefecture).post(f"{url}/onsite-check/", {}, format="json")
    assert_error(onsite, 403, "permission_denied")
    sites = client_for(people.county).post(f"{url}/sites/", {}, format="json")
    assert_error(sites, 403, "permission_denied")
    # The applicant may still edit a returned or draft application only, not a submitted one.
    mine = client_for(people.applicant).post(f"{url}/sites/", {}, format="json")
    assert_error(mine, 403, "permission_denied")
