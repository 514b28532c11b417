"""OpenAPI documentation of what every endpoint shares: errors and GeoJSON shapes.

``AutoSchema`` adds the error responses each operation can give (400 for a bad
filter, bbox or cursor; 401/403 where a login is needed; 404 where a path names
an object; 406, 415 and 429), all with the one :class:`ErrorSerializer` body.
GeoJSON features are documented from the same properties serializers that
build them in PostGIS (:func:`feature_serializer`).
"""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import permissions, serializers

from girrepo.filtersets import RegionHierarchyFilter

from .exceptions import MESSAGES

# ``region`` / ``region_id`` take codes or ids separated by commas: a string.
extend_schema_field(OpenApiTypes.STR)(RegionHierarchyFilter)

POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
RING = {"type": "array", "items": POSITION, "minItems": 4}


def _geometry(kind: str, coordinates: dict) -> dict:
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"type": "string", "enum": [kind]},
            "coordinates": coordinates,
        },
    }


POINT = _geometry("Point", POSITION)
POLYGON = _geometry("Polygon", {"type": "array", "items": RING})
MULTIPOLYGON = _geometry(
    "MultiPolygon", {"type": "array", "items": {"type": "array", "items": RING}}
)


@extend_schema_field(POINT, component_name="GeoJSONPoint")
class PointField(serializers.JSONField):
    """A GeoJSON Point (longitude, latitude in WGS-84)."""


@extend_schema_field(MULTIPOLYGON, component_name="GeoJSONMultiPolygon")
class MultiPolygonField(serializers.JSONField):
    """A GeoJSON MultiPolygon (WGS-84)."""


@extend_schema_field(
    {"oneOf": [POINT, POLYGON, MULTIPOLYGON]}, component_name="GeoJSONSiteGeometry"
)
class SiteGeometryField(serializers.JSONField):
    """A production site: GeoJSON Point, Polygon or MultiPolygon (WGS-84)."""


@extend_schema_field({"type": "string", "enum": ["Feature"]})
class FeatureTypeField(serializers.CharField):
    pass


@extend_schema_field({"type": "string", "enum": ["FeatureCollection"]})
class FeatureCollectionTypeField(serializers.CharField):
    pass


def feature_serializer(
    *,
    name: str,
    properties: type[serializers.Serializer],
    geometry: type[serializers.Field],
    id_field: type[serializers.Field] = serializers.IntegerField,
) -> type[serializers.Serializer]:
    """A schema-only serializer ``<name>Feature`` for one GeoJSON feature."""
    attrs = {
        "__doc__": f"A GeoJSON Feature: {name}.",
        "type": FeatureTypeField(),
        "id": id_field(),
        "geometry": geometry(allow_null=True),
        "properties": properties(),
    }
    return type(f"{name}FeatureSerializer", (serializers.Serializer,), attrs)


def feature_collection_serializer(
    *, name: str, feature: type[serializers.Serializer]
) -> type[serializers.Serializer]:
    """A schema-only serializer ``<name>FeatureCollection`` (no paging links)."""
    attrs = {
        "__doc__": f"A GeoJSON FeatureCollection: {name}.",
        "type": FeatureCollectionTypeField(),
        "features": feature(many=True),
    }
    return type(f"{name}FeatureCollectionSerializer", (serializers.Serializer,), attrs)


class FieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. required, invalid.")
    message = serializers.CharField(help_text="The reason, in the request's language.")


class ErrorSerializer(serializers.Serializer):
    """Every error response: a stable code with fixed English and Chinese messages."""

    code = serializers.ChoiceField(
        choices=sorted(MESSAGES), help_text="Machine-readable error code."
    )
    message = serializers.CharField(help_text="What the code means, in English.")
    message_zh = serializers.CharField(help_text="What the code means, in Chinese.")
    detail = serializers.CharField(
        required=False, help_text="The specific reason, in the request's language."
    )
    errors = serializers.DictField(
        child=FieldErrorSerializer(many=True),
        required=False,
        help_text="Field errors of a 400, by field name (non_field_errors for the whole).",
    )


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: a bad filter value, bbox, cursor or body (code invalid, bad_bbox…).",
    "401": "Not authenticated (code not_authenticated or authentication_failed).",
    "403": "Not allowed: not logged in, or no permission (code permission_denied).",
    "404": "No such object, or not one you may see (code not_found).",
    "406": "The Accept header asks for a format this endpoint cannot give.",
    "415": "The request body's content type is not accepted.",
    "429": "Too many requests from this client (code throttled); see Retry-After.",
}
PUBLIC_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticatedOrReadOnly)


class AutoSchema(BaseAutoSchema):
    def _error_codes(self) -> list[str]:
        codes = ["406", "429"]
        safe = self.method in permissions.SAFE_METHODS
        if "{" in self.path:
            codes.append("404")
        if (not safe and self.method != "DELETE") or self._is_list_view():
            codes.append("400")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        open_to_all = (permissions.AllowAny,) if not safe else PUBLIC_PERMISSIONS
        permission_classes = getattr(self.view, "permission_classes", ())
        if not all(issubclass(p, open_to_all) for p in permission_classes):
            codes += ["401", "403"]
        return sorted(set(codes))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]), code
                )
        return responses
