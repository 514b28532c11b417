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
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import parse_etags
from django.utils.text import compress_string

from . import wsgi
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


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    wanted = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == wanted for tag in parse_etags(header))


def _finish(response: HttpResponse, request: HttpRequest, etag: str, version: int):
    response["ETag"] = etag
    fresh = request.GET.get("v") == str(version)
    response["Cache-Control"] = FRESH_CACHE_CONTROL if fresh else REVALIDATE_CACHE_CONTROL
    response["Vary"] = "Accept-Encoding"
    return response


def _body_response(
    request, layer: Layer, body: tuple[bytes, bytes | None], content_type: str, version: int
) -> HttpResponse:
    raw, gz = body
    if gz is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(gz, content_type=content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(raw, content_type=content_type)
    etag = make_etag(layer, version)
    _finish(response, request, etag, version)
    wsgi.remember(
        request,
        topics=layer.topics,
        version=version,
        etag=etag,
        headers=[(k, response[k]) for k in ("Content-Type", "Cache-Control", "Vary")],
        raw=raw,
        gz=gz,
    )
    return response


def cached_response(
    request: HttpRequest,
    layer: Layer,
    coords: str,
    content_type: str,
    *,
    version: int | None = None,
) -> HttpResponse | None:
    """A 304 or a cached body for this request, or None when it must be built."""
    data = filter_data(layer, request.GET)
    if version is None:
        version = sum(data_versions(layer.topics).values())
    etag = make_etag(layer, version)
    if _etag_matches(request, etag):
        return _finish(HttpResponse(status=304), request, etag, version)
    body = map_cache().get(cache_key(layer, version, coords, data))
    if body is None:
        return None
    return _body_response(request, layer, body, content_type, version)


def serve(
    request: HttpRequest,
    layer: Layer,
    coords: str,
    content_type: str,
    build: Callable[[dict], tuple[int, bytes]],
) -> HttpResponse:
    """Answer from the caches, or build the body (``build(data) -> (version, bytes)``)."""
    versions = data_versions(layer.topics)
    draws_areas = layer.kind == "tiles" and "areas" in layer.name.split("+")
    if draws_areas and _refresh_area_shapes(versions.get("products", 0)):
        versions = data_versions(layer.topics)
    response = cached_response(request, layer, coords, content_type, version=sum(versions.values()))
    if response is not None:
        return response
    data = filter_data(layer, request.GET)
    try:
        version, raw = build(data)
    except BadFilter as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    gz = compress_string(raw) if len(raw) >= GZIP_MIN_BYTES else None
    body = (raw, gz)
    map_cache().set(cache_key(layer, version, coords, data), body, CACHE_TIMEOUT)
    return _body_response(request, layer, body, content_type, version)


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
