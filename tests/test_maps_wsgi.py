"""``maps.wsgi.MapDataApp``: repeated map data requests answered before Django runs,
only while the data version they were built for is current; unfiltered tiles built
before Django runs, by the tile endpoint's own code, byte for byte as the view sends them.
"""

import contextlib
from io import BytesIO

import pytest
from django.test import RequestFactory

from maps import caching, views, wsgi
from tests.test_maps_data import (  # noqa: F401  (fixtures)
    LULIANG_TILE,
    XUANWEI,
    XUANWEI_TILE,
    fire_deferred_triggers,
    fresh_map_caches,
    make_ham,
    map_mesh,
    region,
    tile_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ham(db):
    return make_ham()


class FakeWatcher:
    """Stands in for the LISTEN connection, which sees only committed versions."""

    def __init__(self, versions: dict[str, int]):
        self.current = versions

    def versions(self):
        return self.current


@pytest.fixture
def watched(monkeypatch, settings):
    settings.GIRREPO_MAP_VERSION_WATCH = False
    fake = FakeWatcher(table_versions())
    settings.GIRREPO_MAP_VERSION_WATCH = True
    monkeypatch.setattr("maps.caching.watcher", fake)
    monkeypatch.setattr("maps.wsgi.watcher", fake)
    monkeypatch.setattr(wsgi.store, "enabled", True)  # as MapDataApp() sets it
    wsgi.store.clear()
    yield fake
    wsgi.store.clear()


CONNECTION_CHECKS: list[str] = []


@contextlib.contextmanager
def keep_test_transaction():
    """As Django's test client does for the request signals: the connection check
    must not close the connection holding the test's transaction (outside tests it
    drops broken or expired connections). Each check is recorded instead."""
    original = wsgi.close_old_connections
    wsgi.close_old_connections = lambda: CONNECTION_CHECKS.append("checked")
    try:
        yield
    finally:
        wsgi.close_old_connections = original


def table_versions() -> dict[str, int]:
    from django.db import connection

    from maps.versions import VERSIONS_SQL

    with connection.cursor() as cur:
        cur.execute(VERSIONS_SQL)
        return dict(cur.fetchall())


def call(app, url: str, method: str = "GET", **headers) -> tuple[str, dict, bytes]:
    status, headers, body = call_raw(app, url, method, **headers)
    return status, dict(headers), body


def call_raw(app, url: str, method: str = "GET", **headers) -> tuple[str, list, bytes]:
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": BytesIO(b""),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, list(response_headers)

    with keep_test_transaction():
        body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def django_never_called(environ, start_response):
    raise AssertionError(f"Django was called for {environ['PATH_INFO']}")


def test_a_tile_served_once_is_answered_again_without_django(client, watched):
    url = tile_url("counties,areas", *XUANWEI_TILE)
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200
    app = wsgi.MapDataApp(django_never_called)
    status, headers, body = call(app, url, accept_encoding="gzip")
    assert status == "200 OK" and body == first.content
    assert headers["Content-Encoding"] == "gzip" and headers["ETag"] == first["ETag"]
    assert headers["Cache-Control"] == first["Cache-Control"]
    assert headers["Content-Length"] == str(len(body))
    status, _headers, body = call(app, url, if_none_match=first["ETag"])
    assert status.startswith("304") and body == b""
    _status, headers, raw = call(app, url)  # no gzip asked for
    assert "Content-Encoding" not in headers and len(raw) > len(body)


def test_a_data_change_sends_a_filtered_request_to_django_again(client, watched):
    url = tile_url("counties,areas", *XUANWEI_TILE, "category=no-such-category-anywhere")
    assert client.get(url).status_code == 400  # built by Django (filters), not remembered
    url = tile_url("marks", *XUANWEI_TILE, "region=530381")
    assert client.get(url).status_code == 200
    path, _, query = url.partition("?")
    assert wsgi.store.get(path, query) is not None
    watched.current = {**watched.current, "marks": watched.current["marks"] + 1}
    calls = []

    def django(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"rebuilt"]

    assert call(wsgi.MapDataApp(django), url)[2] == b"rebuilt"
    assert calls == [path]


def test_other_urls_and_unknown_queries_go_to_django(client, watched):
    url = tile_url("counties", *XUANWEI_TILE)
    client.get(url)

    def django(environ, start_response):
        start_response("200 OK", [])
        return [b"django"]

    app = wsgi.MapDataApp(django)
    assert call(app, url + "&other=1")[2] == b"django"
    assert call(app, "/products/")[2] == b"django"


def test_nothing_is_remembered_without_the_watcher(client, settings, monkeypatch):
    monkeypatch.setattr(wsgi.store, "enabled", True)
    wsgi.store.clear()
    settings.GIRREPO_MAP_VERSION_WATCH = False
    path = tile_url("counties", *XUANWEI_TILE).split("?")[0]
    client.get(tile_url("counties", *XUANWEI_TILE))
    assert wsgi.store.get(path, "layers=counties") is None


def test_nothing_is_remembered_unless_the_wrapper_is_installed(client, watched, monkeypatch):
    monkeypatch.setattr(wsgi.store, "enabled", False)
    path = tile_url("counties", *XUANWEI_TILE).split("?")[0]
    client.get(tile_url("counties", *XUANWEI_TILE))
    assert wsgi.store.get(path, "layers=counties") is None
    wsgi.MapDataApp(django_never_called)  # installing it turns the store on
    assert wsgi.store.enabled
    client.get(tile_url("counties", *XUANWEI_TILE))
    assert wsgi.store.get(path, "layers=counties") is not None


def test_the_store_is_bounded():
    store = wsgi.ResponseStore(max_entries=2)
    entry = wsgi.Entry(("regions",), 1, "x", 'W/"x.1"', "no-cache", b"", None)
    for n in range(3):
        store.put(f"/map/tiles/{n}.pbf", "", entry)
    assert store.get("/map/tiles/0.pbf", "") is None
    assert store.get("/map/tiles/2.pbf", "") is entry


# --- unfiltered tiles built before Django runs ------------------------------------------


def view_response(url: str, method: str = "GET", **headers):
    """The tile view itself, as Django's URL resolver calls it."""
    path, _, query = url.partition("?")
    request = getattr(RequestFactory(), method.lower())(
        path, data=None, QUERY_STRING=query, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}
    )
    request.META["QUERY_STRING"] = query
    z, x, y = (int(n) for n in path.removesuffix(".pbf").split("/")[-3:])
    return views.tile(request, z=z, x=x, y=y)


