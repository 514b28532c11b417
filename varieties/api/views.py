"""The plant-variety register over the API, filtered like its HTML list."""

from django.db.models import Prefetch

from girrepo.api.viewsets import RegisterViewSet
from regions.models import Region

from ..filtersets import PlantVarietyFilterSet
from ..models import PlantVariety
from .serializers import PlantVarietySerializer


class PlantVarietyViewSet(RegisterViewSet):
    """New plant varieties bred for Yunnan: national rights and Yunnan flower registrations."""

    queryset = PlantVariety.objects.select_related("owner").prefetch_related(
        Prefetch("growing_regions", queryset=Region.objects.defer("geom", "geom_display"))
    )
    filterset_class = PlantVarietyFilterSet
    serializer_class = PlantVarietySerializer
