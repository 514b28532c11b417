"""A WSGI wrapper that answers the commonest map data requests before Django runs.

Django's request handling (request object, signals, middleware chain, URL
resolving, response object) costs about 0.2 ms of a worker's CPU per request,
as much as the SQL of many tiles. Two kinds of request skip it:

- **Repeated URLs.** The wrapper keeps, per process, the last responses the
  map endpoints built (keyed by the exact path and query string) with the data
  version they were built for; while this process's version watcher
  (``maps.versions``) says that version is current, the same URL is answered
  from here, as bytes, in a few microseconds. A data change bumps the version
  and every entry goes stale at once.
- **Unfiltered tiles** (``/map/tiles/{z}/{x}/{y}.pbf``, with at most ``layers``
  and ``v`` in the query, which is what the public map asks for): built here
  by the tile endpoint's own code (``maps.endpoints.tile_reply``: same checks,
  caches, prepared statement, headers and bytes as the view), with the
  database connection checked before and after as Django's request signals
  do (``close_old_connections``). If that code raises, the request goes to
  Django, which answers as it would have.

Anything else (another URL, filters, other parameters, a stale entry) goes to
Django.

    application = MapDataApp(get_wsgi_application())
"""

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.db import close_old_connections

from .http import MapRequest, Reply, body_reply, etag_matches, not_modified_reply
from .versions import watcher, watching

logger = logging.getLogger(__name__)

MAX_ENTRIES = 4000  # a few kB each: the first views of many filters, not all of Yunnan


@dataclass(frozen=True)
class Entry:
    topics: tuple[str, ...]
    version: int
    content_type: str
    etag: str
    cache_control: str
    raw: bytes
    gz: bytes | None

    def reply(self, request: MapRequest) -> Reply:
        """As ``maps.caching`` answers it: a 304 if the ETag matches, else the body."""
        if etag_matches(request.if_none_match, self.etag):
            return not_modified_reply(
                self.content_type, etag=self.etag, cache_control=self.cache_control
            )
        return body_reply(
            self.content_type,
            etag=self.etag,
            cache_control=self.cache_control,
            raw=self.raw,
            gz=self.gz,
            accepts_gzip=request.accepts_gzip(),
        )


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


def remember(
    request: MapRequest,
    *,
    topics,
    version: int,
    content_type: str,
    etag: str,
    cache_control: str,
    raw: bytes,
    gz: bytes | None,
) -> None:
    """Called by ``maps.caching`` for every 200 it sends (only while the watcher runs,
    since only then can this wrapper tell that ``version`` is still current)."""
    if not store.enabled or not watching():
        return
    store.put(
        request.path,
        request.query_string,
        Entry(tuple(topics), version, content_type, etag, cache_control, raw, gz),
    )


def _current(entry: Entry) -> bool:
    versions = watcher.versions()
    if versions is None:
        return False
    return sum(versions.get(t, 0) for t in entry.topics) == entry.version


# The query parameters an unfiltered tile URL may carry (see ``_plain_tile_query``).
PLAIN_TILE_PARAMETERS = frozenset({"layers", "v"})


def _plain_tile_query(query: str) -> bool:
    """Only ``layers`` and ``v``, each at most once: no filter, nothing unusual."""
    if not query:
        return True
    seen = set()
    for part in query.split("&"):
        name = part.partition("=")[0]
        if name not in PLAIN_TILE_PARAMETERS or name in seen:
            return False
        seen.add(name)
    return True


class MapDataApp:
    def __init__(self, application, prefix: str = "/map/", *, build_tiles: bool = True):
        self.application = application
        self.prefix = prefix
        self.build_tiles = build_tiles
        self._urls = None  # maps.endpoints.DataUrls, on first use (needs the URLconf)
        store.enabled = True

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(self.prefix) and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            query = environ.get("QUERY_STRING", "")
            entry = store.get(path, query)
            if entry is not None and watching() and _current(entry):
                return entry.reply(MapRequest.from_environ(environ)).wsgi(environ, start_response)
            if self.build_tiles and _plain_tile_query(query):
                reply = self._tile(path, environ)
                if reply is not None:
                    return reply.wsgi(environ, start_response)
        return self.application(environ, start_response)

    def _tile(self, path: str, environ) -> Reply | None:
        """The tile endpoint's reply for an unfiltered tile URL; None for anything else."""
        from . import endpoints  # needs the app registry, ready once Django's app exists

        if self._urls is None:
            self._urls = endpoints.DataUrls()
        tile = self._urls.tile(path)
        if tile is None:
            return None
        # What Django's request_started and request_finished signals do for the one
        # database connection used here: drop it if it broke or outlived CONN_MAX_AGE.
        # (The signals' other receivers reset the query log kept under DEBUG, and
        # close caches' and URLconfs' per-request state, which this path does not use.)
        close_old_connections()
        try:
            return endpoints.tile_reply(MapRequest.from_environ(environ), *tile)
        except Exception:
            logger.warning("building %s before Django failed; passing it on", path, exc_info=True)
            return None
        finally:
            close_old_connections()