def reset_caches():
    caching.map_cache().clear()
    wsgi.store.clear()


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (tile_url("counties,areas", *XUANWEI_TILE), {"accept_encoding": "gzip"}),
        (tile_url("counties,areas", *XUANWEI_TILE), {}),
        (tile_url("counties,areas,marks,varieties,prefectures", *LULIANG_TILE), {}),
        (tile_url("counties", 5, 25, 13), {"accept_encoding": "gzip, deflate"}),
        ("/map/tiles/8/202/108.pbf", {"accept_encoding": "gzip"}),  # every layer
        (tile_url("areas", 3, 0, 0), {}),  # an empty tile
        (tile_url("nosuchlayer", *XUANWEI_TILE), {}),  # 400
        (tile_url("counties", 23, 0, 0), {}),  # 404: zoom out of range
        ("/map/tiles/8/256/0.pbf?layers=counties", {}),  # 404: x out of range
    ],
)
@pytest.mark.parametrize("watching", [True, False])
def test_uncached_tile_built_before_django_is_the_views_response(
    client, watched, settings, ham, url, headers, watching
):
    settings.GIRREPO_MAP_VERSION_WATCH = watching
    watched.current = table_versions()
    app = wsgi.MapDataApp(django_never_called)
    reset_caches()
    status, fast_headers, body = call_raw(app, url, **headers)
    reset_caches()
    view = view_response(url, **headers)
    assert status == f"{view.status_code} {view.reason_phrase}"
    assert fast_headers == list(view.headers.items())  # same headers, same order
    assert body == view.content
    if status.startswith("200"):
        assert dict(fast_headers)["Content-Length"] == str(len(body))
        assert "Vary" in dict(fast_headers) and "ETag" in dict(fast_headers)
    if "gzip" in headers.get("accept_encoding", "") and len(body) > 300:
        assert dict(fast_headers)["Content-Encoding"] == "gzip"
    reset_caches()
    # Through the whole Django stack (the early middleware answers): the same reply.
    response = client.get(url, **{f"HTTP_{k.upper()}": v for k, v in headers.items()})
    assert response.status_code == view.status_code and response.content == body
    for name, value in fast_headers:
        assert response[name] == value


