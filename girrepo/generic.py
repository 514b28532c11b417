"""Generic list and detail views that every register uses (NetBox's generic views).

A register declares its model, FilterSet and Table; the list page, its filter
form, sorting, paging and the CSV / Excel / GeoJSON exports then all come from
that one FilterSet, so a filter exists exactly once.
"""

from django.core.serializers import serialize
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin
from django_tables2.rows import BoundRows

from .keyset import CURSOR_PARAM, keyset_page
from .tables import Body

EXPORT_FORMATS = ("csv", "xlsx", "geojson")


class ObjectListView(ExportMixin, SingleTableMixin, FilterView):
    """A filtered, sortable, paginated register list with exports.

    Subclasses set ``model`` (or ``queryset``), ``filterset_class``,
    ``table_class`` and, for spatial registers, ``geojson_field`` plus
    ``geojson_properties``.
    """

    template_name = "generic/object_list.html"
    table_template_name = "generic/table.html"
    # Keyset pages (girrepo.keyset): no COUNT(*) and no OFFSET, so page 5,000
    # costs what page 1 does, in whatever column order the list is sorted.
    # (``paginate_by`` stays None: ListView's own paginator would COUNT.)
    per_page = 50
    export_formats = ("csv", "xlsx")
    export_trigger_param = "export"
    geojson_field: str | None = None
    geojson_properties: tuple[str, ...] = ()
    strict = False  # an invalid filter shows form errors instead of an empty list
    list_title = None

    @property
    def register_model(self):
        return self.filterset_class._meta.model

    def get_export_filename(self, export_format):
        return f"{self.register_model._meta.model_name}s.{export_format}"

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "template_name": self.table_template_name}

    def get_table(self, **kwargs):
        """The sorted table; for a page view, one keyset page of it (not for exports,
        which take every filtered row)."""
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        RequestConfig(self.request, paginate=False).configure(table)
        export = self.request.GET.get(self.export_trigger_param)
        if export not in EXPORT_FORMATS and not self.export_class.is_valid_format(export):
            cursor = self.request.GET.get(CURSOR_PARAM)
            page = keyset_page(table.data.data, per_page=self.per_page, cursor=cursor)
            page.object_list = BoundRows(data=page.rows, table=table)
            # generic/table.html writes the rows in one pass (girrepo.tables).
            table.body = Body(table, page.rows)
            page.next_url = self._page_url(page.next_cursor())
            page.previous_url = self._page_url(page.previous_cursor())
            page.first_url = None if page.is_first else self._page_url("")
            table.page = page
        return table

    def _page_url(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop(CURSOR_PARAM, None)
        if cursor:
            query[CURSOR_PARAM] = cursor
        return f"?{query.urlencode()}"

    def render_to_response(self, context, **kwargs):
        if self.request.GET.get(self.export_trigger_param) == "geojson" and self.geojson_field:
            return self.geojson_response()
        return super().render_to_response(context, **kwargs)

    def geojson_response(self) -> HttpResponse:
        qs = self.object_list.exclude(**{f"{self.geojson_field}__isnull": True})
        body = serialize(
            "geojson",
            qs,
            geometry_field=self.geojson_field,
            fields=self.geojson_properties,
        )
        response = HttpResponse(body, content_type="application/geo+json")
        name = self.get_export_filename("geojson")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opts = self.register_model._meta
        ctx["title"] = self.list_title or opts.verbose_name_plural
        ctx["export_formats"] = [
            f
            for f in EXPORT_FORMATS
            if f in self.export_formats or (f == "geojson" and self.geojson_field)
        ]
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop(CURSOR_PARAM, None)
        query.pop(self.export_trigger_param, None)
        ctx["filter_query"] = query.urlencode()
        ctx["filter_active"] = any(
            v for k, v in self.request.GET.items() if k not in ("page", "sort", CURSOR_PARAM)
        )
        return ctx


class ObjectDetailView(DetailView):
    """A register record's public page; templates extend ``generic/object_detail.html``."""

    slug_field = "pk"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opts = self.object._meta
        ctx["opts"] = opts
        if self.request.user.is_staff:
            ctx["history_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_history", args=[self.object.pk]
            )
        return ctx


NO_RESULTS = _("Nothing matches these filters.")
