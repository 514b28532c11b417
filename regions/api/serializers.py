"""What the API says about a region (NetBox-style: a brief nested form and a full one)."""

from rest_framework import serializers

from girrepo.api.fields import PageURLField

from ..choices import CodeSystem, RegionLevel, UnitType
from ..models import Region


class RegionBriefSerializer(serializers.ModelSerializer):
    """A region as other records refer to it."""

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level"]


class RegionPropertiesSerializer(serializers.Serializer):
    """A region's properties in a GeoJSON list (built in PostGIS from these sources)."""

    code = serializers.CharField()
    name = serializers.CharField()
    name_pinyin = serializers.CharField()
    name_en = serializers.CharField()
    level = serializers.ChoiceField(choices=RegionLevel.choices)
    unit_type = serializers.ChoiceField(choices=UnitType.choices, allow_blank=True)
    parent_code = serializers.CharField(source="parent.code", allow_null=True)
    is_administrative = serializers.BooleanField()
    area_km2 = serializers.FloatField(allow_null=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)


class RegionSerializer(serializers.ModelSerializer):
    """A region's full record (the properties of its GeoJSON feature)."""

    level = serializers.ChoiceField(choices=RegionLevel.choices)
    unit_type = serializers.ChoiceField(choices=UnitType.choices, allow_blank=True)
    code_system = serializers.ChoiceField(choices=CodeSystem.choices)
    parent = RegionBriefSerializer(allow_null=True)
    url = PageURLField()

    class Meta:
        model = Region
        fields = [
            "code",
            "code_system",
            "name",
            "name_pinyin",
            "name_en",
            "level",
            "unit_type",
            "is_administrative",
            "parent",
            "area_km2",
            "aliases",
            "former_names",
            "valid_from",
            "valid_until",
            "boundary_source",
            "boundary_source_crs",
            "code_source",
            "url",
        ]
        read_only_fields = fields
