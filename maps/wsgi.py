"""A WSGI wrapper that answers repeated map data requests before Django runs.

``MapDataCacheMiddleware`` already skips sessions, auth and CSRF, but a cached
tile still pays for Django's request handling (request object, signals,
middleware chain, response object): about 100 µs of a sync worker's time.
This wrapper keeps, per process, the last responses the map endpoints built
(keyed by the exact path and query string) with the data version they were
built for; while this process's version watcher (``maps.versions``) says that
version is current, the same URL is answered from here, as bytes, in a few
microseconds. A data change bumps the version and every entry goes stale at
once. Anything else (another URL, a stale entry, no watcher) goes to Django.

    application = MapDataApp(get_wsgi_application())
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from .versions import watcher, watching

MAX_ENTRIES = 4000  # a few kB each: the first views of many filters, not all of Yunnan


@dataclass(frozen=True)
class Entry:
    topics: tuple[str, ...]
    version: int
    etag: str
    headers: tuple[tuple[str, str], ...]  # Content-Type, Cache-Control, Vary
    raw: bytes
    gz: bytes | None


class ResponseStore:
    """Process-local, thread-safe, bounded (least recently stored goes first)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self.enabled = False  # set by MapDataApp: without it, nothing reads the store
        self._entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, path: str, query: str, entry: Entry) -> None:
        with self._lock:
            self._entries[(path, query)] = entry
            self._entries.move_to_end((path, query))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get(self, path: str, query: str) -> Entry | None:
        return self._entries.get((path, query))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


store = ResponseStore()


def remember(request, *, topics, version: int, etag: str, headers, raw: bytes, gz) -> None:
    """Called by ``maps.caching`` for every 200 it sends (only while the watcher runs,
    since only then can this wrapper tell that ``version`` is still current)."""
    if not store.enabled or not watching():
        return
    store.put(
        request.path_info,
        request.META.get("QUERY_STRING", ""),
        Entry(tuple(topics), version, etag, tuple(headers), raw, gz),
    )


def _current(entry: Entry) -> bool:
    versions = watcher.versions()
    if versions is None:
        return False
    return sum(versions.get(t, 0) for t in entry.topics) == entry.version


class MapDataApp:
    def __init__(self, application, prefix: str = "/map/"):
        self.application = application
        self.prefix = prefix
        store.enabled = True

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(self.prefix) and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            entry = store.get(path, environ.get("QUERY_STRING", ""))
            if entry is not None and watching() and _current(entry):
                return self._answer(entry, environ, start_response)
        return self.application(environ, start_response)

    @staticmethod
    def _answer(entry: Entry, environ, start_response):
        headers = [*entry.headers, ("ETag", entry.etag)]
        wanted = environ.get("HTTP_IF_NONE_MATCH", "")
        bare = entry.etag.removeprefix("W/")
        if wanted and any(
            t.strip() == "*" or t.strip().removeprefix("W/") == bare for t in wanted.split(",")
        ):
            start_response("304 Not Modified", headers)
            return [b""]
        body = entry.raw
        if entry.gz is not None and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
            body = entry.gz
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
