"""Filtering for the API: the HTML lists' FilterSets, and a bounding box.

The FilterSet of each register (``<app>/filtersets.py``) is plugged into the API
through django-filter's DRF backend, so a filter exists once for the list page,
its exports, its map and the API. ``bbox`` (xmin,ymin,xmax,ymax in WGS-84, the
one order used everywhere) keeps the features whose geometry intersects the box.
"""

import math

from django.contrib.gis.geos import Polygon
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework_gis.filters import InBBoxFilter

from .exceptions import BadBBox

# Query parameters that are never filters (paging, format, the bbox backend's own).
NOT_FILTERS = frozenset({"limit", "cursor", "format", "bbox"})
# Longitude and latitude limits of WGS-84.
WORLD = (-180.0, -90.0, 180.0, 90.0)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; a view may pass extra FilterSet arguments (e.g. a scope),
    and a value the database cannot compare (``region_id=abc``) is a 400, not a 500."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        extra = getattr(view, "get_filterset_extra_kwargs", None)
        if extra is not None:
            kwargs.update(extra())
        return kwargs

    def filter_queryset(self, request, queryset, view):
        if not set(request.query_params) - NOT_FILTERS:
            # Nothing to filter by: a FilterSet without data filters nothing, and building
            # its form costs more than the whole database query of a page.
            return queryset
        try:
            return super().filter_queryset(request, queryset, view)
        except (ValueError, TypeError, OverflowError) as exc:
            # Raised while building the query from a value the form let through.
            raise exceptions.ValidationError(
                {"filter": [exceptions.ErrorDetail(str(exc)[:200], code="invalid")]}
            ) from exc


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """``xmin,ymin,xmax,ymax`` (or the six numbers of a 3-D box, heights ignored)."""
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) not in (4, 6):
        raise BadBBox()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise BadBBox() from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    xmin, ymin, xmax, ymax = numbers
    if not all(math.isfinite(n) for n in numbers):
        raise BadBBox()
    if not (WORLD[0] <= xmin <= xmax <= WORLD[2] and WORLD[1] <= ymin <= ymax <= WORLD[3]):
        raise BadBBox()
    return xmin, ymin, xmax, ymax


def bbox_polygon(raw: str) -> Polygon:
    polygon = Polygon.from_bbox(parse_bbox(raw))
    polygon.srid = 4326
    return polygon


class BBoxFilter(InBBoxFilter):
    """``?bbox=xmin,ymin,xmax,ymax``: features intersecting the box (``view.bbox_filter_field``)."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if raw is None or not raw.strip():
            return None
        return bbox_polygon(raw)

    def filter_queryset(self, request, queryset, view):
        field = getattr(view, "bbox_filter_field", None)
        if not field:
            return queryset
        bbox = self.get_filter_bbox(request)
        if bbox is None:
            return queryset
        return queryset.filter(**{f"{field}__intersects": bbox})

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "bbox_filter_field", None):
            return []
        return [
            {
                "name": self.bbox_param,
                "required": False,
                "in": "query",
                "description": (
                    "Only features whose geometry intersects this box: xmin,ymin,xmax,ymax in "
                    "WGS-84 degrees (longitude, latitude), e.g. 103.5,24.5,104.5,25.5."
                ),
                "schema": {
                    "type": "array",
                    "items": {"type": "number", "minimum": -180, "maximum": 180},
                    "minItems": 4,
                    "maxItems": 4,
                },
                "style": "form",
                "explode": False,
            }
        ]