def test_an_unfiltered_tile_is_built_stored_and_answered_without_django(
    client, watched, ham, django_assert_num_queries
):
    url = tile_url("counties,areas", *XUANWEI_TILE, "v=7")
    app = wsgi.MapDataApp(django_never_called)
    status, headers, body = call(app, url)
    assert status == "200 OK"
    assert ham.name.encode() in body and "宣威市".encode() in body
    path, _, query = url.partition("?")
    assert wsgi.store.get(path, query).etag == headers["ETag"]  # remembered
    caching.map_cache().clear()
    with django_assert_num_queries(0):  # answered from the store: no statement
        assert call(app, url)[2] == body
    status, again, empty = call(app, url, if_none_match=headers["ETag"])
    assert status == "304 Not Modified" and empty == b"" and again["ETag"] == headers["ETag"]
    status, head, empty = call(app, url.replace("v=7", "v=8"), method="HEAD")
    assert status == "200 OK" and empty == b"" and head["Content-Length"] == str(len(body))


def test_the_connection_is_checked_around_a_tile_built_before_django(watched, monkeypatch):
    """Before and after, as Django's request_started/finished signals do."""
    from django.db import close_old_connections

    assert wsgi.close_old_connections is close_old_connections
    CONNECTION_CHECKS.clear()
    real_build = wsgi.MapRequest.from_environ

    def from_environ(environ):
        CONNECTION_CHECKS.append("build")
        return real_build(environ)

    monkeypatch.setattr(wsgi.MapRequest, "from_environ", staticmethod(from_environ))
    status = call(wsgi.MapDataApp(django_never_called), tile_url("counties", *XUANWEI_TILE))[0]
    assert status == "200 OK"
    assert CONNECTION_CHECKS == ["checked", "build", "checked"]


@pytest.mark.parametrize(
    "url",
    [
        tile_url("counties,areas", *XUANWEI_TILE, "category=map-test-meat"),  # a filter
        tile_url("areas", *XUANWEI_TILE, "q=火腿"),
        tile_url("counties", *XUANWEI_TILE, "layers=areas"),  # layers twice
        tile_url("counties", *XUANWEI_TILE, "other=1"),  # anything unusual
        "/map/tiles/8/a/108.pbf",  # no tile URL at all: Django's 404
        "/map/tiles/8/202.pbf",
        "/map/points/producers.json",  # points: the middleware's job
        "/map/",
    ],
)
def test_filtered_or_unusual_requests_go_to_django(watched, url):
    calls = []

    def django(environ, start_response):
        calls.append((environ["PATH_INFO"], environ["QUERY_STRING"]))
        start_response("200 OK", [])
        return [b"django"]

    assert call(wsgi.MapDataApp(django), url)[2] == b"django"
    assert calls == [tuple(url.partition("?")[::2])]


def test_other_methods_go_to_django(watched):
    def django(environ, start_response):
        start_response("405 Method Not Allowed", [])
        return [b"django"]

    url = tile_url("counties", *XUANWEI_TILE)
    assert call(wsgi.MapDataApp(django), url, method="POST")[2] == b"django"


def test_an_error_while_building_passes_the_request_to_django(watched, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("maps.tiles.build_tile", broken)
    calls = []

    def django(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("500 Internal Server Error", [])
        return [b"django"]

    url = tile_url("counties", *XUANWEI_TILE)
    status, _headers, body = call(wsgi.MapDataApp(django), url)
    assert (status, body) == ("500 Internal Server Error", b"django")
    assert calls == [url.split("?")[0]]


def test_a_data_change_rebuilds_the_tile_before_django(watched, ham):
    url = tile_url("areas", *XUANWEI_TILE)
    app = wsgi.MapDataApp(django_never_called)
    _status, first, body = call(app, url)
    assert ham.name.encode() in body
    ham.name = "地图测试快路改名火腿 (demo)"
    ham.save()
    fire_deferred_triggers()
    watched.current = table_versions()  # as the NOTIFY at commit would tell the watcher
    status, second, body = call(app, url, if_none_match=first["ETag"])
    assert status == "200 OK" and second["ETag"] != first["ETag"]
    assert "地图测试快路改名火腿".encode() in body
    # The new version is what the store now holds and answers.
    path, _, query = url.partition("?")
    assert wsgi.store.get(path, query).etag == second["ETag"]
