"""``maps.wsgi.MapDataApp``: repeated map data requests answered before Django runs,
only while the data version they were built for is current."""

from io import BytesIO

import pytest

from maps import wsgi
from tests.test_maps_data import (  # noqa: F401  (fixtures)
    XUANWEI_TILE,
    fresh_map_caches,
    map_mesh,
    map_urls,
    tile_url,
)

pytestmark = pytest.mark.django_db


class FakeWatcher:
    """Stands in for the LISTEN connection, which sees only committed versions."""

    def __init__(self, versions: dict[str, int]):
        self.current = versions

    def versions(self):
        return self.current


@pytest.fixture
def watched(monkeypatch, settings):
    from maps.caching import data_versions

    settings.GIRREPO_MAP_VERSION_WATCH = False
    fake = FakeWatcher(data_versions(("regions", "mesh", "products")))
    settings.GIRREPO_MAP_VERSION_WATCH = True
    monkeypatch.setattr("maps.caching.watcher", fake)
    monkeypatch.setattr("maps.wsgi.watcher", fake)
    monkeypatch.setattr(wsgi.store, "enabled", True)  # as MapDataApp() sets it
    wsgi.store.clear()
    yield fake
    wsgi.store.clear()


def call(app, url: str, **headers) -> tuple[str, dict, bytes]:
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": BytesIO(b""),
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(response_headers)

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


def test_a_data_change_sends_the_request_to_django_again(client, watched):
    url = tile_url("counties", *XUANWEI_TILE)
    assert client.get(url).status_code == 200
    watched.current = {**watched.current, "regions": watched.current["regions"] + 1}
    calls = []

    def django(environ, start_response):
        calls.append(environ["PATH_INFO"])
        start_response("200 OK", [])
        return [b"rebuilt"]

    assert call(wsgi.MapDataApp(django), url)[2] == b"rebuilt"
    assert calls == [url.split("?")[0]]


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
    entry = wsgi.Entry(("regions",), 1, 'W/"x.1"', (), b"", None)
    for n in range(3):
        store.put(f"/map/tiles/{n}.pbf", "", entry)
    assert store.get("/map/tiles/0.pbf", "") is None
    assert store.get("/map/tiles/2.pbf", "") is entry
