"""``labels.api.fastpath.SiteCheckApp``: the public site check answered before Django's
handler runs, with the same status, headers and body as the full stack; anything it
was not written for goes to Django untouched."""

import gzip
import json

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory

from labels.api import fastpath

from .test_sitecheck import facts_fixture, gi_facts_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

URL = "/api/site-check/"
XUANWEI_TOWN = {"type": "Point", "coordinates": [104.104, 26.219]}
KUNMING = {"type": "Point", "coordinates": [102.71, 25.04]}
FIELD = {
    "type": "Polygon",
    "coordinates": [
        [[104.10, 26.21], [104.102, 26.21], [104.102, 26.212], [104.10, 26.212], [104.10, 26.21]]
    ],
}


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()  # throttle histories live in the cache
    yield
    cache.clear()


class Passed(Exception):
    """The fast path handed the request to Django."""


def django_app(environ, start_response):
    raise Passed(environ["wsgi.input"].read())


@pytest.fixture
def app():
    # In a test transaction, checking the connection as the request signals do would
    # close it: disconnected, as Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield fastpath.SiteCheckApp(django_app)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fast(app, body, content_type="application/json", method="post", **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    environ = getattr(RequestFactory(), method)(
        URL, data=data, content_type=content_type, **extra
    ).environ
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, headers

    content = b"".join(app(environ, start_response))
    return int(seen["status"].split()[0]), seen["headers"], content


def full(body, content_type="application/json", **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = Client().post(URL, data=data, content_type=content_type, **extra)
    return response.status_code, list(response.items()), response.content


def same(a, b):
    """Status, header names and values (any order) and body; a gzipped body compared
    unzipped (GZipMiddleware adds random bytes to each), and its length with it."""
    (status_a, headers_a, body_a), (status_b, headers_b, body_b) = a, b
    assert status_a == status_b
    ha, hb = dict(headers_a), dict(headers_b)
    assert len(ha) == len(headers_a) and len(hb) == len(headers_b)
    if ha.get("Content-Encoding") == "gzip":
        body_a, body_b = gzip.decompress(body_a), gzip.decompress(body_b)
        del ha["Content-Length"], hb["Content-Length"]
    assert ha == hb
    assert body_a == body_b
    return json.loads(body_a)


SCENARIOS = {
    "pass by name": {"product": "宣威火腿", "geometry": XUANWEI_TOWN},
    "fail": {"product": "宣威火腿", "geometry": KUNMING},
    "polygon": {"product": "宣威火腿", "geometry": FIELD},
    "gcj02": {"product": "宣威火腿", "geometry": XUANWEI_TOWN, "crs": "gcj02"},
    "approximate": {"product": "普洱茶", "geometry": KUNMING},
    "swapped": {"product": "宣威火腿", "geometry": {"type": "Point", "coordinates": [26.2, 104.1]}},
    "unknown product": {"product": "不存在的产品", "geometry": XUANWEI_TOWN},
    "missing fields": {},
    "not an object": [1, 2],
    "line": {"product": 1, "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]}},
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_answer_as_the_full_stack(app, facts, name):
    body = SCENARIOS[name]
    answer = same(fast(app, body), full(body))
    if name == "pass by name":
        assert answer["result"] == "pass" and answer["county"]["code"] == "530381"


@pytest.mark.parametrize(
    "raw", ['{"product": "宣威火腿", "geometry": ', '{"product": NaN}', "", "\ufeff{}"]
)
def test_bad_json_same_as_the_full_stack(app, facts, raw):
    if raw == "":
        with pytest.raises(Passed):  # an empty body is Django's to answer
            fast(app, raw)
        return
    answer = same(fast(app, raw), full(raw))
    assert answer["code"] == "invalid"


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_ACCEPT_ENCODING": "gzip, deflate"},
        {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.8"},
        {"HTTP_COOKIE": "django_language=en"},
        {"HTTP_X_FORWARDED_FOR": "203.0.113.9"},
    ],
)
def test_headers_follow_the_request_as_the_middleware_does(app, facts, extra):
    body = SCENARIOS["pass by name"]
    a, b = fast(app, body, **extra), full(body, **extra)
    same(a, b)
    headers = dict(a[1])
    if "HTTP_ACCEPT_ENCODING" in extra:
        assert headers["Content-Encoding"] == "gzip"
    if "HTTP_ACCEPT_LANGUAGE" in extra or "HTTP_COOKIE" in extra:
        assert headers["Content-Language"] == "en"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_charset_in_the_content_type(app, facts):
    body = SCENARIOS["pass by name"]
    content_type = "application/json; charset=utf-8"
    same(fast(app, body, content_type=content_type), full(body, content_type=content_type))


def test_throttled_as_the_full_stack(app, facts, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "site_check": "2/min",
        },
    }
    body = SCENARIOS["fail"]
    fast_answers = [fast(app, body, HTTP_X_FORWARDED_FOR="198.51.100.1") for _ in range(3)]
    full_answers = [full(body, HTTP_X_FORWARDED_FOR="198.51.100.2") for _ in range(3)]
    assert [a[0] for a in fast_answers] == [a[0] for a in full_answers] == [200, 200, 429]
    answer = same(fast_answers[2], full_answers[2])
    assert answer["code"] == "throttled"
    # The two paths share one throttle: the fast path's client is refused by Django too.
    assert full(body, HTTP_X_FORWARDED_FOR="198.51.100.1")[0] == 429


@pytest.mark.parametrize(
    "kwargs",
    [
        {"HTTP_ORIGIN": "https://example.org"},  # cross-origin: CORS is Django's
        {"content_type": "text/plain"},  # refused with a 415 by DRF
        {"method": "put"},
        {"content_type": "application/x-www-form-urlencoded"},
    ],
)
def test_what_it_was_not_written_for_goes_to_django_with_its_body(app, kwargs):
    body = json.dumps(SCENARIOS["pass by name"])
    with pytest.raises(Passed) as passed:
        fast(app, body, **kwargs)
    assert passed.value.args[0] == body.encode()


def test_other_paths_go_to_django(app):
    environ = RequestFactory().post(
        "/api/site-check/x/", data="{}", content_type="application/json"
    )
    with pytest.raises(Passed):
        app(environ.environ, lambda *a: None)


def test_steps_aside_when_the_middleware_changes(facts, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.http.ConditionalGetMiddleware"]
    app = fastpath.SiteCheckApp(django_app)
    assert not app.enabled
    with pytest.raises(Passed):
        fast(app, SCENARIOS["pass by name"])


def test_its_own_failure_goes_to_django(app, facts, monkeypatch):
    def broken(data):
        raise RuntimeError("boom")

    monkeypatch.setattr(fastpath, "check_reply", broken)
    body = json.dumps(SCENARIOS["pass by name"])
    with pytest.raises(Passed) as passed:
        fast(app, body)
    assert passed.value.args[0] == body.encode()


def test_the_wsgi_entry_point_uses_it():
    from girrepo import wsgi

    inner = wsgi.application.application
    assert isinstance(inner, fastpath.SiteCheckApp) and inner.enabled


def test_sends_django_s_request_signals(app, facts):
    """Their receivers (the connection check among them) run as for any request."""
    seen = []

    def started(sender, **kwargs):
        seen.append(("started", kwargs["environ"]["PATH_INFO"]))

    def finished(sender, **kwargs):
        seen.append(("finished", sender))

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        fast(app, SCENARIOS["pass by name"])
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert seen == [("started", URL), ("finished", fastpath.SiteCheckApp)]
