"""What the API says about a township's featured product (一乡一品)."""

from rest_framework import serializers

from brands.api.serializers import GIMarkBriefSerializer
from girrepo.api.fields import PageURLField
from producers.api.serializers import ProducerBriefSerializer
from products.api.serializers import GIProductBriefSerializer
from regions.api.serializers import RegionBriefSerializer

from ..models import TownshipProduct


class TownshipProductSerializer(serializers.ModelSerializer):
    """A township's featured product, its county, and what it rests on."""

    township = RegionBriefSerializer()
    county = RegionBriefSerializer(source="township.parent")
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    gi_product = GIProductBriefSerializer(allow_null=True)
    gi_mark = GIMarkBriefSerializer(allow_null=True)
    variety = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    lead_cooperatives = ProducerBriefSerializer(many=True)
    url = PageURLField()

    class Meta:
        model = TownshipProduct
        fields = [
            "id",
            "product_name",
            "township",
            "county",
            "category",
            "gi_product",
            "gi_mark",
            "variety",
            "year_recognised",
            "households_involved",
            "lead_cooperatives",
            "description",
            "sources",
            "is_demo",
            "url",
        ]
        read_only_fields = fields
