"""Staff admin for plant varieties: history, import, and the similar-name check."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .forms import PlantVarietyAdminForm, similar_names_html
from .models import PlantVariety
from .resources import PlantVarietyResource
from .services import variety_save


@admin.register(PlantVariety)
class PlantVarietyAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    form = PlantVarietyAdminForm
    resource_classes = [PlantVarietyResource]
    list_display = [
        "denomination",
        "species_zh",
        "register",
        "plant_type",
        "status",
        "grant_date",
        "protection_expires",
        "is_demo",
    ]
    list_filter = ["register", "status", "plant_type", "is_demo"]
    search_fields = [
        "denomination",
        "search_key",
        "species_zh",
        "species_latin",
        "application_number",
        "grant_number",
    ]
    autocomplete_fields = ["owner", "growing_regions"]
    readonly_fields = ["protection_expires"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "denomination",
                    "similar_names_checked",
                    "species_zh",
                    "species_latin",
                    "plant_type",
                    "is_demo",
                ]
            },
        ),
        (
            _("Register"),
            {
                "fields": [
                    "register",
                    "status",
                    "application_number",
                    "application_date",
                    "grant_number",
                    "grant_date",
                    "protection_expires",
                ],
                "description": _(
                    "The protection term is computed from register, plant type and grant "
                    "date. Leave what is not verified empty."
                ),
            },
        ),
        (_("People"), {"fields": ["owner", "owner_name", "breeders"]}),
        (_("Growing"), {"fields": ["growing_regions", "description", "sources"]}),
    ]

    def save_model(self, request, obj, form, change):
        variety_save(variety=obj)
        if form.similar_names:
            messages.warning(
                request,
                format_html(
                    "{} <ul>{}</ul>",
                    _("Saved although these registered denominations are similar:"),
                    similar_names_html(form.similar_names),
                ),
            )
