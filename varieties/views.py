import json

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import BooleanField, Case, ExpressionWrapper, Q, TextField, When
from django.utils.translation import gettext_lazy as _

from girrepo.generic import ObjectDetailView, ObjectListView
from girrepo.gis import SimplifyPreserveTopology
from maps.folium import MapParts, offline_map, outline_layer, render_map

from .choices import VarietyStatus
from .filtersets import PlantVarietyFilterSet
from .models import PlantVariety
from .selectors import variety_effective_status
from .tables import PlantVarietyTable

# A small map: ~200 m tolerance is below a pixel at prefecture scale.
MAP_TOLERANCE_DEG = 0.002
REGION_STYLE = {"color": "#198754", "weight": 2, "fillOpacity": 0.15}
FALLBACK_STYLE = {"color": "#6c757d", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.05}


class PlantVarietyListView(ObjectListView):
    queryset = PlantVariety.objects.select_related("owner").only(
        *(f.attname for f in PlantVariety._meta.concrete_fields), "owner__name"
    )
    filterset_class = PlantVarietyFilterSet
    table_class = PlantVarietyTable
    list_title = _("Plant varieties")


def _outline(field: str) -> AsGeoJSON:
    return AsGeoJSON(SimplifyPreserveTopology(field, MAP_TOLERANCE_DEG), precision=5, bbox=True)


def _growing_regions(variety: PlantVariety) -> list:
    """The growing regions with a display outline each: their own, or (townships)
    their county's, flagged so that the page can say so."""
    return list(
        variety.growing_regions.select_related("parent")
        .defer("geom", "geom_display", "label_point", "parent__geom", "parent__geom_display")
        .annotate(
            geom_display_present=ExpressionWrapper(
                Q(geom_display__isnull=False), output_field=BooleanField()
            ),
            outline=Case(
                When(geom_display__isnull=False, then=_outline("geom_display")),
                default=_outline("parent__geom_display"),
                output_field=TextField(),
            ),
        )
        .order_by("code")
    )


def _growing_map(regions: list) -> MapParts | None:
    own, fallback, boxes = [], [], []
    for region in regions:
        if not region.outline:
            continue
        geometry = json.loads(region.outline)
        boxes.append(geometry.pop("bbox"))
        feature = {
            "type": "Feature",
            "geometry": geometry,
            "properties": {"label": region.name, "url": region.get_absolute_url()},
        }
        (own if region.geom_display_present else fallback).append(feature)
    if not boxes:
        return None
    xmin = min(b[0] for b in boxes)
    ymin = min(b[1] for b in boxes)
    xmax = max(b[2] for b in boxes)
    ymax = max(b[3] for b in boxes)
    m = offline_map(location=[(ymin + ymax) / 2, (xmin + xmax) / 2], zoom_start=8)
    if own:
        outline_layer(own, style=REGION_STYLE).add_to(m)
    if fallback:
        outline_layer(fallback, style=FALLBACK_STYLE).add_to(m)
    m.fit_bounds([[ymin, xmin], [ymax, xmax]], padding=(16, 16))
    return render_map(m)


class PlantVarietyDetailView(ObjectDetailView):
    queryset = PlantVariety.objects.select_related("owner")
    template_name = "varieties/plantvariety_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        variety = self.object
        regions = _growing_regions(variety)
        ctx["growing_regions"] = regions
        ctx["approximated_regions"] = [r for r in regions if not r.geom_display_present]
        ctx["map"] = _growing_map(regions)
        ctx["township_products"] = variety.township_products.select_related("township").defer(
            "township__geom", "township__geom_display"
        )
        ctx["effective_status"] = VarietyStatus(variety_effective_status(variety=variety))
        return ctx
