"""Staff admin for township featured products, with history and lead-cooperative warnings."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from .models import TownshipProduct
from .selectors import lead_cooperative_warnings
from .services import township_product_save


@admin.register(TownshipProduct)
class TownshipProductAdmin(SimpleHistoryAdmin):
    list_display = [
        "product_name",
        "township",
        "category",
        "gi_product",
        "gi_mark",
        "variety",
        "year_recognised",
        "is_demo",
    ]
    list_filter = ["is_demo", "category"]
    search_fields = ["product_name", "search_key", "township__name", "township__parent__name"]
    list_select_related = ["township", "category", "gi_product", "gi_mark", "variety"]
    autocomplete_fields = ["township", "lead_cooperatives", "variety"]
    raw_id_fields = ["gi_product", "gi_mark"]

    def save_model(self, request, obj, form, change):
        township_product_save(township_product=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Leads are saved with the form's many-to-many data, so they are checked here.
        for warning in lead_cooperative_warnings(township_product=form.instance):
            messages.warning(request, warning)
