"""What the API says about a plant variety and its protection."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from girrepo.api.fields import PageURLField
from producers.api.serializers import ProducerBriefSerializer
from regions.api.serializers import RegionBriefSerializer

from ..choices import VarietyStatus
from ..models import PlantVariety
from ..selectors import variety_effective_status


class PlantVarietySerializer(serializers.ModelSerializer):
    """A protected or registered plant variety; ``protection_expires`` is computed from the
    register, plant type and grant date, and ``effective_status`` reads the calendar."""

    owner = ProducerBriefSerializer(allow_null=True)
    growing_regions = RegionBriefSerializer(many=True)
    effective_status = serializers.SerializerMethodField()
    url = PageURLField()

    class Meta:
        model = PlantVariety
        fields = [
            "id",
            "denomination",
            "species_zh",
            "species_latin",
            "register",
            "plant_type",
            "owner",
            "owner_name",
            "breeders",
            "application_number",
            "application_date",
            "grant_number",
            "grant_date",
            "status",
            "effective_status",
            "protection_expires",
            "growing_regions",
            "description",
            "sources",
            "is_demo",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=VarietyStatus.choices))
    def get_effective_status(self, variety: PlantVariety) -> str:
        return variety_effective_status(variety=variety)
