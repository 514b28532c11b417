"""The GI product registers over the API, with their protected areas as GeoJSON."""

from django.db.models import Case, FloatField, Prefetch, Value, When

from girrepo.api.geojson import Multi
from girrepo.api.schema import MultiPolygonField
from girrepo.api.viewsets import GeoRegisterViewSet, RegisterViewSet
from girrepo.gis import SimplifyPreserveTopology

from ..filtersets import GIProductFilterSet
from ..models import Category, GIProduct, ProtectedAreaUnit
from ..selectors import MAP_TOLERANCE_BY_KM2
from .serializers import CategorySerializer, GIProductPropertiesSerializer, GIProductSerializer

HEAVY_FIELDS = ("area_geom", "area_display", "area_label_point")


def _list_tolerance() -> Case:
    """The product maps' simplification, by the size of the area (products.selectors)."""
    whens = [When(area_km2__gte=km2, then=Value(t)) for km2, t in MAP_TOLERANCE_BY_KM2]
    return Case(*whens, default=Value(0.0), output_field=FloatField())


class GIProductViewSet(GeoRegisterViewSet):
    """GI protected products and agricultural-product GIs (two registers, never merged).

    The geometry is the mapped protected area: simplified in lists (as on the
    product maps), the display area in the detail; null when not mapped.
    ``area_precision`` says how far it can be trusted: exact, approximate
    (larger units stand in for townships), or not mapped.
    """

    queryset = (
        GIProduct.objects.select_related("category")
        .defer(*HEAVY_FIELDS)
        .prefetch_related(
            "standards",
            "marks",
            Prefetch(
                "area_units",
                queryset=ProtectedAreaUnit.objects.select_related("region").defer(
                    "region__geom", "region__geom_display", "region__label_point"
                ),
            ),
        )
    )
    filterset_class = GIProductFilterSet
    serializer_class = GIProductSerializer
    properties_class = GIProductPropertiesSerializer
    feature_name = "GIProduct"
    geometry = Multi(SimplifyPreserveTopology("area_display", _list_tolerance()))
    detail_geometry = "area_display"
    geometry_field = MultiPolygonField
    bbox_filter_field = "area_geom"


class CategoryViewSet(RegisterViewSet):
    """Product categories (the values of the products' ``category`` filter)."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_class = None
