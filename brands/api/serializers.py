"""What the API says about GI marks, famous marks and customs recordations."""

from rest_framework import serializers

from girrepo.api.fields import PageURLField
from producers.api.serializers import ProducerBriefSerializer
from products.api.serializers import GIProductBriefSerializer
from regions.api.serializers import RegionBriefSerializer

from ..choices import MarkStatus, RecordationStatus
from ..models import CustomsRecordation, FamousMark, GIMark, MarkTerm, MarkUse


class GIMarkBriefSerializer(serializers.ModelSerializer):
    """A GI mark as other records refer to it."""

    class Meta:
        model = GIMark
        fields = ["id", "name", "mark_type"]


class MarkTermSerializer(serializers.ModelSerializer):
    class Meta:
        model = MarkTerm
        fields = ["start", "end", "reference"]
        read_only_fields = fields


class MarkUseSerializer(serializers.ModelSerializer):
    """A lawful user of the mark: a filed licensee or a member of the registrant."""

    producer = ProducerBriefSerializer()
    is_current = serializers.BooleanField(help_text="Using the mark today.")

    class Meta:
        model = MarkUse
        fields = ["producer", "kind", "start", "end", "filing_reference", "is_current"]
        read_only_fields = fields


class GIMarkSerializer(serializers.ModelSerializer):
    """A GI certification or collective mark; ``effective_status`` also reads the calendar
    (a registered mark whose last term has ended is expired)."""

    registrant = ProducerBriefSerializer(allow_null=True)
    origin_regions = RegionBriefSerializer(many=True)
    related_products = GIProductBriefSerializer(many=True)
    terms = MarkTermSerializer(many=True)
    effective_status = serializers.ChoiceField(choices=MarkStatus.choices)
    current_expiry = serializers.DateField(allow_null=True)
    url = PageURLField()

    class Meta:
        model = GIMark
        fields = [
            "id",
            "name",
            "mark_type",
            "registration_number",
            "nice_classes",
            "goods",
            "registrant",
            "origin_regions",
            "registration_date",
            "date_verified",
            "status",
            "effective_status",
            "current_expiry",
            "terms",
            "related_products",
            "description",
            "sources",
            "is_demo",
            "url",
        ]
        read_only_fields = fields


class GIMarkDetailSerializer(GIMarkSerializer):
    """A GI mark with its lawful users (those using it today first, at most 500)."""

    uses = MarkUseSerializer(many=True, source="uses_shown")

    class Meta(GIMarkSerializer.Meta):
        fields = [*GIMarkSerializer.Meta.fields, "uses"]
        read_only_fields = fields


class FamousMarkSerializer(serializers.ModelSerializer):
    """A China well-known mark (no validity period) or a Yunnan famous mark (fixed term)."""

    holder = ProducerBriefSerializer(allow_null=True)
    is_current = serializers.BooleanField(help_text="In force today.")
    url = PageURLField()

    class Meta:
        model = FamousMark
        fields = [
            "id",
            "kind",
            "name",
            "holder",
            "trademark_number",
            "nice_class",
            "goods",
            "recognition_date",
            "date_verified",
            "decision_reference",
            "recognising_body",
            "valid_until",
            "is_current",
            "description",
            "sources",
            "is_demo",
            "url",
        ]
        read_only_fields = fields


class CustomsRecordationSerializer(serializers.ModelSerializer):
    """A right recorded with customs; ``effective_status`` also reads the calendar."""

    holder = ProducerBriefSerializer(allow_null=True)
    effective_status = serializers.ChoiceField(choices=RecordationStatus.choices)
    url = PageURLField()

    class Meta:
        model = CustomsRecordation
        fields = [
            "id",
            "right_type",
            "recorded_right",
            "gi_mark",
            "famous_mark",
            "recordation_number",
            "recordation_date",
            "valid_until",
            "holder",
            "status",
            "effective_status",
            "sources",
            "is_demo",
            "url",
        ]
        read_only_fields = fields
