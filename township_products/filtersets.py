import django_filters
from django.utils.translation import gettext_lazy as _

from girrepo.filtersets import BaseFilterSet, region_filter
from products.models import Category

from .models import TownshipProduct


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated ids: ``gi_product_id=3,7``."""


class TownshipProductFilterSet(BaseFilterSet):
    search_fields = (
        "product_name",
        "township__name",
        "township__parent__name",
        "category__name",
        "description",
    )
    pinyin_fields = ("search_key", "township__search_key")

    region = region_filter("township")
    region_id = region_filter("township", by="id")
    # The same slugs as the product FilterSet's ``category``, so one map filter reaches both.
    category = django_filters.ModelMultipleChoiceFilter(
        field_name="category__slug",
        to_field_name="slug",
        queryset=Category.objects.all(),
        label=_("category"),
    )
    year_recognised = django_filters.RangeFilter(label=_("year recognised"))
    has_gi_product = django_filters.BooleanFilter(
        field_name="gi_product", lookup_expr="isnull", exclude=True, label=_("linked GI product")
    )
    has_gi_mark = django_filters.BooleanFilter(
        field_name="gi_mark", lookup_expr="isnull", exclude=True, label=_("linked GI mark")
    )
    has_variety = django_filters.BooleanFilter(
        field_name="variety", lookup_expr="isnull", exclude=True, label=_("linked plant variety")
    )
    gi_product_id = NumberInFilter(field_name="gi_product_id", label=_("GI product (id)"))
    gi_mark_id = NumberInFilter(field_name="gi_mark_id", label=_("GI mark (id)"))
    variety_id = NumberInFilter(field_name="variety_id", label=_("plant variety (id)"))
    lead_cooperative_id = NumberInFilter(
        field_name="lead_cooperatives", distinct=True, label=_("lead cooperative (id)")
    )
    is_demo = django_filters.BooleanFilter(label=_("demo data"))

    class Meta:
        model = TownshipProduct
        fields = [
            "q",
            "region",
            "category",
            "year_recognised",
            "has_gi_product",
            "has_gi_mark",
            "has_variety",
            "gi_product_id",
            "gi_mark_id",
            "variety_id",
            "lead_cooperative_id",
            "is_demo",
        ]
