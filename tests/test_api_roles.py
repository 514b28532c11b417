"""Every endpoint under /api/ and /ogc/, for every role: read, write, forbidden, not found.

The routes come from Django's URL resolver, so an endpoint (or a method on one) added
without a row in ``MATRIX`` fails ``test_every_route_and_method_has_a_row``.

Roles (the columns of the matrix, in this order):

    anon      an anonymous client
    owner     the applicant's producer account (宣威演示火腿厂, in 宣威市 530381)
    stranger  another producer's account (陆良演示养殖合作社, in 陆良县 530322)
    county    county staff of 宣威市, the application's county
    other     county staff of 陆良县 (same prefecture, another county)
    pref      prefecture staff of 曲靖市 530300
    prov      province staff (530000)

Authenticated roles send ``Authorization: Token …``, as a system would (a token counts
as its user); ``test_a_session_reaches_what_the_token_reaches`` checks the browser's
session gives the same answers.

The API's convention, as in tests/test_api_workflow.py: what a role may not see at all
(another producer's application, a draft for staff, another county's file, supervision
for a producer) is a 404 ``not_found``, exactly as if the id did not exist; what a role
sees but may not do is a 403 ``permission_denied``; no credentials on a private
endpoint is a 403 ``not_authenticated``. Each write runs inside a savepoint that is
rolled back, so every role meets the same world.
"""

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from girrepo.api.exceptions import MESSAGES
from labels.choices import ApplicationStatus
from tests.api_roles_world import Base, World
from tests.api_routes import api_routes, url_params
from tests.label_factories import (
    PASSWORD,
    XUANWEI,
    XUANWEI_POINT,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
ROLES = ("anon", "owner", "stranger", "county", "other", "pref", "prov")
CATCH_ALL = "api/^.*$"  # the unnamed route answering every other /api/ path with a JSON 404


# -- what a response must be ----------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    code: str | None = None  # the error's machine-readable code
    listed: bool | None = None  # a list: the target is (True) or is not (False) in it

    def __repr__(self) -> str:
        return f"{self.status} {self.code or ''}".strip()


OK = Expect(200)
CREATED = Expect(201)
DELETED = Expect(204)
SEES = Expect(200, listed=True)
HIDDEN = Expect(200, listed=False)
NA = Expect(403, "not_authenticated")
PD = Expect(403, "permission_denied")
NF = Expect(404, "not_found")
BAD = Expect(400, "invalid")
STATE = Expect(400, "invalid_state")

#             anon owner stranger county other  pref  prov
PUBLIC = (OK, OK, OK, OK, OK, OK, OK)
GONE = (NF, NF, NF, NF, NF, NF, NF)  # public, but no such record
OWNER_WRITES = (NA, OK, NF, PD, NF, PD, PD)  # a returned application: only its owner edits
COUNTY_STEP = (NA, PD, NF, OK, NF, PD, PD)
PREF_STEP = (NA, PD, NF, PD, NF, OK, PD)
PROV_STEP = (NA, PD, NF, PD, NF, PD, OK)
SUPERVISE = (NA, NF, NF, OK, NF, OK, OK)  # any staff over the authorization's county


# -- the table --------------------------------------------------------------------------


def pk(target: str, **nested: str) -> Callable:
    """URL kwargs: ``pk`` of the world's ``target``, and e.g. ``site_pk="returned_site"``."""
    return lambda w: (
        {"pk": getattr(w, target).pk} | {k: getattr(w, v).pk for k, v in nested.items()}
    )


def number(target: str) -> Callable:
    return lambda w: {"number": getattr(w, target).number}


def reason(text: str = "演示理由 (test)") -> Callable:
    return lambda w: {"reason": text}


@dataclass(frozen=True)
class Row:
    route: str  # "namespace:url-name" (or CATCH_ALL)
    method: str
    expect: tuple[Expect, ...]  # one per role, in ROLES order
    kwargs: Callable | None = None  # world -> URL kwargs
    data: Callable | None = None  # world -> request body (built anew for every request)
    fmt: str = "json"
    then: str | None = None  # a successful write answers with this "status"
    item: str | None = None  # a list row: the world's record looked for in the results
    case: str = ""

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.route}" + (f" [{self.case}]" if self.case else "")


LAB = "labels-public-api"
APP = f"{LAB}:application"
SUP = f"{LAB}:supervision"
TODAY = dt.date.today().isoformat()


