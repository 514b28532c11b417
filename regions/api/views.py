"""The region register over the API: GeoJSON regions with their simplified boundaries."""

from girrepo.api.schema import MultiPolygonField
from girrepo.api.viewsets import GeoRegisterViewSet

from ..models import Region
from .filtersets import RegionFilterSet
from .serializers import RegionPropertiesSerializer, RegionSerializer


class RegionViewSet(GeoRegisterViewSet):
    """Administrative regions: province, prefectures, counties and townships.

    Lists carry the simplified display boundary; a region's detail carries its
    full boundary. Townships have no boundary (geometry null) until an agency
    imports one. Coordinates are WGS-84, rounded to 5 decimals (~1 m).
    """

    queryset = Region.objects.select_related("parent").defer(
        "geom", "geom_display", "label_point", "parent__geom", "parent__geom_display"
    )
    filterset_class = RegionFilterSet
    serializer_class = RegionSerializer
    properties_class = RegionPropertiesSerializer
    feature_name = "Region"
    geometry = "geom_display"
    detail_geometry = "geom"
    geometry_field = MultiPolygonField
    bbox_filter_field = "geom"
