"""The marks registers over the API; statuses are the effective ones the lists show."""

from django.db.models import Prefetch

from girrepo.api.viewsets import RegisterViewSet
from regions.models import Region

from ..filtersets import CustomsRecordationFilterSet, FamousMarkFilterSet, GIMarkFilterSet
from ..selectors import customs_recordation_list, famous_mark_list, gi_mark_list, gi_mark_uses
from .serializers import (
    CustomsRecordationSerializer,
    FamousMarkSerializer,
    GIMarkDetailSerializer,
    GIMarkSerializer,
)

USES_SHOWN = 500


class GIMarkViewSet(RegisterViewSet):
    """GI certification and collective marks: a register of their own, linked to the
    GI products of the same name but never merged with them. The detail lists the
    mark's lawful users (licensees or members)."""

    queryset = gi_mark_list().none()  # the schema's model; each request gets a fresh one
    filterset_class = GIMarkFilterSet
    serializer_class = GIMarkSerializer

    def get_queryset(self):
        # Built per request: the effective status depends on today's date.
        return gi_mark_list().prefetch_related(
            Prefetch("origin_regions", queryset=Region.objects.defer("geom", "geom_display")),
            "related_products",
            "terms",
        )

    def get_serializer_class(self):
        return GIMarkDetailSerializer if self.action == "retrieve" else GIMarkSerializer

    def get_object(self):
        mark = super().get_object()
        mark.uses_shown = list(gi_mark_uses(mark=mark)[:USES_SHOWN])
        return mark


class FamousMarkViewSet(RegisterViewSet):
    """China well-known marks and Yunnan famous marks, with whether each is in force today."""

    queryset = famous_mark_list().none()
    filterset_class = FamousMarkFilterSet
    serializer_class = FamousMarkSerializer

    def get_queryset(self):
        return famous_mark_list()


class CustomsRecordationViewSet(RegisterViewSet):
    """Rights recorded with customs for border protection."""

    queryset = customs_recordation_list().none()
    filterset_class = CustomsRecordationFilterSet
    serializer_class = CustomsRecordationSerializer

    def get_queryset(self):
        return customs_recordation_list()
