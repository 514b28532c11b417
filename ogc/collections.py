"""The feature collections served under /ogc/, each a thin declaration over a register.

A collection names its rows (the register's selector or queryset), its geometry,
its feature id and the serializer of its properties; the features are built in
PostGIS by the same :class:`girrepo.api.geojson.FeatureSpec` as the REST API's.
Where the rows have a validity or a date, ``temporal`` lets ``datetime`` filter them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Value
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from girrepo.api.geojson import FeatureSpec
from labels.choices import AuthorizationStatus
from labels.models import Authorization
from products.api.serializers import GIProductPropertiesSerializer
from products.models import GIProduct
from regions.api.serializers import RegionPropertiesSerializer
from regions.choices import RegionLevel
from regions.selectors import region_list
from township_products.models import TownshipProduct


class AuthorizedProducerPropertiesSerializer(serializers.Serializer):
    """A producer authorized to use the special label for one GI, at its location."""

    number = serializers.CharField()
    producer = serializers.CharField(source="producer.name")
    producer_id = serializers.IntegerField()
    credit_code = serializers.CharField()
    gi_name = serializers.CharField()
    gi_reference = serializers.CharField()
    product_id = serializers.IntegerField(allow_null=True)
    mark_id = serializers.IntegerField(allow_null=True)
    county_code = serializers.CharField(source="application.county.code")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)


class TownshipProductPropertiesSerializer(serializers.Serializer):
    """A township's featured product, placed at its county's label point (townships have
    no boundaries): ``location_precision`` says so."""

    expressions = {"location_precision": Value("county")}

    product_name = serializers.CharField()
    township = serializers.CharField(source="township.name")
    township_code = serializers.CharField(source="township.code")
    county = serializers.CharField(source="township.parent.name")
    county_code = serializers.CharField(source="township.parent.code")
    location_precision = serializers.CharField()
    category = serializers.CharField(source="category.slug", allow_null=True)
    gi_product_id = serializers.IntegerField(allow_null=True)
    gi_mark_id = serializers.IntegerField(allow_null=True)
    variety_id = serializers.IntegerField(allow_null=True)
    year_recognised = serializers.IntegerField(allow_null=True)
    households_involved = serializers.IntegerField(allow_null=True)
    is_demo = serializers.BooleanField()


@dataclass(frozen=True)
class Collection:
    id: str
    title: Promise
    description: Promise
    rows: Callable[[], QuerySet]
    properties: type[serializers.Serializer]
    geometry: str
    feature_id: str = "id"
    # (start field, end field); end None: the feature has an instant, not an interval.
    temporal: tuple[str, str | None] | None = None

    @property
    def spec(self) -> FeatureSpec:
        return FeatureSpec(properties=self.properties, geometry=self.geometry, id=self.feature_id)

    def by_feature_id(self, queryset: QuerySet, feature_id: str) -> QuerySet:
        if self.feature_id == "id":
            if not feature_id.isdigit() or len(feature_id) > 18:
                return queryset.none()
            return queryset.filter(pk=int(feature_id))
        return queryset.filter(**{self.feature_id: feature_id})

    def in_time(self, queryset: QuerySet, start, end) -> QuerySet:
        """Rows whose date or validity meets [start, end] (either end may be open)."""
        if self.temporal is None:
            return queryset
        first, last = self.temporal
        if last is None:
            cond = Q(**{f"{first}__isnull": False})
            if start is not None:
                cond &= Q(**{f"{first}__gte": start})
            if end is not None:
                cond &= Q(**{f"{first}__lte": end})
            return queryset.filter(cond)
        cond = Q()
        if end is not None:
            cond &= Q(**{f"{first}__isnull": True}) | Q(**{f"{first}__lte": end})
        if start is not None:
            cond &= Q(**{f"{last}__isnull": True}) | Q(**{f"{last}__gte": start})
        return queryset.filter(cond)


def _regions(level: str) -> Callable[[], QuerySet]:
    return lambda: region_list(level=level).filter(geom__isnull=False)


def _authorized() -> QuerySet:
    """Authorizations in force today (labels.compliance.authorization_effective_status is
    ``valid``), of producers with a known location."""
    today = timezone.localdate()
    return Authorization.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        status=AuthorizationStatus.VALID,
        producer__location__isnull=False,
    )


def _protected_areas() -> QuerySet:
    return GIProduct.objects.filter(area_geom__isnull=False)


def _township_products() -> QuerySet:
    return TownshipProduct.objects.filter(township__parent__label_point__isnull=False)


COLLECTIONS = {
    c.id: c
    for c in (
        Collection(
            id="counties",
            title=_("Counties of Yunnan"),
            description=_(
                "The 129 county-level divisions with their boundaries (WGS-84, ~1 m). "
                "Feature ids are the GB/T 2260 codes."
            ),
            rows=_regions(RegionLevel.COUNTY),
            properties=RegionPropertiesSerializer,
            geometry="geom",
            feature_id="code",
            temporal=("valid_from", "valid_until"),
        ),
        Collection(
            id="prefectures",
            title=_("Prefectures of Yunnan"),
            description=_("The 16 prefecture-level divisions with their boundaries."),
            rows=_regions(RegionLevel.PREFECTURE),
            properties=RegionPropertiesSerializer,
            geometry="geom",
            feature_id="code",
            temporal=("valid_from", "valid_until"),
        ),
        Collection(
            id="protected-areas",
            title=_("GI protected areas"),
            description=_(
                "The mapped protected areas of GI products. area_precision says how far each "
                "can be trusted: exact, or approximate where counties stand in for townships. "
                "Products whose area is not mapped are not in this collection."
            ),
            rows=_protected_areas,
            properties=GIProductPropertiesSerializer,
            geometry="area_geom",
            temporal=("announcement_date", None),
        ),
        Collection(
            id="authorized-producers",
            title=_("Producers authorized to use the GI special label"),
            description=_(
                "One feature per authorization in force, at the producer's location. Feature "
                "ids are the authorization numbers; datetime filters the validity period."
            ),
            rows=_authorized,
            properties=AuthorizedProducerPropertiesSerializer,
            geometry="producer__location",
            feature_id="number",
            temporal=("valid_from", "valid_until"),
        ),
        Collection(
            id="township-products",
            title=_("One township, one product"),
            description=_(
                "Townships' featured products. Townships have no boundaries, so each is "
                "placed at its county's label point (location_precision: county)."
            ),
            rows=_township_products,
            properties=TownshipProductPropertiesSerializer,
            geometry="township__parent__label_point",
        ),
    )
}
