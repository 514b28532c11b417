from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from girrepo.generic import ObjectDetailView, ObjectListView

from .choices import VarietyStatus
from .filtersets import PlantVarietyFilterSet
from .models import PlantVariety
from .selectors import variety_effective_status
from .tables import PlantVarietyTable


class PlantVarietyListView(ObjectListView):
    queryset = PlantVariety.objects.select_related("owner").only(
        *(f.attname for f in PlantVariety._meta.concrete_fields), "owner__name"
    )
    filterset_class = PlantVarietyFilterSet
    table_class = PlantVarietyTable
    list_title = _("Plant varieties")


def _growing_regions(variety: PlantVariety) -> list:
    """The growing regions, each flagged if it has no boundary of its own (townships:
    the map outlines their county instead, and the page says so)."""
    return list(
        variety.growing_regions.select_related("parent")
        .defer("geom", "geom_display", "label_point", "parent__geom", "parent__geom_display")
        .annotate(
            geom_display_present=ExpressionWrapper(
                Q(geom_display__isnull=False), output_field=BooleanField()
            ),
        )
        .order_by("code")
    )


class PlantVarietyDetailView(ObjectDetailView):
    queryset = PlantVariety.objects.select_related("owner")
    template_name = "varieties/plantvariety_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        variety = self.object
        regions = _growing_regions(variety)
        ctx["growing_regions"] = regions
        ctx["approximated_regions"] = [r for r in regions if not r.geom_display_present]
        ctx["township_products"] = variety.township_products.select_related("township").defer(
            "township__geom", "township__geom_display"
        )
        ctx["effective_status"] = VarietyStatus(variety_effective_status(variety=variety))
        return ctx
