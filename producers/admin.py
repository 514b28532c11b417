"""Staff admin for producers, with Excel/CSV import (dry-run preview, all-or-nothing)."""

from django import forms
from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from girrepo.widgets import OfflineMapWidget
from regions import coords

from .models import CooperativeMember, Producer
from .resources import ProducerResource
from .services import producer_locate


class ProducerAdminForm(forms.ModelForm):
    """Location drawn on the map (WGS-84), or typed as longitude/latitude in any
    supported coordinate system; typed coordinates win when they were changed."""

    longitude = forms.FloatField(label=_("longitude"), required=False)
    latitude = forms.FloatField(label=_("latitude"), required=False)

    class Meta:
        model = Producer
        fields = [f.name for f in Producer._meta.fields if f.editable and f.name != "id"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        loc = self.instance.location
        if loc is not None:
            crs = self.instance.location_crs or coords.CRS.WGS84
            self.initial["longitude"], self.initial["latitude"] = coords.from_wgs84(
                loc.x, loc.y, crs
            )

    def clean(self):
        data = super().clean()
        lon, lat = data.get("longitude"), data.get("latitude")
        typed = {"longitude", "latitude", "location_crs"} & set(self.changed_data)
        if typed:
            if (lon is None) != (lat is None):
                self.add_error("longitude", _("Give both longitude and latitude, or neither."))
                return data
            try:
                data["location"] = (
                    None
                    if lon is None
                    else coords.point_from_input(lon, lat, data.get("location_crs"))
                )
            except coords.CoordinateError as exc:
                self.add_error("longitude", exc)
        elif data.get("location") is not None:
            point = data["location"]
            try:
                coords.check_in_yunnan(point.x, point.y)
            except coords.CoordinateError as exc:
                self.add_error("location", exc)
            data["location_crs"] = coords.CRS.WGS84
        return data


class CooperativeMemberInline(admin.TabularInline):
    model = CooperativeMember
    extra = 0
    raw_id_fields = ["township"]


@admin.register(Producer)
class ProducerAdmin(ImportExportModelAdmin, SimpleHistoryAdmin, GISModelAdmin):
    gis_widget = OfflineMapWidget
    form = ProducerAdminForm
    resource_classes = [ProducerResource]
    list_display = ["name", "credit_code", "kind", "status", "county", "township", "is_demo"]
    list_filter = ["kind", "status", "is_demo", "region_override"]
    search_fields = ["name", "name_en", "credit_code", "search_key"]
    raw_id_fields = ["county", "township"]
    inlines = [CooperativeMemberInline]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "credit_code", "kind", "status", "is_demo"]}),
        (
            _("Location"),
            {
                "fields": [
                    "location",
                    "longitude",
                    "latitude",
                    "location_crs",
                    "region_override",
                    "county",
                    "township",
                ],
                "description": _(
                    "County and township are derived from the location through PostGIS "
                    "unless 'region set by hand' is ticked."
                ),
            },
        ),
        (
            _("Contact"),
            {"fields": ["legal_representative", "address", "phone", "email", "website"]},
        ),
        (_("Cooperative"), {"fields": ["member_households", "description"]}),
    ]

    def save_model(self, request, obj, form, change):
        producer_locate(producer=obj)
        super().save_model(request, obj, form, change)
