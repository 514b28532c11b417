"""Staff admin for regions. Boundaries are loaded by ``load_regions``, not drawn by hand."""

from django.contrib import admin
from mptt.admin import MPTTModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(MPTTModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "code", "level", "unit_type", "is_administrative", "area_km2"]
    list_filter = ["level", "unit_type", "is_administrative", "code_system"]
    search_fields = ["code", "name", "name_pinyin", "name_en", "aliases"]
    exclude = ["geom", "geom_display", "label_point"]
    readonly_fields = [
        "area_km2",
        "boundary_source",
        "boundary_source_crs",
        "boundary_loaded",
        "boundary_checksum",
        "created",
        "last_updated",
    ]
    raw_id_fields = ["parent"]
    mptt_level_indent = 16
