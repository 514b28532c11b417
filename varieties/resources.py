"""Bulk import/export of plant varieties (django-import-export): dry-run first, all or nothing."""

from import_export import fields
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget, SimpleArrayWidget

from girrepo.resources import AtomicModelResource
from producers.models import Producer
from regions.models import Region

from .models import PlantVariety
from .services import variety_compute_expiry


class PlantVarietyResource(AtomicModelResource):
    """Rows are matched on register + species + denomination; the owner is given by
    credit code, growing regions by region codes ("530800,532800"), breeders
    separated by commas. The protection term is computed, never imported."""

    owner = fields.Field(
        attribute="owner",
        column_name="owner_credit_code",
        widget=ForeignKeyWidget(Producer, "credit_code"),
    )
    growing_regions = fields.Field(
        attribute="growing_regions",
        column_name="growing_region_codes",
        widget=ManyToManyWidget(Region, field="code"),
    )
    breeders = fields.Field(
        attribute="breeders", column_name="breeders", widget=SimpleArrayWidget(",")
    )
    protection_expires = fields.Field(
        attribute="protection_expires", column_name="protection_expires", readonly=True
    )

    class Meta(AtomicModelResource.Meta):
        model = PlantVariety
        import_id_fields = ["register", "species_zh", "denomination"]
        fields = [
            "denomination",
            "species_zh",
            "species_latin",
            "register",
            "plant_type",
            "status",
            "owner",
            "owner_name",
            "breeders",
            "application_number",
            "application_date",
            "grant_number",
            "grant_date",
            "protection_expires",
            "growing_regions",
            "description",
            "sources",
            "is_demo",
        ]

    def before_save_instance(self, instance, row, **kwargs):
        variety_compute_expiry(variety=instance)
