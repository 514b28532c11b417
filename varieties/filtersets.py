import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from girrepo.filtersets import BaseFilterSet, region_filter

from .choices import PlantType, VarietyRegister, VarietyStatus
from .models import PlantVariety
from .selectors import varieties_in_force_q


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated ids: ``owner_id=3,7``."""


class PlantVarietyFilterSet(BaseFilterSet):
    search_fields = (
        "denomination",
        "species_zh",
        "species_latin",
        "application_number",
        "grant_number",
        "owner_name",
        "owner__name",
    )
    pinyin_fields = ("search_key",)

    register = django_filters.MultipleChoiceFilter(
        choices=VarietyRegister.choices, label=_("register")
    )
    status = django_filters.MultipleChoiceFilter(choices=VarietyStatus.choices, label=_("status"))
    in_force = django_filters.BooleanFilter(
        method="filter_in_force", label=_("protection in force")
    )
    plant_type = django_filters.MultipleChoiceFilter(
        choices=PlantType.choices, label=_("plant type")
    )
    species = django_filters.CharFilter(method="filter_species", label=_("species"))
    region = region_filter("growing_regions")
    region_id = region_filter("growing_regions", by="id")
    application_date = django_filters.DateFromToRangeFilter(label=_("application date"))
    grant_date = django_filters.DateFromToRangeFilter(label=_("grant / registration date"))
    protection_expires = django_filters.DateFromToRangeFilter(label=_("protected until"))
    owner_id = NumberInFilter(field_name="owner_id", label=_("applicant / owner (id)"))
    is_demo = django_filters.BooleanFilter(label=_("demo data"))

    class Meta:
        model = PlantVariety
        fields = [
            "q",
            "register",
            "status",
            "in_force",
            "plant_type",
            "species",
            "region",
            "application_date",
            "grant_date",
            "protection_expires",
            "owner_id",
            "is_demo",
        ]

    def filter_species(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(species_zh__icontains=value) | Q(species_latin__icontains=value))

    def filter_in_force(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        cond = varieties_in_force_q()
        return queryset.filter(cond) if value else queryset.exclude(cond)
