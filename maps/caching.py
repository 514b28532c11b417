"""HTTP and server caching of map data: ETags from data versions, cached bodies.

- The ETag of a tile or point response is its layer(s) plus the sum of the
  data versions of the topics they read (``maps.models.DataVersion``, bumped by
  triggers on commit; this process learns of a bump from the notification the
  trigger sends, see ``maps.versions``). Any committed change to those tables
  changes it; a change elsewhere leaves it, and the browser's copy, alone.
- A URL that carries the current version (``v=``, written into the page) may
  be kept by the browser for a day; any other URL must be revalidated, which
  costs a 304 while the data is unchanged.
- Bodies are cached server-side under (layer, version, coordinates, filters),
  raw and gzipped, in the ``maps`` cache if configured, else ``default``.
  ``MapDataCacheMiddleware`` answers map data requests before the rest of
  Django runs; a cached tile then costs no database query at all.
- Every 200 is also remembered, as bytes, for ``maps.wsgi.MapDataApp``, which
  answers the same URL again before Django runs while its version is current.
- ``serve`` returns a ``maps.http.Reply`` (status, headers, bytes), not a Django
  response: the views, the middleware and ``MapDataApp`` send the same reply.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.text import compress_string

from . import wsgi
from .http import MapRequest, Reply, body_reply, etag_matches, json_reply, not_modified_reply
from .layers import BadFilter, Layer, filter_data
from .versions import VERSIONS_SQL, watcher, watching

# ``layer`` below is a Layer or a tiles.TileSet: both have name, kind, topics and filters.

CACHE_TIMEOUT = 24 * 3600
FRESH_CACHE_CONTROL = "public, max-age=86400"
REVALIDATE_CACHE_CONTROL = "public, no-cache"
GZIP_MIN_BYTES = 200

# The products version this process last rebuilt stale area shapes for.
_area_shapes_checked: dict[str, int] = {}


def map_cache():
    return caches["maps" if "maps" in settings.CACHES else "default"]


def data_versions(topics: tuple[str, ...]) -> dict[str, int]:
    """The current versions of ``topics``: from this process's watcher when it runs,
    else from the table (one row per topic; reading all of it is the cheapest)."""
    rows = watcher.versions() if watching() else None
    if rows is None:
        with connection.cursor() as cur:
            cur.execute(VERSIONS_SQL)
            rows = dict(cur.fetchall())
    return {topic: version for topic, version in rows.items() if topic in topics}


def make_etag(layer: Layer, version: int) -> str:
    return f'W/"{layer.name}.{version}"'


def cache_key(layer: Layer, version: int, coords: str, data: dict) -> str:
    filters = "&".join(f"{k}={','.join(v)}" for k, v in sorted(data.items()))
    digest = hashlib.blake2b(filters.encode(), digest_size=8).hexdigest() if filters else "-"
    return f"maps:{layer.name}:{version}:{coords}:{digest}"


def cache_control(request: MapRequest, version: int) -> str:
    fresh = request.GET.get("v") == str(version)
    return FRESH_CACHE_CONTROL if fresh else REVALIDATE_CACHE_CONTROL


def _body_reply(
    request: MapRequest,
    layer: Layer,
    body: tuple[bytes, bytes | None],
    content_type: str,
    version: int,
) -> Reply:
    raw, gz = body
    etag = make_etag(layer, version)
    control = cache_control(request, version)
    wsgi.remember(
        request,
        topics=layer.topics,
        version=version,
        content_type=content_type,
        etag=etag,
        cache_control=control,
        raw=raw,
        gz=gz,
    )
    return body_reply(
        content_type,
        etag=etag,
        cache_control=control,
        raw=raw,
        gz=gz,
        accepts_gzip=request.accepts_gzip(),
    )


def cached_reply(
    request: MapRequest,
    layer: Layer,
    coords: str,
    content_type: str,
    *,
    version: int | None = None,
    data: dict | None = None,
) -> Reply | None:
    """A 304 or a cached body for this request, or None when it must be built."""
    if data is None:
        data = filter_data(layer, request.GET)
    if version is None:
        version = sum(data_versions(layer.topics).values())
    etag = make_etag(layer, version)
    if etag_matches(request.if_none_match, etag):
        return not_modified_reply(
            content_type, etag=etag, cache_control=cache_control(request, version)
        )
    body = map_cache().get(cache_key(layer, version, coords, data))
    if body is None:
        return None
    return _body_reply(request, layer, body, content_type, version)


def serve(
    request: MapRequest,
    layer: Layer,
    coords: str,
    content_type: str,
    build: Callable[[dict], tuple[int, bytes]],
) -> Reply:
    """Answer from the caches, or build the body (``build(data) -> (version, bytes)``).

    The one place that decides a map data reply's status, headers and bytes: the
    views, ``MapDataCacheMiddleware`` and ``maps.wsgi.MapDataApp`` all come here
    (and ``MapDataApp``'s store replays what this remembered, with the same
    ``maps.http`` reply builders).
    """
    versions = data_versions(layer.topics)
    draws_areas = layer.kind == "tiles" and "areas" in layer.name.split("+")
    if draws_areas and _refresh_area_shapes(versions.get("products", 0)):
        versions = data_versions(layer.topics)
    data = filter_data(layer, request.GET)
    reply = cached_reply(
        request, layer, coords, content_type, version=sum(versions.values()), data=data
    )
    if reply is not None:
        return reply
    try:
        version, raw = build(data)
    except BadFilter as exc:
        return json_reply({"errors": exc.errors}, status=400)
    gz = compress_string(raw) if len(raw) >= GZIP_MIN_BYTES else None
    body = (raw, gz)
    map_cache().set(cache_key(layer, version, coords, data), body, CACHE_TIMEOUT)
    return _body_reply(request, layer, body, content_type, version)


def _refresh_area_shapes(products_version: int) -> bool:
    """Rebuild protected-area shapes that ``products`` recomputed since we last looked.

    ``products`` recomputes areas in SQL, without signals; the products data
    version tells that something changed, and only then is staleness queried
    (one query per change and process, not per request). True if it rebuilt.
    """
    from .services import area_shapes_refresh_stale

    if _area_shapes_checked.get("products") == products_version:
        return False
    rebuilt = area_shapes_refresh_stale()
    if rebuilt:
        products_version = data_versions(("products",)).get("products", 0)
    _area_shapes_checked["products"] = products_version
    return bool(rebuilt)
