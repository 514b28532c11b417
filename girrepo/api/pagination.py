"""Cursor pages: a page is ``WHERE id > last ORDER BY id LIMIT n + 1``.

Keyset paging on the primary key costs the same on page 1,000 as on page 1 (no
OFFSET, no COUNT), and a page never repeats or skips a row when rows are added
meanwhile. Clients follow the ``next``/``previous`` links; the cursor is opaque.
"""

import json
from base64 import b64decode
from urllib import parse

from rest_framework import pagination
from rest_framework.response import Response

from .exceptions import BadCursor
from .renderers import RawJSON

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class CursorPagination(pagination.CursorPagination):
    """``{"next", "previous", "results"}`` pages ordered by ``id`` (``-id``: newest first)."""

    ordering = "id"
    page_size = PAGE_SIZE
    page_size_query_param = "limit"
    page_size_query_description = "Items per page (1 to 1000, default 50)."
    cursor_query_description = "Opaque page cursor: take it from a next or previous link."
    max_page_size = MAX_PAGE_SIZE

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if not encoded:  # absent, or the empty cursor of the first page
            return None
        try:
            text = b64decode(encoded.encode("ascii"), validate=True).decode("ascii")
            tokens = parse.parse_qs(text, keep_blank_values=True, strict_parsing=True)
        except (ValueError, UnicodeError) as exc:
            raise BadCursor() from exc
        if not tokens or set(tokens) - {"o", "r", "p"}:
            raise BadCursor()
        offset, reverse = tokens.get("o", ["0"])[0], tokens.get("r", ["0"])[0]
        position = tokens.get("p", [None])[0]
        # Positions are primary keys: anything else would reach the database.
        if (
            not offset.isdigit()
            or int(offset) > self.offset_cutoff
            or reverse not in ("0", "1")
            or (position is not None and (not position.isdigit() or len(position) > 18))
        ):
            raise BadCursor()
        return pagination.Cursor(offset=int(offset), reverse=reverse == "1", position=position)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        return parameters


class GeoJSONCursorPagination(CursorPagination):
    """The same pages as GeoJSON: a FeatureCollection with ``next`` and ``previous``.

    ``data`` is the page's features, each already GeoJSON text built in PostGIS
    (see :mod:`girrepo.api.geojson`), or feature dicts; they are joined, never
    parsed again.
    """

    def get_paginated_response(self, data):
        if isinstance(data, dict):  # a GeoFeatureModelSerializer's FeatureCollection
            data = data["features"]
        features = ",".join(f if isinstance(f, str) else _dumps(f) for f in data)
        body = (
            '{"type":"FeatureCollection",'
            f'"next":{json.dumps(self.get_next_link())},'
            f'"previous":{json.dumps(self.get_previous_link())},'
            f'"features":[{features}]}}'
        )
        return Response(RawJSON(body))

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "next": {"type": "string", "format": "uri", "nullable": True},
                "previous": {"type": "string", "format": "uri", "nullable": True},
                "features": schema,
            },
        }
