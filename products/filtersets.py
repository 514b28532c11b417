import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from girrepo.filtersets import BaseFilterSet, region_filter
from regions.models import Region

from .choices import AreaPrecision, Authority, ProductStatus, Register
from .models import Category, GIProduct


class GIProductFilterSet(BaseFilterSet):
    """One filter vocabulary for the product list, its exports and its map layer.

    ``region`` finds products with an area unit in or below a region (choosing
    楚雄州 finds the products announced for 楚雄州 or any of its counties);
    ``area_region`` also finds those whose units lie above it (a county finds
    the products announced for its whole prefecture).
    """

    search_fields = ("name", "name_en", "name_pinyin")
    pinyin_fields = ("search_key",)

    region_id = region_filter("area_units__region", by="id")
    region = region_filter("area_units__region")
    area_region = django_filters.CharFilter(
        method="filter_area_region",
        label=_("Region (code): area at, above or below it"),
    )
    register = django_filters.ChoiceFilter(choices=Register.choices, label=_("register"))
    category = django_filters.ModelMultipleChoiceFilter(
        field_name="category__slug",
        to_field_name="slug",
        queryset=Category.objects.all(),
        label=_("category"),
    )
    authority = django_filters.MultipleChoiceFilter(choices=Authority.choices, label=_("authority"))
    status = django_filters.MultipleChoiceFilter(choices=ProductStatus.choices, label=_("status"))
    precision = django_filters.MultipleChoiceFilter(
        field_name="area_precision",
        choices=AreaPrecision.choices,
        label=_("area precision"),
    )
    announcement_date = django_filters.DateFromToRangeFilter(label=_("announcement date"))
    announcement_verified = django_filters.BooleanFilter(label=_("announcement verified"))
    is_demo = django_filters.BooleanFilter(label=_("demo data"))

    class Meta:
        model = GIProduct
        fields = [
            "q",
            "register",
            "region",
            "category",
            "status",
            "precision",
            "announcement_date",
        ]

    def filter_area_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value.strip()).only("tree_id", "lft", "rght").first()
        if region is None:
            return queryset.none()
        field = "area_units__region"
        below = Q(
            **{
                f"{field}__tree_id": region.tree_id,
                f"{field}__lft__gte": region.lft,
                f"{field}__rght__lte": region.rght,
            }
        )
        above = Q(
            **{
                f"{field}__tree_id": region.tree_id,
                f"{field}__lft__lt": region.lft,
                f"{field}__rght__gt": region.rght,
            }
        )
        return queryset.filter(below | above).distinct()
