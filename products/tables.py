import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import GIProduct

# Units named in the list cell; the detail page shows them all.
UNITS_SHOWN = 4


class GIProductTable(tables.Table):
    name = tables.Column(linkify=True)
    category = tables.Column(order_by=("category__name",))
    announcement = tables.Column(
        verbose_name=_("Announced"),
        empty_values=(),
        order_by=("announcement_date", "announcement_year"),
    )
    area_units = tables.Column(
        verbose_name=_("Protected area"),
        empty_values=(),
        orderable=False,
    )

    class Meta:
        model = GIProduct
        fields = (
            "name",
            "name_en",
            "register",
            "category",
            "authority",
            "announcement",
            "status",
            "area_units",
            "area_precision",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Nothing matches these filters.")

    def value_announcement(self, record: GIProduct) -> str:
        when = record.announcement_date or record.announcement_year or ""
        return str(when)

    def render_announcement(self, record: GIProduct):
        when = self.value_announcement(record) or "—"
        if record.announcement_verified:
            return when
        return format_html(
            '{} <span class="badge text-bg-warning">{}</span>', when, _("unverified")
        )

    def value_area_units(self, record: GIProduct) -> str:
        names = [u.region.name for u in record.area_units.all()]
        return "、".join([*names, *record.area_unmatched])

    def render_area_units(self, record: GIProduct) -> str:
        names = [u.region.name for u in record.area_units.all()]
        if not names:
            return "—"
        shown = "、".join(names[:UNITS_SHOWN])
        return shown + ("…" if len(names) > UNITS_SHOWN else "")
