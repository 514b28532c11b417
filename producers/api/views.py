"""The producer register over the API: GeoJSON points, filtered like the HTML list."""

from girrepo.api.schema import PointField
from girrepo.api.viewsets import GeoRegisterViewSet

from ..filtersets import ProducerFilterSet
from ..models import Producer
from .serializers import ProducerPropertiesSerializer, ProducerSerializer

REGION_HEAVY = ("geom", "geom_display", "label_point")


class ProducerViewSet(GeoRegisterViewSet):
    """Enterprises, cooperatives and associations, located as WGS-84 points.

    The filters are the producer list's (``q``, ``region``, ``kind``…); a
    producer without a known location has a null geometry and is never inside
    a ``bbox``.
    """

    queryset = Producer.objects.select_related("county", "township").defer(
        *(f"{fk}__{f}" for fk in ("county", "township") for f in REGION_HEAVY)
    )
    filterset_class = ProducerFilterSet
    serializer_class = ProducerSerializer
    properties_class = ProducerPropertiesSerializer
    feature_name = "Producer"
    geometry = "location"
    geometry_field = PointField
    bbox_filter_field = "location"
