import json

from girrepo.generic import ObjectDetailView, ObjectListView
from maps.folium import offline_map, outline_layer, render_map

from .filtersets import ProducerFilterSet
from .models import Producer
from .tables import ProducerTable


class ProducerListView(ObjectListView):
    queryset = Producer.objects.select_related("county", "township").defer(
        "county__geom", "county__geom_display", "township__geom", "township__geom_display"
    )
    filterset_class = ProducerFilterSet
    table_class = ProducerTable
    geojson_field = "location"
    geojson_properties = ("name", "credit_code", "kind", "status")


class ProducerDetailView(ObjectDetailView):
    queryset = Producer.objects.select_related("county__parent", "township")
    template_name = "producers/producer_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        producer = self.object
        ctx["members"] = producer.members.select_related("township")[:200]
        if producer.location is not None:
            m = offline_map(location=[producer.location.y, producer.location.x], zoom_start=11)
            features = []
            if producer.county and producer.county.geom_display:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": _geojson(producer.county.geom_display),
                        "properties": {
                            "label": producer.county.name,
                            "url": producer.county.get_absolute_url(),
                        },
                    }
                )
            features.append(
                {
                    "type": "Feature",
                    "geometry": _geojson(producer.location),
                    "properties": {"label": producer.name},
                }
            )
            outline_layer(features, style={"color": "#0d6efd", "weight": 2}).add_to(m)
            ctx["map"] = render_map(m)
        return ctx


def _geojson(geom) -> dict:
    return json.loads(geom.geojson)
