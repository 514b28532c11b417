from django.apps import apps
from django.db.models import prefetch_related_objects

from girrepo.generic import ObjectDetailView, ObjectListView

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
        ctx.update(_registrations(producer))
        return ctx


def _registrations(producer: Producer) -> dict:
    """What the registers further right record about this producer, in a fixed number
    of queries. Those apps import producers, so they are reached through their
    reverse relations and the app registry, never imported from here."""
    # For brands/includes/producer_marks.html, which reads these four relations.
    prefetch_related_objects(
        [producer], "gi_marks", "gi_mark_uses__mark", "famous_marks", "customs_recordations"
    )
    return {
        "owned_varieties": list(producer.plant_varieties.order_by("denomination", "pk")),
        "led_township_products": list(
            producer.township_products.select_related("township__parent", "gi_product").order_by(
                "township__code", "product_name"
            )
        ),
        "covering_areas": _covering_areas(producer),
    }


def _covering_areas(producer: Producer) -> list[dict]:
    """GI products whose mapped protected area contains the producer's location.

    One GiST-indexed query over the subdivided area parts. Only an exact area
    lets the page say "inside"; inside an approximate one (a county standing in
    for townships) needs manual verification, and unmapped areas cannot be
    checked at all, so they are not listed.
    """
    if producer.location is None:
        return []
    parts = apps.get_model("products", "ProtectedAreaPart").objects
    return list(
        parts.filter(geom__covers=producer.location)
        .values(
            "product_id",
            "product__name",
            "product__register",
            "product__area_precision",
        )
        .distinct()
        .order_by("product__name", "product_id")
    )
