"""Serve map tiles and points before the rest of Django's middleware runs.

Map data needs no session, no language, no CSRF token, no user and no URL
resolving: only its data version (one primary-key query), then the cache or
one SQL statement. Placed first in ``MIDDLEWARE``, this answers those requests
with the same code the views run (``maps.caching.serve``), at a fraction of
the full stack's cost; anything else, and any bad request, passes through to
the views untouched (which answer 400/404 as usual).
"""

import re

from django.urls import NoReverseMatch, reverse

from . import points, tiles
from .caching import serve
from .layers import LAYERS

_UNSET = object()


class MapDataCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._patterns = _UNSET

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            response = self._map_data(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _compiled(self) -> tuple[re.Pattern, re.Pattern] | None:
        if self._patterns is _UNSET:
            try:
                tile = reverse("maps:tile", kwargs={"z": 0, "x": 0, "y": 0})
                point = reverse("maps:points", kwargs={"layer": "L"})
            except NoReverseMatch:  # maps.urls is not mounted: nothing to serve
                self._patterns = None
            else:
                tile = re.escape(tile.removesuffix("0/0/0.pbf"))
                point = re.escape(point.removesuffix("L.json"))
                self._patterns = (
                    re.compile(rf"^{tile}(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.pbf$"),
                    re.compile(rf"^{point}(?P<layer>[a-z]+)\.json$"),
                )
        return self._patterns

    def _map_data(self, request):
        patterns = self._compiled()
        if patterns is None:
            return None
        tile_pattern, point_pattern = patterns
        if match := tile_pattern.match(request.path_info):
            z, x, y = int(match["z"]), int(match["x"]), int(match["y"])
            if not tiles.valid_tile(z, x, y):
                return None
            try:
                tile_set = tiles.tile_set(request.GET.get("layers"))
            except ValueError:
                return None
            return serve(
                request,
                tile_set,
                f"{z}/{x}/{y}",
                tiles.CONTENT_TYPE,
                lambda data: tiles.build_tile(tile_set, z, x, y, data),
            )
        if match := point_pattern.match(request.path_info):
            layer = LAYERS.get(match["layer"])
            if layer is None or layer.kind != "points":
                return None
            try:
                zoom, bbox = points.parse_view(request.GET)
            except ValueError:
                return None
            return serve(
                request,
                layer,
                points.coords_key(zoom, bbox),
                points.CONTENT_TYPE,
                lambda data: points.build_points(layer, data, zoom=zoom, bbox=bbox),
            )
        return None
