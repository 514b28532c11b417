"""Serializers of the workflow API: what applications look like, and what writes accept.

Input serializers only check types and shapes; every rule (who, which state,
which documents, where a site lies) is the services' (labels.intake,
labels.services, labels.compliance), so the API and the HTML forms agree.
"""

import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.api.serializers import GIMarkBriefSerializer
from brands.models import GIMark
from girrepo.api.schema import SiteGeometryField
from producers.api.serializers import ProducerBriefSerializer
from producers.models import Producer
from products.api.serializers import GIProductBriefSerializer
from products.models import GIProduct
from regions.api.serializers import RegionBriefSerializer
from regions.coords import CRS

from .. import intake
from ..choices import DocumentKind, UseBasis
from ..models import (
    AnnualReport,
    Application,
    ApplicationDocument,
    ApplicationEvent,
    Authorization,
    ProductionSite,
)


class SiteSerializer(serializers.ModelSerializer):
    """A production site, its geometry rounded to 5 decimals, and its site check."""

    geometry = serializers.SerializerMethodField()

    class Meta:
        model = ProductionSite
        fields = ["id", "name", "entered_crs", "geometry", "check_result", "check_details"]
        read_only_fields = fields

    @extend_schema_field(SiteGeometryField())
    def get_geometry(self, site) -> dict:
        """GeoJSON computed in PostGIS with rounded coordinates (``geometry_geojson``)."""
        return json.loads(site.geometry_geojson)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationDocument
        fields = ["id", "kind", "content_type", "created"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationEvent
        fields = ["at", "action", "from_status", "to_status", "reason"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    """An application with its sites, documents and audited steps."""

    producer = ProducerBriefSerializer()
    product = GIProductBriefSerializer(allow_null=True)
    mark = GIMarkBriefSerializer(allow_null=True)
    county = RegionBriefSerializer()
    changes = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    authorization = serializers.SerializerMethodField()
    sites = SiteSerializer(many=True)
    documents = DocumentSerializer(many=True)
    events = EventSerializer(many=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "kind",
            "status",
            "producer",
            "basis",
            "product",
            "mark",
            "changes",
            "county",
            "varieties",
            "annual_output",
            "output_unit",
            "planned_label_use",
            "submitted_at",
            "onsite_due",
            "site_check_result",
            "site_check_at",
            "authorization",
            "sites",
            "documents",
            "events",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def get_authorization(self, application) -> str | None:
        """The number of the authorization this application was approved as."""
        try:
            return application.authorization.number
        except Authorization.DoesNotExist:
            return None


class ApplicationUpdateSerializer(serializers.Serializer):
    """The applicant's details (a change application keeps its basis, product and mark)."""

    basis = serializers.ChoiceField(choices=UseBasis.choices, required=False)
    product = serializers.PrimaryKeyRelatedField(
        queryset=GIProduct.objects.all(), allow_null=True, required=False
    )
    mark = serializers.PrimaryKeyRelatedField(
        queryset=GIMark.objects.all(), allow_null=True, required=False
    )
    varieties = serializers.CharField(max_length=300, allow_blank=True, required=False)
    annual_output = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    output_unit = serializers.CharField(max_length=20, required=False)
    planned_label_use = serializers.IntegerField(
        min_value=0, max_value=2_147_483_647, allow_null=True, required=False
    )


class ApplicationCreateSerializer(ApplicationUpdateSerializer):
    """A new application for one of your producers, or a change (变更) of an authorization."""

    producer = serializers.PrimaryKeyRelatedField(queryset=Producer.objects.all())
    basis = serializers.ChoiceField(choices=UseBasis.choices, default=UseBasis.AREA_PRODUCER)
    changes = serializers.SlugRelatedField(
        slug_field="number",
        queryset=Authorization.objects.all(),
        allow_null=True,
        required=False,
        help_text="The authorization number a change application changes.",
    )


class SiteInputSerializer(serializers.Serializer):
    """One way of giving sites: ``geojson``, ``coordinates`` or ``file`` (multipart)."""

    INPUTS = ("geojson", "coordinates", "file")

    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    crs = serializers.ChoiceField(choices=CRS.choices, default=CRS.WGS84)
    geojson = serializers.JSONField(
        required=False,
        help_text="A GeoJSON Point, Polygon or MultiPolygon, Feature or FeatureCollection.",
    )
    coordinates = serializers.CharField(
        required=False,
        help_text="One 'longitude, latitude' pair per line: one line a point, three or more "
        "the corners of a polygon.",
    )
    file = serializers.FileField(
        required=False, help_text="GeoJSON, KML or a zipped shapefile, one site per feature."
    )

    def validate(self, attrs):
        given = [k for k in self.INPUTS if attrs.get(k) not in (None, "")]
        if len(given) != 1:
            raise serializers.ValidationError(
                _("Give exactly one of geojson, coordinates or file."), code="one_input"
            )
        return attrs

    @property
    def input_field(self) -> str:
        return next(k for k in self.INPUTS if self.validated_data.get(k) not in (None, ""))

    def sites(self) -> list:
        """(name, WGS-84 geometry) per site, read by labels.intake (raises ValidationError)."""
        data, field = self.validated_data, self.input_field
        crs, name = data["crs"], data["name"]
        if field == "coordinates":
            return [(name, intake.site_from_coordinates(data["coordinates"], crs))]
        if field == "file":
            return intake.sites_from_upload(data["file"], crs)
        value = data["geojson"]
        text = value if isinstance(value, str) else json.dumps(value)
        sites = intake.sites_from_geojson(text, crs)
        return [(name or site_name, geom) for site_name, geom in sites]


class DocumentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text="A PDF, JPEG or PNG (checked by content).")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        help_text="Required to not accept, return or reject: the applicant is told it.",
    )


class OnSiteCheckInputSerializer(serializers.Serializer):
    """The workbench's on-site check form (its rules apply: no date in the future)."""

    date = serializers.DateField()
    inspectors = serializers.CharField(max_length=300)
    findings = serializers.CharField()
    passed = serializers.BooleanField(default=False)
    photos = serializers.ListField(child=serializers.ImageField(), required=False)


class AnnualReportInputSerializer(serializers.Serializer):
    authorization = serializers.SlugRelatedField(
        slug_field="number", queryset=Authorization.objects.all(), help_text="Its number."
    )
    year = serializers.IntegerField(min_value=2000, max_value=9999)
    labels_printed = serializers.IntegerField(min_value=0, max_value=2_147_483_647)
    labels_used = serializers.IntegerField(min_value=0, max_value=2_147_483_647)
    output = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )


class AnnualReportSerializer(serializers.ModelSerializer):
    authorization = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = AnnualReport
        fields = [
            "id",
            "authorization",
            "year",
            "labels_printed",
            "labels_used",
            "output",
            "created",
        ]
        read_only_fields = fields
