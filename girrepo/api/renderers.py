"""Renderers that pass JSON built elsewhere (in PostGIS) through untouched."""

from rest_framework.renderers import JSONRenderer as BaseJSONRenderer


class RawJSON(str):
    """JSON text that is already final: renderers write it as it is."""


class JSONRenderer(BaseJSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, RawJSON):
            return data.encode()
        return super().render(data, accepted_media_type, renderer_context)


class GeoJSONRenderer(JSONRenderer):
    """RFC 7946 GeoJSON; the default for spatial resources."""

    media_type = "application/geo+json"
    format = "geojson"
