import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from girrepo.tables import DateColumn

from .choices import (
    MARK_STATUS_COLOURS,
    RECORDATION_STATUS_COLOURS,
    MarkStatus,
    RecordationStatus,
)
from .models import CustomsRecordation, FamousMark, GIMark

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}
EMPTY_TEXT = _("Nothing matches these filters.")


class StatusColumn(tables.Column):
    """A derived status shown as a coloured badge, exported as its label."""

    def __init__(self, *args, choices, colours, **kwargs):
        self.choices = choices
        self.colours = colours
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_html(
            '<span class="badge text-bg-{}">{}</span>',
            self.colours.get(value, "secondary"),
            self.choices(value).label,
        )

    def value(self, value):
        return str(self.choices(value).label)


class GIMarkTable(tables.Table):
    name = tables.Column(linkify=True)
    registration_number = tables.Column(
        verbose_name=_("registration number"), default="", empty_values=()
    )
    nice_classes = tables.Column(verbose_name=_("Nice classes"), orderable=False)
    registrant = tables.Column(linkify=True, order_by=("registrant__name",), default="")
    current_expiry = DateColumn(verbose_name=_("current term ends"), format="Y-m-d", default="")
    registration_date = DateColumn(format="Y-m-d", default="")
    effective_status = StatusColumn(
        verbose_name=_("status"), choices=MarkStatus, colours=MARK_STATUS_COLOURS
    )

    class Meta:
        model = GIMark
        fields = (
            "name",
            "mark_type",
            "registration_number",
            "nice_classes",
            "registrant",
            "registration_date",
            "current_expiry",
            "effective_status",
        )
        attrs = TABLE_ATTRS
        empty_text = EMPTY_TEXT

    def render_registration_number(self, value):
        return value or format_html(
            '<span class="badge text-bg-light border">{}</span>', _("not recorded")
        )

    def value_registration_number(self, value):
        return value or ""

    def render_nice_classes(self, value):
        return ", ".join(str(n) for n in value) if value else "—"

    def value_nice_classes(self, value):
        return ",".join(str(n) for n in value or [])


class FamousMarkTable(tables.Table):
    name = tables.Column(linkify=True)
    holder = tables.Column(linkify=True, order_by=("holder__name",), default="")
    recognition_date = DateColumn(format="Y-m-d", default="")
    valid_until = DateColumn(format="Y-m-d", default="")
    is_current = tables.BooleanColumn(verbose_name=_("in force today"))

    class Meta:
        model = FamousMark
        fields = (
            "name",
            "kind",
            "trademark_number",
            "nice_class",
            "holder",
            "recognition_date",
            "valid_until",
            "is_current",
        )
        attrs = TABLE_ATTRS
        empty_text = EMPTY_TEXT


class CustomsRecordationTable(tables.Table):
    recorded_right = tables.Column(linkify=True)
    holder = tables.Column(linkify=True, order_by=("holder__name",), default="")
    recordation_date = DateColumn(format="Y-m-d", default="")
    valid_until = DateColumn(format="Y-m-d", default="")
    effective_status = StatusColumn(
        verbose_name=_("status"), choices=RecordationStatus, colours=RECORDATION_STATUS_COLOURS
    )

    class Meta:
        model = CustomsRecordation
        fields = (
            "recorded_right",
            "right_type",
            "recordation_number",
            "holder",
            "recordation_date",
            "valid_until",
            "effective_status",
        )
        attrs = TABLE_ATTRS
        empty_text = EMPTY_TEXT
