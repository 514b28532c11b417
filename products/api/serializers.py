"""What the API says about a GI product and its protected area."""

from rest_framework import serializers

from girrepo.api.fields import PageURLField
from regions.api.serializers import RegionBriefSerializer

from ..choices import AreaPrecision, Authority, MatchedBy, ProductStatus, Register, UnitBoundary
from ..models import Category, GIProduct, ProtectedAreaUnit, StandardReference


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name", "name_en", "description"]
        read_only_fields = fields


class GIProductBriefSerializer(serializers.ModelSerializer):
    """A GI product as other records refer to it."""

    register = serializers.ChoiceField(choices=Register.choices)

    class Meta:
        model = GIProduct
        fields = ["id", "name", "register"]


class GIProductPropertiesSerializer(serializers.Serializer):
    """A GI product's properties in a GeoJSON list (built in PostGIS from these sources)."""

    name = serializers.CharField()
    name_pinyin = serializers.CharField()
    name_en = serializers.CharField()
    register = serializers.ChoiceField(choices=Register.choices)
    authority = serializers.ChoiceField(choices=Authority.choices, allow_blank=True)
    category = serializers.CharField(source="category.slug")
    status = serializers.ChoiceField(choices=ProductStatus.choices)
    announcement_number = serializers.CharField()
    announcement_date = serializers.DateField(allow_null=True)
    announcement_year = serializers.IntegerField(allow_null=True)
    announcement_verified = serializers.BooleanField()
    area_precision = serializers.ChoiceField(choices=AreaPrecision.choices)
    area_km2 = serializers.FloatField(allow_null=True)
    is_demo = serializers.BooleanField()


class StandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = StandardReference
        fields = ["code", "title", "effective_date"]
        read_only_fields = fields


class AreaUnitSerializer(serializers.ModelSerializer):
    """A region named in the announced protected area, and how it was matched."""

    region = RegionBriefSerializer()
    matched_by = serializers.ChoiceField(choices=MatchedBy.choices)
    boundary = serializers.ChoiceField(choices=UnitBoundary.choices)

    class Meta:
        model = ProtectedAreaUnit
        fields = ["region", "text_as_announced", "matched_by", "boundary"]
        read_only_fields = fields


class GIProductSerializer(serializers.ModelSerializer):
    """A GI product's full record with its protected area: the announced text, the
    regions it names, and how precisely the mapped geometry follows it."""

    register = serializers.ChoiceField(choices=Register.choices)
    authority = serializers.ChoiceField(choices=Authority.choices, allow_blank=True)
    status = serializers.ChoiceField(choices=ProductStatus.choices)
    area_precision = serializers.ChoiceField(choices=AreaPrecision.choices)
    category = CategorySerializer()
    standards = StandardSerializer(many=True)
    area_units = AreaUnitSerializer(many=True)
    marks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    url = PageURLField()

    class Meta:
        model = GIProduct
        fields = [
            "name",
            "name_pinyin",
            "name_en",
            "category",
            "register",
            "authority",
            "announcement_number",
            "announcement_date",
            "announcement_year",
            "announcement_verified",
            "quality_requirements",
            "status",
            "description",
            "sources",
            "is_demo",
            "standards",
            "area_text",
            "area_note",
            "area_precision",
            "area_units",
            "area_unmatched",
            "area_units_contain_area",
            "area_km2",
            "area_computed",
            "marks",
            "url",
        ]
        read_only_fields = fields
