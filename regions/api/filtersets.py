"""The region register's FilterSet (the regions have no HTML list; the API and the
OGC endpoints filter through this one)."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from girrepo.filtersets import BaseFilterSet

from ..choices import RegionLevel, UnitType
from ..models import Region


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values: ``code=530381,532300``."""


class RegionFilterSet(BaseFilterSet):
    search_fields = ("name", "name_en", "name_pinyin", "code")
    pinyin_fields = ("search_key",)

    level = django_filters.MultipleChoiceFilter(choices=RegionLevel.choices, label=_("level"))
    unit_type = django_filters.MultipleChoiceFilter(choices=UnitType.choices, label=_("unit type"))
    code = CharInFilter(label=_("code"))
    parent = CharInFilter(field_name="parent__code", label=_("parent (code)"))
    within = django_filters.CharFilter(
        method="filter_within", label=_("Region (code): it and every region below it")
    )
    is_administrative = django_filters.BooleanFilter(label=_("administrative unit"))
    mapped = django_filters.BooleanFilter(
        field_name="geom", lookup_expr="isnull", exclude=True, label=_("has a boundary")
    )

    class Meta:
        model = Region
        fields = ["q", "level", "unit_type", "code", "parent", "within", "is_administrative"]

    def filter_within(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value.strip()).only("tree_id", "lft", "rght").first()
        if region is None:
            return queryset.none()
        return queryset.filter(tree_id=region.tree_id, lft__gte=region.lft, rght__lte=region.rght)
