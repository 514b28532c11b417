"""Staff admin for the GI product registers.

Protected areas are edited as units inline; saving goes through
``product_set_area``, which recomputes geometry, precision and parts in PostGIS.
Geometry columns are derived and never shown as editable map widgets.
"""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from girrepo.forms import SanitizedImageFormMixin

from .models import (
    Category,
    GIProduct,
    ProductPhoto,
    ProtectedAreaPart,
    ProtectedAreaUnit,
    StandardReference,
)
from .resources import GIProductResource
from .services import default_pinyin, product_set_area


class ProductPhotoForm(SanitizedImageFormMixin, forms.ModelForm):
    class Meta:
        model = ProductPhoto
        fields = ["image", "caption", "credit"]


def thumbnail_preview(photo: ProductPhoto) -> str:
    if not photo.thumbnail:
        return "—"
    return format_html('<img src="{}" alt="" style="max-height:80px">', photo.thumbnail.url)


class ProductPhotoInline(admin.TabularInline):
    model = ProductPhoto
    form = ProductPhotoForm
    extra = 0
    readonly_fields = ["preview"]

    @admin.display(description=_("thumbnail"))
    def preview(self, obj):
        return thumbnail_preview(obj)


class StandardReferenceInline(admin.TabularInline):
    model = StandardReference
    extra = 0


class ProtectedAreaUnitInline(admin.TabularInline):
    model = ProtectedAreaUnit
    extra = 0
    raw_id_fields = ["region"]
    fields = ["region", "text_as_announced", "matched_by", "boundary"]
    readonly_fields = ["boundary"]


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    list_display = ["name", "name_en", "slug"]
    search_fields = ["name", "name_en", "slug"]


@admin.register(GIProduct)
class GIProductAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [GIProductResource]
    list_display = [
        "name",
        "name_en",
        "register",
        "category",
        "authority",
        "announcement_date",
        "announcement_verified",
        "status",
        "area_precision",
        "is_demo",
    ]
    list_filter = [
        "register",
        "authority",
        "status",
        "area_precision",
        "announcement_verified",
        "category",
        "is_demo",
    ]
    search_fields = ["name", "name_en", "name_pinyin", "search_key"]
    list_select_related = ["category"]
    inlines = [StandardReferenceInline, ProtectedAreaUnitInline, ProductPhotoInline]
    readonly_fields = ["area_precision", "area_km2", "area_computed"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "name_pinyin", "name_en", "category", "register", "status"]},
        ),
        (
            _("Announcement"),
            {
                "fields": [
                    "authority",
                    "announcement_number",
                    "announcement_date",
                    "announcement_year",
                    "announcement_verified",
                ]
            },
        ),
        (
            _("Protected area"),
            {
                "fields": [
                    "area_text",
                    "area_note",
                    "area_unmatched",
                    "area_units_contain_area",
                    "area_precision",
                    "area_km2",
                    "area_computed",
                ],
                "description": _(
                    "Link the announced units below. Saving recomputes the mapped area in "
                    "PostGIS; townships without a boundary are stood in for by their county."
                ),
            },
        ),
        (
            _("Description"),
            {"fields": ["quality_requirements", "description", "sources", "is_demo"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("area_geom", "area_display")

    def save_model(self, request, obj, form, change):
        if not obj.name_pinyin:
            obj.name_pinyin = default_pinyin(obj.name)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        product = form.instance
        units = [u.region for u in product.area_units.select_related("region")]
        product_set_area(
            product=product,
            units=units,
            area_text=product.area_text,
            unmatched=product.area_unmatched,
        )


@admin.register(StandardReference)
class StandardReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["code", "product", "title", "effective_date"]
    search_fields = ["code", "title", "product__name"]
    raw_id_fields = ["product"]


@admin.register(ProductPhoto)
class ProductPhotoAdmin(SimpleHistoryAdmin):
    form = ProductPhotoForm
    list_display = ["__str__", "product", "preview", "credit"]
    raw_id_fields = ["product"]
    search_fields = ["caption", "credit", "product__name"]
    fields = ["product", "image", "caption", "credit", "preview"]
    readonly_fields = ["preview"]

    @admin.display(description=_("thumbnail"))
    def preview(self, obj):
        return thumbnail_preview(obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the area services; staff may look, not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProtectedAreaUnit)
class ProtectedAreaUnitAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Browse units across products; edit them on their product's page."""

    list_display = ["product", "region", "text_as_announced", "matched_by", "boundary"]
    list_filter = ["matched_by", "boundary", "region__level"]
    search_fields = ["product__name", "region__name", "text_as_announced"]
    list_select_related = ["product", "region"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("region__geom", "region__geom_display")


@admin.register(ProtectedAreaPart)
class ProtectedAreaPartAdmin(ReadOnlyAdmin):
    list_display = ["id", "product"]
    list_select_related = ["product"]
    exclude = ["geom"]
    search_fields = ["product__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("product__area_geom", "product__area_display")
