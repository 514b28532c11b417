"""The API's contract: an OpenAPI 3 schema that documents every endpoint, parameter and
error; schemathesis finds no 5xx and no response that breaks the schema; the docs work
offline; CORS only on public reads; anonymous clients are throttled."""

import json
import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import api_factories as f
from tests.label_factories import draft, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()


@pytest.fixture
def openapi() -> dict:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate_schema(openapi)


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_every_operation_documents_itself_and_its_errors(openapi):
    errors = "#/components/schemas/Error"
    operations = list(_operations(openapi))
    assert len(operations) > 40
    for path, method, operation in operations:
        label = f"{method.upper()} {path}"
        if path == "/api/site-check/":
            continue  # documented by its own view (labels/api/views.py)
        assert operation.get("description", "").strip(), label
        responses = operation["responses"]
        for code in ("406", "429"):
            assert code in responses, label
        if "{" in path:
            assert "404" in responses, label
        for code, response in responses.items():
            if code.startswith("4"):
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": errors}, (label, code)
        for parameter in operation.get("parameters", []):
            assert parameter.get("schema"), (label, parameter["name"])


def test_lists_document_their_filters_paging_and_bbox(openapi):
    producers = openapi["paths"]["/api/producers/producers/"]["get"]
    names = {p["name"] for p in producers["parameters"]}
    assert {"q", "region", "region_id", "kind", "status", "bbox", "cursor", "limit"} <= names
    assert "400" in producers["responses"]
    collection = producers["responses"]["200"]["content"]["application/geo+json"]["schema"]
    assert collection["$ref"].endswith("PaginatedProducerFeatureList")
    feature = openapi["components"]["schemas"]["ProducerFeature"]
    assert feature["properties"]["geometry"]


def test_docs_work_offline_from_local_static_files(client):
    html = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 4
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
    assert not re.search(r"https?://", html)


@pytest.mark.browser
def test_swagger_ui_renders_without_leaving_the_server(page, app_server):
    page.goto(f"{app_server.url}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    assert page.locator(".opblock").count() > 40
    assert page.watch.foreign_requests == []


# -- CORS and throttling ------------------------------------------------------------------


def test_cors_only_for_public_reads():
    api = APIClient()
    origin = {"HTTP_ORIGIN": "https://shop.example.com"}
    assert api.get("/api/products/products/", **origin)["Access-Control-Allow-Origin"] == "*"
    assert api.get("/ogc/collections", **origin)["Access-Control-Allow-Origin"] == "*"
    private = api.get("/api/labels/applications/", **origin)
    assert "Access-Control-Allow-Origin" not in private
    preflight = api.options(
        "/api/producers/producers/",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
        **origin,
    )
    allowed = preflight.get("Access-Control-Allow-Methods", "")
    assert "POST" not in allowed and "GET" in allowed
    assert "authorization" not in preflight.get("Access-Control-Allow-Headers", "")


def test_anonymous_clients_are_throttled_users_are_not(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    anon = APIClient()
    for _ in range(3):
        assert anon.get("/api/regions/regions/", {"limit": 1}).status_code == 200
    throttled = anon.get("/api/regions/regions/", {"limit": 1})
    data = json.loads(throttled.content)
    assert throttled.status_code == 429 and data["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    user = APIClient()
    user.force_authenticate(make_user("api-reader"))
    assert user.get("/api/regions/regions/", {"limit": 1}).status_code == 200


# -- schemathesis -------------------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_app(monkeypatch):
    """The WSGI app, in-process over the test database (as Django's test client runs it:
    a request must not close the test's connection), anonymous clients unthrottled."""
    from girrepo.wsgi import application

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": None})
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_5xx_and_no_schema_violation(wsgi_app):
    """Every operation of /api/schema/, a few generated requests each, anonymous and with
    the token of a producer account that has a draft application."""
    reg = f.registers()
    people = f.actors(reg.xuanwei_producer)
    draft(people.applicant, reg.xuanwei_producer, reg.ham)
    token = Token.objects.create(user=people.applicant).key
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    failures, tested = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=6,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            # Identity: the in-process transport does not undo GZipMiddleware.
            plain = {"Accept-Encoding": "identity"}
            case.call_and_validate(checks=CHECKS, headers=plain)
            token_auth = {**plain, "Authorization": f"Token {token}"}
            case.call_and_validate(checks=CHECKS, headers=token_auth)

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # collected, reported together below
            failures.append(f"{operation.label}: {exc}")
        tested += 1
    assert tested > 40
    assert not failures, "\n\n".join(failures)
