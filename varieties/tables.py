import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from girrepo.tables import DateColumn

from .models import PlantVariety


class PlantVarietyTable(tables.Table):
    denomination = tables.Column(linkify=True)
    species_zh = tables.Column(verbose_name=_("species"))
    species_latin = tables.Column(visible=False)
    owner = tables.Column(
        verbose_name=_("applicant / owner"),
        accessor="owner_display",
        order_by=("owner__name", "owner_name"),
    )
    plant_type = tables.Column(visible=False)
    breeders = tables.Column(visible=False)
    application_number = tables.Column(visible=False)
    application_date = DateColumn(format="Y-m-d", visible=False)
    grant_date = DateColumn(format="Y-m-d")
    protection_expires = DateColumn(format="Y-m-d")

    class Meta:
        model = PlantVariety
        fields = (
            "denomination",
            "species_zh",
            "species_latin",
            "register",
            "plant_type",
            "status",
            "owner",
            "breeders",
            "application_number",
            "application_date",
            "grant_number",
            "grant_date",
            "protection_expires",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("Nothing matches these filters.")

    def render_breeders(self, value):
        return "、".join(value)

    def value_breeders(self, value):
        return "; ".join(value)