def new_application(w):
    return {"producer": w.holder.pk, "product": w.ham.pk}


def site_geojson(w):
    lon, lat = XUANWEI_POINT
    return {"geojson": {"type": "Point", "coordinates": [lon + 0.01, lat]}, "name": "二号车间"}


def document(w):
    return {"kind": "other", "file": pdf_upload()}


def onsite_check(w):
    return {"date": TODAY, "inspectors": "演示检查员 (test)", "findings": "一致。", "passed": True}


def annual_report(w):
    auth = w.authorization
    return {
        "authorization": auth.number,
        "year": auth.valid_from.year,
        "labels_printed": 1000,
        "labels_used": 800,
    }


def site_check(w):
    return {"product": "宣威火腿", "geometry": {"type": "Point", "coordinates": XUANWEI_POINT}}


def ogc(**kw) -> Callable:
    return lambda w: kw


def planned_use(w):
    return {"planned_label_use": 5000}


def token_login(password: str) -> Callable:
    return lambda w: {"username": w.people.applicant.username, "password": password}


def serious(w):
    return {"reason": "严重违规 (demo)", "serious": True}


def unknown_product(w):
    return {"producer": w.holder.pk, "product": 999_999_999}


# Columns of every expectation tuple: anon, owner, stranger, county, other, pref, prov.
# A row's ``case`` tells several rows of one route and method apart.
# fmt: off
MATRIX: list[Row] = [
    # -- the API's own pages, tokens and the public site check -----------------------
    Row("api-root", "get", PUBLIC),
    Row("api-schema", "get", PUBLIC),
    Row("api-docs", "get", PUBLIC),
    Row(CATCH_ALL, "get", GONE),
    Row("api-token", "post", PUBLIC, data=token_login(PASSWORD)),
    Row("api-token", "post", (BAD,) * 7, data=token_login("wrong"), case="bad password"),
    Row("labels_api:site_check", "post", PUBLIC, data=site_check),
    # -- public registers: everyone reads lists and details ----------------------------
    Row("regions-api:region-list", "get", PUBLIC),
    Row("regions-api:region-detail", "get", PUBLIC, pk("xuanwei")),
    Row("producers-api:producer-list", "get", PUBLIC),
    Row("producers-api:producer-detail", "get", PUBLIC, pk("holder")),
    Row("products-api:giproduct-list", "get", PUBLIC),
    Row("products-api:giproduct-detail", "get", PUBLIC, pk("ham")),
    Row("products-api:category-list", "get", PUBLIC),
    Row("products-api:category-detail", "get", PUBLIC, pk("category")),
    Row("brands-api:gimark-list", "get", PUBLIC),
    Row("brands-api:gimark-detail", "get", PUBLIC, pk("mark")),
    Row("brands-api:famousmark-list", "get", PUBLIC),
    Row("brands-api:famousmark-detail", "get", PUBLIC, pk("well_known")),
    Row("brands-api:customsrecordation-list", "get", PUBLIC),
    Row("brands-api:customsrecordation-detail", "get", PUBLIC, pk("recordation")),
    Row("varieties-api:plantvariety-list", "get", PUBLIC),
    Row("varieties-api:plantvariety-detail", "get", PUBLIC, pk("variety")),
    Row("township_products-api:townshipproduct-list", "get", PUBLIC),
    Row("township_products-api:townshipproduct-detail", "get", PUBLIC, pk("township_product")),
    Row(f"{LAB}:authorization-list", "get", (SEES,) * 7, item="authorization"),
    Row(f"{LAB}:authorization-detail", "get", PUBLIC, number("authorization")),
    Row(f"{LAB}:cancellation-list", "get", (SEES,) * 7, item="cancelled"),
    Row(f"{LAB}:cancellation-list", "get", (HIDDEN,) * 7, item="authorization", case="valid"),
    Row(f"{LAB}:cancellation-detail", "get", PUBLIC, number("cancelled")),
    Row(f"{LAB}:cancellation-detail", "get", GONE, number("authorization"), case="valid"),
    # -- applications: the owner's (drafts too), staff's in scope once submitted -------
    #                                    anon owner    stranger county  other   pref    prov
    Row(f"{APP}-list", "get",            (NA, SEES,    HIDDEN, SEES,   HIDDEN, SEES,   SEES),
        item="submitted"),
    Row(f"{APP}-list", "get",            (NA, SEES,    HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        item="draft", case="draft"),
    Row(f"{APP}-list", "post",           (NA, CREATED, PD,     PD,     PD,     PD,     PD),
        data=new_application, then=S.DRAFT),
    Row(f"{APP}-list", "post",           (NA, BAD,     BAD,    BAD,    BAD,    BAD,    BAD),
        data=unknown_product, case="unknown product"),
    Row(f"{APP}-detail", "get",          (NA, OK,      NF,     OK,     NF,     OK,     OK),
        pk("submitted")),
    Row(f"{APP}-detail", "get",          (NA, OK,      NF,     NF,     NF,     NF,     NF),
        pk("draft"), case="draft"),
    Row(f"{APP}-detail", "patch",        OWNER_WRITES,
        pk("returned"), data=planned_use),
    Row(f"{APP}-detail", "patch",        (NA, PD,      NF,     PD,     NF,     PD,     PD),
        pk("submitted"), data=planned_use, case="submitted"),
    Row(f"{APP}-add-sites", "post",      (NA, CREATED, NF,     PD,     NF,     PD,     PD),
        pk("returned"), data=site_geojson),
    Row(f"{APP}-remove-site", "delete",  (NA, DELETED, NF,     PD,     NF,     PD,     PD),
        pk("returned", site_pk="returned_site")),
    Row(f"{APP}-remove-site", "delete",  (NA, NF,      NF,     NF,     NF,     NF,     NF),
        pk("returned", site_pk="strangers_site"), case="another application's site id"),
    Row(f"{APP}-add-document", "post",   (NA, CREATED, NF,     PD,     NF,     PD,     PD),
        pk("returned"), data=document, fmt="multipart"),
    Row(f"{APP}-remove-document", "delete", (NA, DELETED, NF,  PD,     NF,     PD,     PD),
        pk("returned", doc_pk="returned_document")),
    Row(f"{APP}-remove-document", "delete", (NA, NF,   NF,     NF,     NF,     NF,     NF),
        pk("returned", doc_pk="strangers_document"), case="another application's document id"),
    Row(f"{APP}-submit", "post",         OWNER_WRITES,
        pk("returned"), then=S.SUBMITTED),
    Row(f"{APP}-submit", "post",         (NA, OK,      NF,     NF,     NF,     NF,     NF),
        pk("draft"), then=S.SUBMITTED, case="draft"),
    Row(f"{APP}-accept", "post",         COUNTY_STEP,
        pk("submitted"), then=S.COUNTY_REVIEW),
    Row(f"{APP}-not-accept", "post",     COUNTY_STEP,
        pk("submitted"), data=reason(), then=S.NOT_ACCEPTED),
    Row(f"{APP}-not-accept", "post",     (NA, PD,      NF,     BAD,    NF,     PD,     PD),
        pk("submitted"), data=reason(""), case="no reason"),
    Row(f"{APP}-onsite-check", "post",   COUNTY_STEP,
        pk("county_review"), data=onsite_check, then=S.COUNTY_REVIEW),
    Row(f"{APP}-county-pass", "post",    COUNTY_STEP,
        pk("county_checked"), then=S.PREFECTURE_REVIEW),
    Row(f"{APP}-county-pass", "post",    (NA, PD,      NF,     STATE,  NF,     PD,     PD),
        pk("county_review"), case="no on-site check yet"),
    Row(f"{APP}-prefecture-pass", "post", PREF_STEP,
        pk("prefecture_review"), then=S.PROVINCE_REVIEW),
    Row(f"{APP}-return-", "post",        COUNTY_STEP,
        pk("county_review"), data=reason(), then=S.RETURNED),
    Row(f"{APP}-return-", "post",        PREF_STEP,
        pk("prefecture_review"), data=reason(), then=S.RETURNED, case="prefecture"),
    Row(f"{APP}-return-", "post",        PROV_STEP,
        pk("province_review"), data=reason(), then=S.RETURNED, case="province"),
    Row(f"{APP}-approve", "post",        PROV_STEP,
        pk("province_review"), data=reason(), then=S.APPROVED),
    Row(f"{APP}-reject", "post",         PROV_STEP,
        pk("province_review"), data=reason(), then=S.REJECTED),
    Row(f"{APP}-reject", "post",         (NA, PD,      NF,     PD,     NF,     PD,     BAD),
        pk("province_review"), data=reason(""), case="no reason"),
    # -- annual reports: the holder files; staff over the county read -------------------
    # Someone else's authorization number in the body is a 400 on that field ("no
    # authorization of yours has this number") for those who do not supervise it.
    #                                    anon owner    stranger county  other   pref    prov
    Row(f"{LAB}:annualreport-list", "get",  (NA, SEES, HIDDEN, SEES,   HIDDEN, SEES,   SEES),
        item="report"),
    Row(f"{LAB}:annualreport-list", "post", (NA, CREATED, BAD, PD,     BAD,    PD,     PD),
        data=annual_report),
    # -- supervision: any staff over the authorization's county -------------------------
    Row(f"{SUP}-list", "get",            (NA, HIDDEN,  HIDDEN, SEES,   HIDDEN, SEES,   SEES),
        item="authorization"),
    Row(f"{SUP}-detail", "get",          SUPERVISE,
        number("authorization")),
    Row(f"{SUP}-list-abnormal", "post",  SUPERVISE,
        number("authorization"), data=reason()),
    Row(f"{SUP}-list-abnormal", "post",  (NA, NF,      NF,     BAD,    NF,     BAD,    BAD),
        number("authorization"), data=reason(""), case="no reason"),
    Row(f"{SUP}-order-rectification", "post", SUPERVISE,
        number("abnormal"), data=reason()),
    Row(f"{SUP}-suspend", "post",        SUPERVISE,
        number("rectification"), data=reason(), then="suspended"),
    Row(f"{SUP}-suspend", "post",        (NA, NF,      NF,     STATE,  NF,     STATE,  STATE),
        number("authorization"), data=reason(), case="out of order"),
    Row(f"{SUP}-cancel", "post",         SUPERVISE,
        number("authorization"), data=serious, then="cancelled"),
    Row(f"{SUP}-restore", "post",        SUPERVISE,
        number("abnormal"), data=reason(), then="valid"),
    # -- OGC API - Features: public -------------------------------------------------------
    Row("ogc:landing", "get", PUBLIC),
    Row("ogc:openapi", "get", PUBLIC),
    Row("ogc:conformance", "get", PUBLIC),
    Row("ogc:collections", "get", PUBLIC),
    Row("ogc:collection", "get", PUBLIC, ogc(name="counties")),
    Row("ogc:collection", "get", GONE, ogc(name="no-such-collection"), case="unknown"),
    Row("ogc:items", "get", PUBLIC, ogc(name="counties")),
    Row("ogc:item", "get", PUBLIC, ogc(name="counties", feature_id=XUANWEI)),
]
# fmt: on


ROUTES = api_routes()
ROUTE_PATHS = {route: path for (route, _method), path in ROUTES.items()}


def url_of(row: Row, w) -> str:
    if row.route == CATCH_ALL:
        return "/api/no-such-endpoint/"
    return reverse(row.route, kwargs=row.kwargs(w) if row.kwargs else None)


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


@pytest.fixture(scope="module")
def base(django_db_setup, django_db_blocker):
    """Built once and rolled back after the module; each test runs in a savepoint inside."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield Base()
        transaction.set_rollback(True)


@pytest.fixture
def world(base):
    return World(base)


# -- checking one request ---------------------------------------------------------------------


def send(client: APIClient, row: Row, url: str, w, *, method: str | None = None):
    """The request, inside a savepoint rolled back afterwards: every role meets the same world."""
    data = row.data(w) if row.data else None
    with transaction.atomic():
        call = getattr(client, method or row.method)
        response = call(url) if data is None else call(url, data, format=row.fmt)
        transaction.set_rollback(True)
    return response


def _listed(body: dict, record) -> bool:
    items = body.get("results", body.get("features"))
    assert isinstance(items, list), body
    ident = getattr(record, "number", None) or record.pk
    return any(item.get("number", item.get("id")) == ident for item in items)


def mismatch(response, expect: Expect, *, record=None, then: str | None = None) -> str | None:
    """Why ``response`` is not ``expect`` (None when it is)."""
    status = response.status_code
    if status != expect.status:
        return f"got {status} {response.content[:300]!r}, expected {expect!r}"
    if expect.code is not None:
        try:
            body = json.loads(response.content)
        except ValueError:
            return f"error body is not JSON: {response.content[:200]!r}"
        shape = {k: body.get(k) for k in ("code", "message", "message_zh")}
        en, zh = MESSAGES[expect.code]
        if shape != {"code": expect.code, "message": en, "message_zh": zh}:
            return f"error body {body!r}, expected code {expect.code!r} with its messages"
        return None
    if expect.listed is not None and _listed(json.loads(response.content), record) != expect.listed:
        return f"{'not ' if expect.listed else ''}listed: {response.content[:300]!r}"
    if then is not None and json.loads(response.content).get("status") != then:
        return f"status after the write is not {then!r}: {response.content[:300]!r}"
    return None


# -- the tests ---------------------------------------------------------------------------------


def test_every_route_and_method_has_a_row():
    in_matrix = {(row.route, row.method) for row in MATRIX}
    missing = sorted(set(ROUTES) - in_matrix)
    assert not missing, f"endpoints with no row in MATRIX: {missing}"
    stale = sorted(in_matrix - set(ROUTES))
    assert not stale, f"rows in MATRIX naming no endpoint: {stale}"
    # The resolver does see the API: the workflow's steps and OGC's items among them.
    assert (f"{APP}-approve", "post") in ROUTES and ("ogc:item", "get") in ROUTES
    assert all(len(row.expect) == len(ROLES) for row in MATRIX)
    ids = [row.id for row in MATRIX]
    assert len(set(ids)) == len(ids), "rows of one route and method need distinct cases"


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_role_matrix(world, row):
    url = url_of(row, world)
    record = getattr(world, row.item) if row.item else None
    failures = []
    for role, expect in zip(ROLES, row.expect, strict=True):
        response = send(world.client(role), row, url, world)
        then = row.then if expect.status in (200, 201) else None
        why = mismatch(response, expect, record=record, then=then)
        if why:
            failures.append(f"{role}: {why}")
    assert not failures, f"{row.id} {url}\n" + "\n".join(failures)


# An id no record has, for each kind of URL parameter.
UNKNOWN = {
    "pk": "999999999",
    "site_pk": "999999999",
    "doc_pk": "999999999",
    "number": "YN-GI-2099-99999",
    "name": "no-such-collection",
}
DETAIL_ROWS = {
    (row.route, row.method): row for row in MATRIX if row.kwargs is not None and not row.case
}


@pytest.mark.parametrize("row", DETAIL_ROWS.values(), ids=lambda row: row.id)
def test_unknown_ids_are_json_404s_for_every_role(world, row):
    """Every URL parameter of every detail route, given an id that does not exist: a
    404 ``not_found`` for each role that reaches the endpoint at all."""
    real = row.kwargs(world)
    failures = []
    for param in real:
        kwargs = {**real, param: UNKNOWN.get(param, "999999999")}
        url = reverse(row.route, kwargs=kwargs)
        for role, expect in zip(ROLES, row.expect, strict=True):
            wanted = NA if expect == NA else NF
            response = send(world.client(role), row, url, world)
            why = mismatch(response, wanted)
            if why:
                failures.append(f"{role} {url}: {why}")
    assert not failures, "\n".join(failures)


def test_a_method_an_endpoint_lacks_is_a_json_405(world):
    """PUT, which no endpoint takes, on every route (ids need not exist: the method is
    refused first)."""
    api = world.client("prov")
    failures = []
    for route in sorted({route for route, _method in ROUTES if route != CATCH_ALL}):
        kwargs = {k: UNKNOWN.get(k, "999999999") for k in url_params(ROUTE_PATHS[route])}
        url = reverse(route, kwargs=kwargs)
        if route == "api-docs":  # an HTML page (Swagger UI): only its status is the API's
            response, wanted = api.put(url), Expect(405)
        else:
            response = api.put(url, {}, format="json", HTTP_ACCEPT="application/json")
            wanted = Expect(405, "method_not_allowed")
        why = mismatch(response, wanted)
        if why:
            failures.append(f"PUT {url}: {why}")
    assert not failures, "\n".join(failures)


def test_a_session_reaches_what_the_token_reaches(world):
    """A browser session and a system's token are the same user to the API."""
    rows = [row for row in MATRIX if row.method == "get" and row.route.startswith(LAB)]
    for row in rows:
        url = url_of(row, world)
        for role in ROLES[1:]:
            by_token = world.client(role).get(url)
            by_session = world.client(role, session=True).get(url)
            assert by_session.status_code == by_token.status_code, (row.id, role)
            if by_token.status_code == 200:
                assert json.loads(by_session.content) == json.loads(by_token.content)
