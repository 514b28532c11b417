"""Bulk import/export of producers (django-import-export): dry-run first, all or nothing."""

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from girrepo.resources import AtomicModelResource
from regions import coords
from regions.models import Region

from .models import Producer
from .services import producer_locate


class ProducerResource(AtomicModelResource):
    """Rows are matched on the credit code; ``longitude``/``latitude``/``location_crs``
    columns set the location, and county/township then follow from PostGIS."""

    county = fields.Field(
        attribute="county", column_name="county_code", widget=ForeignKeyWidget(Region, "code")
    )
    # Read by import_instance (they become the location), written by dehydrate_*.
    longitude = fields.Field(column_name="longitude", readonly=True)
    latitude = fields.Field(column_name="latitude", readonly=True)

    class Meta(AtomicModelResource.Meta):
        model = Producer
        import_id_fields = ["credit_code"]
        fields = [
            "name",
            "name_en",
            "credit_code",
            "kind",
            "status",
            "legal_representative",
            "address",
            "phone",
            "email",
            "website",
            "member_households",
            "longitude",
            "latitude",
            "location_crs",
            "county",
            "is_demo",
        ]

    def dehydrate_longitude(self, producer):
        return producer.location.x if producer.location else ""

    def dehydrate_latitude(self, producer):
        return producer.location.y if producer.location else ""

    def before_save_instance(self, instance, row, **kwargs):
        producer_locate(producer=instance)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        lon, lat = row.get("longitude"), row.get("latitude")
        if lon not in (None, "") or lat not in (None, ""):
            try:
                instance.location = coords.point_from_input(lon, lat, row.get("location_crs"))
            except coords.CoordinateError as exc:
                raise coords.CoordinateError({"longitude": exc.messages}) from exc
