"""Bulk import/export of GI products (django-import-export): dry-run first, all or nothing.

Protected areas are not imported here: they go through ``product_set_area`` (admin,
or ``load_gi_facts``), which matches the announced names and recomputes the geometry.
"""

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from girrepo.resources import AtomicModelResource

from .models import Category, GIProduct
from .services import default_pinyin


class GIProductResource(AtomicModelResource):
    """Rows are matched on (register, name); the category is given by its slug."""

    category = fields.Field(
        attribute="category", column_name="category", widget=ForeignKeyWidget(Category, "slug")
    )
    # Computed from the area units: exported for reading, never imported.
    area_precision = fields.Field(
        attribute="area_precision", column_name="area_precision", readonly=True
    )

    class Meta(AtomicModelResource.Meta):
        model = GIProduct
        import_id_fields = ["register", "name"]
        fields = [
            "register",
            "name",
            "name_pinyin",
            "name_en",
            "category",
            "authority",
            "announcement_number",
            "announcement_date",
            "announcement_year",
            "announcement_verified",
            "status",
            "quality_requirements",
            "description",
            "sources",
            "area_text",
            "area_precision",
            "is_demo",
        ]

    def before_save_instance(self, instance, row, **kwargs):
        if not instance.name_pinyin:
            instance.name_pinyin = default_pinyin(instance.name)
