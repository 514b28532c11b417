"""Public pages of the GI product registers: lists per register, detail with area map."""

import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from girrepo.generic import ObjectDetailView, ObjectListView

from .choices import AREA_PRECISION_HELP, AUTHORITY_FULL_NAMES, Register
from .filtersets import GIProductFilterSet
from .models import GIProduct, ProtectedAreaUnit
from .selectors import GEOJSON_PRECISION
from .tables import GIProductTable

# Pages never load the full-resolution area; their maps draw vector tiles (maps app).
HEAVY_FIELDS = ("area_geom", "area_display", "area_label_point")
REGION_HEAVY = ("geom", "geom_display", "label_point")
REGISTER_TITLES = {
    Register.GI_PRODUCT: _("GI protected products"),
    Register.AGRI_GI: _("Agricultural-product GIs"),
}


class GIProductListView(ObjectListView):
    """All GI products, or one register's (``register`` preset by the URL)."""

    queryset = (
        GIProduct.objects.select_related("category")
        .defer(*HEAVY_FIELDS)
        .prefetch_related(
            Prefetch(
                "area_units",
                queryset=ProtectedAreaUnit.objects.select_related("region").only(
                    "product_id", "region", "region__name", "region__code"
                ),
            )
        )
    )
    filterset_class = GIProductFilterSet
    table_class = GIProductTable
    geojson_field = "area_display"
    register: str | None = None

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.filter(register=self.register) if self.register else qs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        if self.register:
            # The URL fixes the register; offering the filter would only mislead.
            filterset.filters.pop("register", None)
        return filterset

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.register:
            kwargs["exclude"] = ("register",)
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        register = self.register or self.request.GET.get("register")
        if register in REGISTER_TITLES:
            ctx["title"] = REGISTER_TITLES[register]
        return ctx

    def get_export_filename(self, export_format):
        prefix = {Register.GI_PRODUCT: "gi-products", Register.AGRI_GI: "agri-gis"}
        return f"{prefix.get(self.register, 'products')}.{export_format}"

    def geojson_response(self) -> HttpResponse:
        """The simplified areas (~100 m), 5 decimals: never the full-resolution outline."""
        rows = (
            self.object_list.prefetch_related(None)
            .exclude(area_display__isnull=True)
            .annotate(geojson=AsGeoJSON("area_display", precision=GEOJSON_PRECISION))
            .values(
                "pk",
                "name",
                "name_en",
                "register",
                "category__slug",
                "status",
                "area_precision",
                "geojson",
            )
        )
        features = [
            {
                "type": "Feature",
                "geometry": json.loads(row.pop("geojson")),
                "properties": {
                    **row,
                    "category": row.pop("category__slug"),
                    "url": reverse("products:product_detail", kwargs={"pk": row["pk"]}),
                },
            }
            for row in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/geo+json")
        name = self.get_export_filename("geojson")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class GIProductDetailView(ObjectDetailView):
    # The counts let the page skip the queries for links that do not exist.
    # Marks and 一乡一品 records live in apps further right: they are reached
    # through their reverse relations, never imported.
    queryset = (
        GIProduct.objects.select_related("category")
        .defer(*HEAVY_FIELDS)
        .annotate(
            mark_count=Count("marks", distinct=True),
            township_product_count=Count("township_products", distinct=True),
        )
    )
    template_name = "products/product_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        product = self.object
        ctx["units"] = list(
            product.area_units.select_related("region__parent").defer(
                *(f"region__{f}" for f in REGION_HEAVY),
                *(f"region__parent__{f}" for f in REGION_HEAVY),
            )
        )
        ctx["standards"] = list(product.standards.all())
        ctx["photos"] = list(product.photos.all())
        ctx["precision_help"] = AREA_PRECISION_HELP[product.area_precision]
        ctx["authority_full_name"] = AUTHORITY_FULL_NAMES.get(product.authority, "")
        ctx["register_list_url"] = REGISTER_URLS[product.register]
        ctx.update(_related_records(product))
        return ctx


def _related_records(product: GIProduct) -> dict:
    """GI marks, 一乡一品 records and, through those, plant varieties linked to the product."""
    marks = []
    if product.mark_count:
        marks = list(product.marks.only("id", "name", "mark_type", "registration_number", "status"))
    township_products = []
    if product.township_product_count:
        township_products = list(
            product.township_products.select_related("township__parent", "variety").only(
                "id",
                "product_name",
                "gi_product",
                "is_demo",
                "township__code",
                "township__name",
                "township__parent__code",
                "township__parent__name",
                "variety__id",
                "variety__denomination",
                "variety__species_zh",
            )
        )
    varieties = {tp.variety.pk: tp.variety for tp in township_products if tp.variety}
    return {
        "related_marks": marks,
        "township_products": township_products,
        "related_varieties": sorted(varieties.values(), key=lambda v: v.denomination),
    }


REGISTER_URLS = {
    Register.GI_PRODUCT: "products:gi_product_list",
    Register.AGRI_GI: "products:agri_gi_list",
}
