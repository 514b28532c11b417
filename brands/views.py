from django.utils.translation import gettext_lazy as _

from girrepo.generic import ObjectDetailView, ObjectListView

from .choices import (
    MARK_STATUS_COLOURS,
    RECORDATION_STATUS_COLOURS,
    MarkStatus,
    RecordationStatus,
)
from .filtersets import CustomsRecordationFilterSet, FamousMarkFilterSet, GIMarkFilterSet
from .selectors import (
    customs_recordation_list,
    famous_mark_list,
    gi_mark_list,
    gi_mark_uses,
    marks_named,
)
from .tables import CustomsRecordationTable, FamousMarkTable, GIMarkTable

# Querysets are built per request: the derived statuses depend on today's date.


class MarkListView(ObjectListView):
    template_name = "brands/mark_list.html"
    selector = None

    def get_queryset(self):
        return type(self).selector()


class GIMarkListView(MarkListView):
    selector = staticmethod(gi_mark_list)
    filterset_class = GIMarkFilterSet
    table_class = GIMarkTable
    list_title = _("GI certification and collective marks")

    def get_queryset(self):
        # The table links the registrant by name: its location point is not needed.
        return super().get_queryset().defer("registrant__location")


class FamousMarkListView(MarkListView):
    selector = staticmethod(famous_mark_list)
    filterset_class = FamousMarkFilterSet
    table_class = FamousMarkTable
    list_title = _("Well-known and famous marks")


class CustomsRecordationListView(MarkListView):
    selector = staticmethod(customs_recordation_list)
    filterset_class = CustomsRecordationFilterSet
    table_class = CustomsRecordationTable
    list_title = _("Customs IP recordations")


class GIMarkDetailView(ObjectDetailView):
    template_name = "brands/gimark_detail.html"

    def get_queryset(self):
        return gi_mark_list().prefetch_related(
            "origin_regions__parent", "related_products", "images", "terms"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        mark = self.object
        ctx["terms"] = list(mark.terms.all())
        ctx["uses"] = gi_mark_uses(mark=mark)[:500]
        ctx["image"] = next(iter(mark.images.all()), None)
        ctx["famous_same_name"] = marks_named(name=mark.name)["famous_marks"].select_related(
            "holder"
        )
        ctx["customs"] = mark.customs_recordations.all()
        ctx["status_label"] = MarkStatus(mark.effective_status).label
        ctx["status_colour"] = MARK_STATUS_COLOURS[mark.effective_status]
        return ctx


class FamousMarkDetailView(ObjectDetailView):
    template_name = "brands/famousmark_detail.html"

    def get_queryset(self):
        return famous_mark_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["gi_marks_same_name"] = marks_named(name=self.object.name)["gi_marks"]
        ctx["customs"] = self.object.customs_recordations.all()
        return ctx


class CustomsRecordationDetailView(ObjectDetailView):
    template_name = "brands/customsrecordation_detail.html"

    def get_queryset(self):
        return customs_recordation_list()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        status = self.object.effective_status
        ctx["status_label"] = RecordationStatus(status).label
        ctx["status_colour"] = RECORDATION_STATUS_COLOURS[status]
        return ctx
