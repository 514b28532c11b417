"""Base views of the API (NetBox's ``netbox/api/viewsets``): the registers only declare.

A register's viewset sets its queryset, its FilterSet (the HTML list's) and a
serializer. A spatial register also declares its geometry and the serializer of
its feature properties; its list is then a GeoJSON FeatureCollection written by
PostGIS, its detail a GeoJSON Feature.
"""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Expression, F, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from .exceptions import exception_handler
from .filters import BBoxFilter, FilterBackend
from .geojson import GEOJSON_PRECISION, FeatureSpec
from .pagination import CursorPagination, GeoJSONCursorPagination
from .renderers import GeoJSONRenderer, JSONRenderer
from .schema import AutoSchema, feature_serializer


class APIViewMixin:
    """Policies every girrepo API view shares, whatever the global settings say."""

    authentication_classes = (SessionAuthentication, TokenAuthentication)
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (AnonRateThrottle,)
    renderer_classes = (JSONRenderer,)
    parser_classes = (JSONParser,)
    schema = AutoSchema()

    def get_exception_handler(self):
        return exception_handler


class RegisterViewSet(APIViewMixin, viewsets.ReadOnlyModelViewSet):
    """A public register, read-only: a cursor-paged list through its FilterSet, and detail."""

    filter_backends = (FilterBackend,)
    pagination_class = CursorPagination
    lookup_value_regex = r"[0-9]+"


class GeoRegisterViewSet(RegisterViewSet):
    """A spatial register: GeoJSON list (built in PostGIS) and GeoJSON detail.

    Subclasses set ``feature_name`` (names the schema components), ``geometry``
    (a field name or expression, for lists), ``detail_geometry`` (for the detail
    page, defaults to ``geometry``), ``geometry_field`` (its schema: PointField,
    MultiPolygonField…), ``properties_class`` (list properties) and
    ``serializer_class`` (the detail's properties), plus ``bbox_filter_field``.
    """

    renderer_classes = (GeoJSONRenderer, JSONRenderer)
    filter_backends = (FilterBackend, BBoxFilter)
    pagination_class = GeoJSONCursorPagination
    feature_name: str = ""
    geometry: str | Expression = ""
    detail_geometry: str | Expression | None = None
    geometry_field: type = None
    properties_class: type = None
    bbox_filter_field: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.feature_name:
            return
        listed = feature_serializer(
            name=cls.feature_name, properties=cls.properties_class, geometry=cls.geometry_field
        )
        detailed = feature_serializer(
            name=f"{cls.feature_name}Detail",
            properties=cls.serializer_class,
            geometry=cls.geometry_field,
        )
        extend_schema_view(
            list=extend_schema(responses=listed(many=True)),
            retrieve=extend_schema(responses=detailed),
        )(cls)

    def get_feature_spec(self) -> FeatureSpec:
        return FeatureSpec(properties=self.properties_class, geometry=self.geometry)

    def get_rows(self) -> QuerySet:
        """The register as ``{"id", "feature"}`` rows. Built once per process (the
        querysets of the spatial registers are fixed): resolving the feature expression
        costs about as much as PostgreSQL takes to run a page."""
        cls = type(self)
        rows = cls.__dict__.get("_rows")
        if rows is None:
            rows = cls._rows = self.get_feature_spec().rows(self.get_queryset())
        return rows.all()

    def list(self, request, *args, **kwargs):
        rows = self.get_rows()
        filtered = self.filter_queryset(rows)
        if filtered.query.distinct:
            # Hierarchy filters join many-to-many links: never DISTINCT on feature texts.
            filtered = rows.filter(pk__in=filtered.values("pk"))
        page = self.paginate_queryset(filtered)
        return self.get_paginated_response([row["feature"] for row in page])

    def retrieve(self, request, *args, **kwargs):
        geometry = self.detail_geometry or self.geometry
        if isinstance(geometry, str):
            geometry = F(geometry)
        queryset = self.get_queryset().annotate(
            geometry_geojson=AsGeoJSON(geometry, precision=GEOJSON_PRECISION)
        )
        instance = get_object_or_404(queryset, pk=self.kwargs[self.lookup_field])
        self.check_object_permissions(request, instance)
        gj = instance.geometry_geojson
        return Response(
            {
                "type": "Feature",
                "id": instance.pk,
                "geometry": json.loads(gj) if gj else None,
                "properties": self.get_serializer(instance).data,
            }
        )
