"""The staff workbench: the queue of a jurisdiction with filters and due dates, and the
review page with its map, documents, timeline and the actions the rules allow."""

import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Polygon
from django.urls import reverse
from django.utils import timezone

from labels import intake, services
from labels.choices import ApplicationStatus, CheckResult
from tests.label_factories import (
    LULIANG,
    LULIANG_POINT,
    PROVINCE,
    QUJING,
    XUANWEI,
    XUANWEI_POINT,
    advance,
    draft,
    ham_product,
    make_producer,
    make_user,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def w():
    product = ham_product()
    a = make_producer("测试·宣威火腿厂 (test)", XUANWEI, "91530381MA0BBB001")
    b = make_producer("测试·陆良食品厂 (test)", LULIANG, "91530322MA0CCC002")
    users = {
        "a": make_user("coop-a", producer=a),
        "b": make_user("coop-b", producer=b),
        "county": make_user("xuanwei", staff_of=XUANWEI),
        "luliang": make_user("luliang", staff_of=LULIANG),
        "prefecture": make_user("qujing", staff_of=QUJING),
        "province": make_user("yunnan", staff_of=PROVINCE),
    }
    chain = {
        "applicant": users["a"],
        "county": users["county"],
        "prefecture": users["prefecture"],
        "province": users["province"],
    }
    return {"product": product, "a": a, "b": b, "users": users, "chain": chain}


def at(w, status, *, producer="a"):
    chain = dict(w["chain"])
    if producer == "b":
        chain.update(applicant=w["users"]["b"], county=w["users"]["luliang"])
    point = LULIANG_POINT if producer == "b" else XUANWEI_POINT
    application = draft(chain["applicant"], w[producer], w["product"], point=point)
    return advance(application, to=status, **chain)


def queue(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("labels:workbench"), params)
    assert response.status_code == 200
    ids = lambda rows: [e["application"].pk for e in rows]  # noqa: E731
    return response, ids(response.context["to_act"]), ids(response.context["others"])


def test_county_queue_is_its_own_county_at_its_own_stage(client, w):
    submitted = at(w, S.SUBMITTED)
    further = at(w, S.PREFECTURE_REVIEW)
    elsewhere = at(w, S.SUBMITTED, producer="b")
    at(w, S.DRAFT)
    _r, to_act, others = queue(client, w["users"]["county"])
    assert to_act == [submitted.pk] and others == [further.pk]
    _r, to_act, others = queue(client, w["users"]["luliang"])
    assert (to_act, others) == ([elsewhere.pk], [])


def test_prefecture_and_province_queues(client, w):
    mine = at(w, S.PREFECTURE_REVIEW)
    theirs = at(w, S.SUBMITTED, producer="b")
    top = at(w, S.PROVINCE_REVIEW)
    _r, to_act, others = queue(client, w["users"]["prefecture"])
    assert to_act == [mine.pk] and set(others) == {theirs.pk, top.pk}
    _r, to_act, others = queue(client, w["users"]["province"])
    assert to_act == [top.pk] and set(others) == {theirs.pk, mine.pk}


def test_overdue_onsite_checks_are_flagged_and_filterable(client, w):
    late = at(w, S.COUNTY_REVIEW)
    on_time = at(w, S.COUNTY_REVIEW)
    type(late).objects.filter(pk=late.pk).update(
        onsite_due=timezone.localdate() - timedelta(days=1)
    )
    response, to_act, _others = queue(client, w["users"]["county"])
    assert to_act == [late.pk, on_time.pk]  # the most urgent first
    flags = {e["application"].pk: e["overdue"] for e in response.context["to_act"]}
    assert flags == {late.pk: True, on_time.pk: False}
    assert response.context["overdue_count"] == 1
    assert "overdue" in response.content.decode()
    _r, to_act, _o = queue(client, w["users"]["county"], overdue="true")
    assert to_act == [late.pk]


def test_queue_filters_by_status_county_product_and_check(client, w):
    a = at(w, S.SUBMITTED)
    b = at(w, S.PREFECTURE_REVIEW, producer="b")
    prefecture = w["users"]["prefecture"]
    luliang = b.county
    _r, to_act, others = queue(client, prefecture, status=S.SUBMITTED)
    assert (to_act, others) == ([], [a.pk])
    _r, to_act, others = queue(client, prefecture, county=luliang.pk)
    assert (to_act, others) == ([b.pk], [])
    # The Luliang site is outside the Xuanwei ham area: its check failed.
    assert b.site_check_result == CheckResult.FAIL
    _r, to_act, others = queue(client, prefecture, site_check_result="fail")
    assert (to_act, others) == ([b.pk], [])
    _r, to_act, others = queue(client, prefecture, product=w["product"].pk)
    assert sorted(to_act + others) == sorted([a.pk, b.pk])
    response, _t, _o = queue(client, prefecture, county=999999999)
    assert response.context["filter"].errors  # an unknown county is an error, not everything


ACTIONS_BY_STAGE = [
    (S.SUBMITTED, "county", ["accept", "not_accept"]),
    (S.COUNTY_REVIEW, "county", ["onsite_check", "county_pass", "return"]),
    (S.PREFECTURE_REVIEW, "prefecture", ["prefecture_pass", "return"]),
    (S.PROVINCE_REVIEW, "province", ["approve", "reject", "return"]),
    (S.PROVINCE_REVIEW, "county", []),
    (S.SUBMITTED, "province", []),
]


@pytest.mark.parametrize("status,who,actions", ACTIONS_BY_STAGE)
def test_review_page_offers_only_the_allowed_actions(client, w, status, who, actions):
    application = at(w, status)
    client.force_login(w["users"][who])
    response = client.get(reverse("labels:review", kwargs={"pk": application.pk}))
    assert [a.name for a, _form in response.context["actions"]] == actions
    html = response.content.decode()
    for name in actions:
        assert (
            reverse("labels:review_action", kwargs={"pk": application.pk, "action": name}) in html
        )
    if not actions:
        assert 'id="no-actions"' in html


def test_review_map_highlights_the_outside_part_and_neighbours(client, w):
    application = draft(w["users"]["a"], w["a"], w["product"], with_site=False)
    county = application.county.geom
    xmin, ymin, xmax, ymax = county.extent
    # A rectangle across the county's eastern edge: part inside, part outside.
    east = county.intersection(Polygon.from_bbox((xmax - 0.2, ymin, xmax + 0.2, ymax)))
    straddling = Polygon.from_bbox(east.buffer(-0.01).envelope.extent)
    intake.application_add_site(
        actor=w["users"]["a"], application=application, geometry=straddling, name="跨界地块"
    )
    # Another producer's approved site a few kilometres away.
    cx, cy = straddling.centroid.coords
    nearby = draft(w["users"]["b"], w["b"], w["product"], with_site=False)
    intake.application_add_site(
        actor=w["users"]["b"],
        application=nearby,
        geometry=Polygon.from_bbox((cx - 0.06, cy, cx - 0.05, cy + 0.01)),
        name="邻近地块",
    )
    chain = dict(w["chain"], applicant=w["users"]["b"], county=w["users"]["luliang"])
    services.application_approve(
        actor=w["users"]["province"], application=advance(nearby, to=S.PROVINCE_REVIEW, **chain)
    )
    advance(application, to=S.SUBMITTED, **w["chain"])
    site = application.sites.get()
    assert site.check_result == CheckResult.FAIL
    assert site.check_details.get("outside"), site.check_details
    client.force_login(w["users"]["county"])
    response = client.get(reverse("labels:review", kwargs={"pk": application.pk}))
    html = response.content.decode()
    assert "#dc3545" in html  # the outside part, in red
    corner = site.check_details["outside"]["coordinates"][0][0][0]
    assert f"{corner[0]}" in html and f"{corner[1]}" in html
    # The neighbouring approved site, labelled (folium writes JSON with \\u escapes).
    assert json.dumps("测试·陆良食品厂")[1:-1] in html
    assert "part outside" in html


def test_action_errors_name_the_field(client, w):
    application = at(w, S.PROVINCE_REVIEW)
    client.force_login(w["users"]["province"])
    url = reverse("labels:review_action", kwargs={"pk": application.pk, "action": "reject"})
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    forms = dict((a.name, f) for a, f in response.context["actions"])
    assert "reason" in forms["reject"].errors
    assert response.context["open_action"] == "reject"
    application.refresh_from_db()
    assert application.status == S.PROVINCE_REVIEW


def test_onsite_check_in_the_future_is_refused_on_its_date(client, w):
    application = at(w, S.COUNTY_REVIEW)
    client.force_login(w["users"]["county"])
    url = reverse("labels:review_action", kwargs={"pk": application.pk, "action": "onsite_check"})
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(url, {"date": tomorrow, "inspectors": "x", "findings": "x"})
    assert response.status_code == 400
    forms = dict((a.name, f) for a, f in response.context["actions"])
    assert "date" in forms["onsite_check"].errors
    assert not application.onsite_checks.exists()


def test_county_pass_without_check_is_a_form_error_not_a_crash(client, w):
    application = at(w, S.COUNTY_REVIEW)
    client.force_login(w["users"]["county"])
    url = reverse("labels:review_action", kwargs={"pk": application.pk, "action": "county_pass"})
    response = client.post(url, {})
    assert response.status_code == 400
    assert "Record a passed on-site check" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.COUNTY_REVIEW


def test_review_page_lists_documents_and_timeline(client, w):
    application = at(w, S.SUBMITTED)
    client.force_login(w["users"]["county"])
    response = client.get(reverse("labels:review", kwargs={"pk": application.pk}))
    html = response.content.decode()
    for doc in application.documents.all():
        assert (
            reverse("labels:staff_document", kwargs={"pk": application.pk, "doc_pk": doc.pk})
            in html
        )
    labels = [row["label"] for row in response.context["events"]]
    assert labels[0] == "Application created" and labels[-1] == "Submitted"
    doc = application.documents.first()
    download = client.get(
        reverse("labels:staff_document", kwargs={"pk": application.pk, "doc_pk": doc.pk})
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
