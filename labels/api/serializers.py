"""Shapes of the public site-check API: what it takes, answers and refuses.

The view validates by hand (see ``labels.api.geometry``) to name each problem
precisely in both languages; these serializers document the shapes in the schema.
"""

from django.db import connection
from rest_framework import serializers

from products.choices import AreaPrecision
from products.models import GIProduct
from regions.coords import CRS

from ..choices import CheckResult
from ..sitecheck import SiteInputError


class SiteCheckRequestSerializer(serializers.Serializer):
    product = serializers.CharField(
        help_text="The GI product: its id, or its exact Chinese name (e.g. 宣威火腿).",
    )
    geometry = serializers.JSONField(
        help_text=(
            "A GeoJSON geometry: Point, Polygon or MultiPolygon, longitude first, "
            "at most 10,000 vertices."
        ),
    )
    crs = serializers.ChoiceField(
        choices=CRS.choices,
        required=False,
        default=CRS.WGS84,
        help_text="Coordinate system of the numbers: WGS-84 (GPS), CGCS2000, GCJ-02 or BD-09.",
    )


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    zh = serializers.CharField()
    en = serializers.CharField()


class OverlapSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    producer = serializers.CharField()
    product = serializers.CharField(allow_null=True)
    overlap_m2 = serializers.FloatField(help_text="0 when either site is a point.")


class SiteCheckResponseSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=CheckResult.choices)
    product = ProductRefSerializer()
    inside_fraction = serializers.FloatField(
        allow_null=True, help_text="Area-weighted share inside (a point: 1 or 0)."
    )
    distance_to_boundary_m = serializers.FloatField(
        allow_null=True, help_text="Metres from the site to the area's boundary, always ≥ 0."
    )
    position = serializers.ChoiceField(
        choices=["inside", "outside", "crossing"],
        allow_null=True,
        help_text="Which side of the boundary the site lies on.",
    )
    county = RegionRefSerializer(allow_null=True)
    township = RegionRefSerializer(allow_null=True)
    outside = serializers.JSONField(
        allow_null=True, help_text="GeoJSON of the part outside the area; null when inside."
    )
    outside_m2 = serializers.FloatField(allow_null=True)
    overlaps = OverlapSerializer(many=True)
    reasons = ReasonSerializer(many=True)
    tolerance_m = serializers.FloatField()
    area_precision = serializers.ChoiceField(choices=AreaPrecision.choices)


class InputErrorSerializer(ReasonSerializer):
    field = serializers.CharField(help_text="The request field at fault: product, geometry, crs.")


class SiteCheckErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="invalid, unsupported_media_type or throttled")
    message = serializers.CharField(help_text="What went wrong, in English.")
    message_zh = serializers.CharField(help_text="What went wrong, in Chinese.")
    errors = InputErrorSerializer(many=True)


# Read with one plain statement: the ORM's query compilation would cost more than
# the query (0.46 ms vs 0.10 ms), and this runs on every public request.
_FIELDS = [
    f.attname
    for f in GIProduct._meta.concrete_fields
    if f.attname in ("id", "name", "area_precision", "area_unmatched")
]
_BY_ID = f"SELECT {', '.join(_FIELDS)} FROM {GIProduct._meta.db_table} WHERE id = %s"
_BY_NAME = f"SELECT {', '.join(_FIELDS)} FROM {GIProduct._meta.db_table} WHERE name = %s LIMIT 5"


def _products(sql: str, value) -> list[GIProduct]:
    with connection.cursor() as cur:
        cur.execute(sql, [value])
        return [GIProduct.from_db(connection.alias, _FIELDS, row) for row in cur.fetchall()]


def resolve_product(value) -> GIProduct:
    """A product by id (number or digit string) or by exact name, or SiteInputError."""
    if isinstance(value, bool) or value is None or value == "":
        raise SiteInputError("required", field="product")
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        number = int(value)
        found = _products(_BY_ID, number) if 0 < number < 2**63 else []
        if not found:
            raise SiteInputError("unknown_product", field="product", value=repr(str(value)))
        return found[0]
    if not isinstance(value, str):
        raise SiteInputError("unknown_product", field="product", value=repr(str(value)[:40]))
    found = _products(_BY_NAME, value.strip())
    if not found:
        raise SiteInputError("unknown_product", field="product", value=repr(value[:40]))
    if len(found) > 1:
        ids = ", ".join(str(p.pk) for p in found)
        raise SiteInputError("ambiguous_product", field="product", value=repr(value), ids=ids)
    return found[0]
