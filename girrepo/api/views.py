"""The API's own pages: its root (a map of the registers) and JSON for unknown paths."""

from django.http import JsonResponse
from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import error_body
from .viewsets import APIViewMixin

# name shown in the root: the list route of each register (namespace:basename-list).
ENDPOINTS = {
    "regions": "regions-api:region-list",
    "producers": "producers-api:producer-list",
    "gi_products": "products-api:giproduct-list",
    "product_categories": "products-api:category-list",
    "gi_marks": "brands-api:gimark-list",
    "famous_marks": "brands-api:famousmark-list",
    "customs_recordations": "brands-api:customsrecordation-list",
    "plant_varieties": "varieties-api:plantvariety-list",
    "township_products": "township_products-api:townshipproduct-list",
    "authorizations": "labels-public-api:authorization-list",
    "cancellations": "labels-public-api:cancellation-list",
    "applications": "labels-public-api:application-list",
    "annual_reports": "labels-public-api:annualreport-list",
    "supervision": "labels-public-api:supervision-list",
    "token": "api-token",
    "schema": "api-schema",
    "docs": "api-docs",
    "ogc": "ogc:landing",
}


class APIRootSerializer(serializers.Serializer):
    endpoints = serializers.DictField(child=serializers.URLField())


class APIRootView(APIViewMixin, APIView):
    """Where each register's endpoint is, the schema and the docs, and the OGC API."""

    @extend_schema(responses=APIRootSerializer)
    def get(self, request):
        endpoints = {}
        for key, name in ENDPOINTS.items():
            try:
                endpoints[key] = request.build_absolute_uri(reverse(name))
            except NoReverseMatch:  # an app not mounted in this deployment
                continue
        return Response({"endpoints": endpoints})


def not_found(request, *args, **kwargs):
    """Any path under /api/ that names no endpoint: the API's 404, in JSON."""
    return JsonResponse(
        error_body("not_found"), status=404, json_dumps_params={"ensure_ascii": False}
    )
