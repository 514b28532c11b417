"""The map data endpoints as plain functions: a ``MapRequest`` in, a ``Reply`` out.

One copy of each endpoint's rules (address and layer checks, filters, caching,
headers), run by the Django views (``maps.views``), by the early middleware
(``maps.middleware``) and, for unfiltered tiles, by ``maps.wsgi.MapDataApp``
before Django runs.
"""

import re

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext as _

from . import caching, points, tiles
from .http import MapRequest, Reply, json_reply
from .layers import LAYERS


def tile_reply(request: MapRequest, z: int, x: int, y: int) -> Reply:
    """``/map/tiles/{z}/{x}/{y}.pbf?layers=…``: 404 for no such tile, 400 for bad layers."""
    if not tiles.valid_tile(z, x, y):
        return json_reply({"errors": {"tile": [_("No such tile.")]}}, status=404)
    try:
        tile_set = tiles.tile_set(request.GET.get("layers"))
    except ValueError as exc:
        return json_reply({"errors": {"layers": [str(exc)]}}, status=400)
    return caching.serve(
        request,
        tile_set,
        f"{z}/{x}/{y}",
        tiles.CONTENT_TYPE,
        lambda data: tiles.build_tile(tile_set, z, x, y, data),
    )


def points_reply(request: MapRequest, layer: str) -> Reply:
    """``/map/points/{layer}.json?z=…&bbox=…``: 404 for no such layer, 400 for a bad view."""
    spec = LAYERS.get(layer)
    if spec is None or spec.kind != "points":
        return json_reply({"errors": {"layer": [_("No such map layer.")]}}, status=404)
    try:
        zoom, bbox = points.parse_view(request.GET)
    except ValueError as exc:
        return json_reply({"errors": {"view": [str(exc)]}}, status=400)
    return caching.serve(
        request,
        spec,
        points.coords_key(zoom, bbox),
        points.CONTENT_TYPE,
        lambda data: points.build_points(spec, data, zoom=zoom, bbox=bbox),
    )


_UNSET = object()


class DataUrls:
    """Recognises the map data URLs in a path as WSGI's PATH_INFO has it (no script name).

    The patterns come from the URLconf on first use (``maps.urls`` may be
    mounted anywhere, or not at all: then nothing matches).
    """

    def __init__(self):
        self._patterns = _UNSET

    def _compiled(self) -> tuple[re.Pattern, re.Pattern] | None:
        if self._patterns is _UNSET:
            try:
                tile = reverse("maps:tile", kwargs={"z": 0, "x": 0, "y": 0})
                point = reverse("maps:points", kwargs={"layer": "L"})
            except NoReverseMatch:  # maps.urls is not mounted: nothing to serve
                self._patterns = None
            else:
                prefix = get_script_prefix()
                tile = re.escape("/" + tile.removeprefix(prefix).removesuffix("0/0/0.pbf"))
                point = re.escape("/" + point.removeprefix(prefix).removesuffix("L.json"))
                self._patterns = (
                    re.compile(rf"{tile}(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.pbf"),
                    re.compile(rf"{point}(?P<layer>[a-z]+)\.json"),
                )
        return self._patterns

    def tile(self, path: str) -> tuple[int, int, int] | None:
        patterns = self._compiled()
        if patterns is None or not (match := patterns[0].fullmatch(path)):
            return None
        return int(match["z"]), int(match["x"]), int(match["y"])

    def points(self, path: str) -> str | None:
        patterns = self._compiled()
        if patterns is None or not (match := patterns[1].fullmatch(path)):
            return None
        return match["layer"]

    def reply(self, request: MapRequest) -> Reply | None:
        """The endpoint's reply if ``request`` is for map data, else None."""
        if (tile := self.tile(request.path)) is not None:
            return tile_reply(request, *tile)
        if (layer := self.points(request.path)) is not None:
            return points_reply(request, layer)
        return None
