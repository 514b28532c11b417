"""What the API says about a producer: GeoJSON list properties and the full record."""

from rest_framework import serializers

from girrepo.api.fields import PageURLField
from regions.api.serializers import RegionBriefSerializer
from regions.coords import CRS

from ..choices import ProducerKind, ProducerStatus
from ..models import Producer


class ProducerBriefSerializer(serializers.ModelSerializer):
    """A producer as other records refer to it."""

    class Meta:
        model = Producer
        fields = ["id", "name", "credit_code"]


class ProducerPropertiesSerializer(serializers.Serializer):
    """A producer's properties in a GeoJSON list (built in PostGIS from these sources)."""

    name = serializers.CharField()
    name_en = serializers.CharField()
    credit_code = serializers.CharField()
    kind = serializers.ChoiceField(choices=ProducerKind.choices)
    status = serializers.ChoiceField(choices=ProducerStatus.choices)
    county_code = serializers.CharField(source="county.code", allow_null=True)
    county = serializers.CharField(source="county.name", allow_null=True)
    township_code = serializers.CharField(source="township.code", allow_null=True)
    township = serializers.CharField(source="township.name", allow_null=True)
    member_households = serializers.IntegerField(allow_null=True)
    is_demo = serializers.BooleanField()


class ProducerSerializer(serializers.ModelSerializer):
    """A producer's full public record (as on its page)."""

    kind = serializers.ChoiceField(choices=ProducerKind.choices)
    status = serializers.ChoiceField(choices=ProducerStatus.choices)
    location_crs = serializers.ChoiceField(choices=CRS.choices)
    county = RegionBriefSerializer(allow_null=True)
    township = RegionBriefSerializer(allow_null=True)
    url = PageURLField()

    class Meta:
        model = Producer
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
            "location_crs",
            "county",
            "township",
            "region_override",
            "member_households",
            "description",
            "is_demo",
            "created",
            "last_updated",
            "url",
        ]
        read_only_fields = fields
