"""The OpenAPI 3.0 definition of /ogc/ (the landing page's ``service-desc``).

Clients such as GDAL read it for the ``limit`` bounds; it lists the collections
as an enum so that a client can discover them without the /collections call.
"""

from .collections import COLLECTIONS
from .params import DEFAULT_LIMIT, MAX_LIMIT

ERROR = {
    "description": "Error: code and description (and the registry's message in zh and en).",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {
                    "code": {"type": "string"},
                    "description": {"type": "string"},
                    "message": {"type": "string"},
                    "message_zh": {"type": "string"},
                },
            }
        }
    },
}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
GEOJSON_OBJECT = {"application/geo+json": {"schema": {"type": "object"}}}
COLLECTION_ID = {
    "name": "collectionId",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": sorted(COLLECTIONS)},
}
ITEM_PARAMETERS = [
    COLLECTION_ID,
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_LIMIT,
            "default": DEFAULT_LIMIT,
        },
    },
    {
        "name": "bbox",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "xmin,ymin,xmax,ymax in CRS84 (longitude, latitude).",
        "schema": {
            "type": "array",
            "minItems": 4,
            "maxItems": 6,
            "items": {"type": "number"},
        },
    },
    {
        "name": "datetime",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "An RFC 3339 instant or interval (start/end, .. for an open end).",
        "schema": {"type": "string"},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "Opaque page cursor, from a next or prev link.",
        "schema": {"type": "string"},
    },
]


def _get(summary: str, content: dict, parameters=(), operation_id: str = "") -> dict:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": list(parameters),
            "responses": {"200": {"description": summary, "content": content}, "400": ERROR},
        }
    }


def openapi_document(*, base: str) -> dict:
    item_get = _get("A feature", GEOJSON_OBJECT, [COLLECTION_ID], "getFeature")
    item_get["get"]["parameters"].append(
        {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
    )
    item_get["get"]["responses"]["404"] = ERROR
    return {
        "openapi": "3.0.3",
        "info": {"title": "girrepo OGC API – Features", "version": "1.0.0"},
        "servers": [{"url": base.rstrip("/")}],
        "paths": {
            "/": _get("Landing page", JSON_OBJECT, (), "getLandingPage"),
            "/conformance": _get("Conformance classes", JSON_OBJECT, (), "getConformance"),
            "/collections": _get("Feature collections", JSON_OBJECT, (), "getCollections"),
            "/collections/{collectionId}": _get(
                "A feature collection", JSON_OBJECT, [COLLECTION_ID], "describeCollection"
            ),
            "/collections/{collectionId}/items": _get(
                "Features", GEOJSON_OBJECT, ITEM_PARAMETERS, "getFeatures"
            ),
            "/collections/{collectionId}/items/{featureId}": item_get,
        },
    }
