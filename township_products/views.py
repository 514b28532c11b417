import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from girrepo.generic import ObjectDetailView, ObjectListView

from .filtersets import TownshipProductFilterSet
from .models import TownshipProduct
from .selectors import lead_cooperative_warnings
from .tables import TownshipProductTable, related_url

# ~1 m at Yunnan's latitude; the point is a county's label point anyway.
GEOJSON_PRECISION = 5
LIST_FIELDS = (
    "id",
    "product_name",
    "year_recognised",
    "households_involved",
    "is_demo",
    "township",
    "township__name",
    "township__code",
    "township__parent",
    "township__parent__name",
    "township__parent__code",
    "category",
    "category__name",
    "gi_product",
    "gi_product__name",
    "gi_mark",
    "gi_mark__name",
    "variety",
    "variety__denomination",
)


class TownshipProductListView(ObjectListView):
    queryset = TownshipProduct.objects.select_related(
        "township__parent", "category", "gi_product", "gi_mark", "variety"
    ).only(*LIST_FIELDS)
    filterset_class = TownshipProductFilterSet
    table_class = TownshipProductTable
    list_title = _("One township, one product")
    # Townships have no boundaries: the GeoJSON export places each record at its
    # county's label point and says so in ``precision``.
    geojson_field = "township__parent__label_point"

    def geojson_response(self) -> HttpResponse:
        rows = (
            self.object_list.exclude(township__parent__label_point__isnull=True)
            .annotate(point=AsGeoJSON("township__parent__label_point", precision=GEOJSON_PRECISION))
            .order_by("township__code", "product_name", "pk")
        )
        features = [
            {
                "type": "Feature",
                "id": row.pk,
                "geometry": json.loads(row.point),
                "properties": {
                    "product_name": row.product_name,
                    "township": row.township.name,
                    "township_code": row.township.code,
                    "county": row.township.parent.name,
                    "county_code": row.township.parent.code,
                    "precision": "county",
                    "category": row.category.name if row.category_id else None,
                    "gi_product": row.gi_product.name if row.gi_product_id else None,
                    "gi_mark": row.gi_mark.name if row.gi_mark_id else None,
                    "variety": row.variety.denomination if row.variety_id else None,
                    "year_recognised": row.year_recognised,
                    "households_involved": row.households_involved,
                    "is_demo": row.is_demo,
                    "url": self.request.build_absolute_uri(row.get_absolute_url()),
                },
            }
            for row in rows
        ]
        body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/geo+json")
        name = self.get_export_filename("geojson")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class TownshipProductDetailView(ObjectDetailView):
    queryset = TownshipProduct.objects.select_related(
        "township__parent__parent", "category", "gi_product", "gi_mark", "variety"
    ).defer(
        "township__geom",
        "township__geom_display",
        "township__parent__geom",
        "township__parent__geom_display",
        "township__parent__parent__geom",
        "township__parent__parent__geom_display",
    )
    template_name = "township_products/townshipproduct_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        leads = list(obj.lead_cooperatives.select_related("county").defer("county__geom"))
        ctx["leads"] = leads
        ctx["lead_warnings"] = lead_cooperative_warnings(township_product=obj, producers=leads)
        ctx["links"] = []
        for attr in ("gi_product", "gi_mark", "variety"):
            record = getattr(obj, attr)
            if record is not None:
                label = obj._meta.get_field(attr).verbose_name
                ctx["links"].append((label, record, related_url(obj, attr)))
        return ctx
