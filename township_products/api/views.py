"""One township, one product over the API, filtered like the HTML list.

Townships have no boundaries, so this register is plain JSON here; the OGC
collection ``township-products`` places each at its county's label point.
"""

from girrepo.api.viewsets import RegisterViewSet

from ..filtersets import TownshipProductFilterSet
from ..models import TownshipProduct
from .serializers import TownshipProductSerializer

REGION_HEAVY = ("geom", "geom_display", "label_point")


class TownshipProductViewSet(RegisterViewSet):
    """Townships' featured products as the counties and prefectures recognised them."""

    queryset = (
        TownshipProduct.objects.select_related(
            "township__parent", "category", "gi_product", "gi_mark"
        )
        .defer(*(f"{r}__{f}" for r in ("township", "township__parent") for f in REGION_HEAVY))
        .prefetch_related("lead_cooperatives")
    )
    filterset_class = TownshipProductFilterSet
    serializer_class = TownshipProductSerializer
