"""The benchmark's baseline: the producer list as a plain djangorestframework-gis
``GeoFeatureModelSerializer`` endpoint, with the same queryset, FilterSet, bbox filter,
cursor pages, properties and 5-decimal rounding as /api/producers/producers/.

Used as ROOT_URLCONF by bench/bench_api.py only: the project's URLs plus this one route.
"""

from django.urls import path
from rest_framework import generics, serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from girrepo.api.viewsets import APIViewMixin
from girrepo.urls import urlpatterns as project_urls
from producers.api.views import ProducerViewSet
from producers.models import Producer


class ProducerGeoFeatureSerializer(GeoFeatureModelSerializer):
    location = GeometryField(precision=5)
    county_code = serializers.CharField(source="county.code", allow_null=True)
    county = serializers.CharField(source="county.name", allow_null=True)
    township_code = serializers.CharField(source="township.code", allow_null=True)
    township = serializers.CharField(source="township.name", allow_null=True)

    class Meta:
        model = Producer
        geo_field = "location"
        fields = [
            "id",
            "name",
            "name_en",
            "credit_code",
            "kind",
            "status",
            "county_code",
            "county",
            "township_code",
            "township",
            "member_households",
            "is_demo",
        ]


class BaselineProducerList(APIViewMixin, generics.ListAPIView):
    queryset = ProducerViewSet.queryset
    serializer_class = ProducerGeoFeatureSerializer
    filterset_class = ProducerViewSet.filterset_class
    filter_backends = ProducerViewSet.filter_backends
    bbox_filter_field = ProducerViewSet.bbox_filter_field
    pagination_class = ProducerViewSet.pagination_class
    renderer_classes = ProducerViewSet.renderer_classes


urlpatterns = [
    path("bench/producers-drf-gis/", BaselineProducerList.as_view()),
    *project_urls,
]
