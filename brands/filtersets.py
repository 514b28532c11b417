"""One FilterSet per record type of the marks register (lists, exports and any API).

The status filters read the *effective* status (expiry derived from the
calendar), so each FilterSet starts from its selector's annotated queryset.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from girrepo.filtersets import BaseFilterSet, region_filter

from .choices import (
    NICE_CLASSES,
    FamousMarkKind,
    MarkStatus,
    MarkType,
    RecordationStatus,
    RightType,
)
from .models import CustomsRecordation, FamousMark, GIMark
from .selectors import customs_recordation_list, famous_mark_list, gi_mark_list

NICE_CLASS_CHOICES = [(n, str(n)) for n in NICE_CLASSES]


class NumberInFilter(django_filters.BaseInFilter, django_filters.NumberFilter):
    """Comma-separated ids: ``holder_id=3,7``."""


class _SelectorFilterSet(BaseFilterSet):
    selector = None

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = type(self).selector()
        super().__init__(data, queryset, **kwargs)


class GIMarkFilterSet(_SelectorFilterSet):
    selector = staticmethod(gi_mark_list)
    search_fields = ("name", "registration_number", "goods")
    pinyin_fields = ("search_key",)

    region = region_filter("origin_regions")
    region_id = region_filter("origin_regions", by="id")
    mark_type = django_filters.MultipleChoiceFilter(choices=MarkType.choices, label=_("mark type"))
    status = django_filters.MultipleChoiceFilter(
        field_name="effective_status", choices=MarkStatus.choices, label=_("status")
    )
    nice_class = django_filters.ChoiceFilter(
        choices=NICE_CLASS_CHOICES,
        method="filter_nice_class",
        label=_("Nice class"),
    )
    registration_date = django_filters.DateFromToRangeFilter(label=_("registration date"))
    holder_id = NumberInFilter(field_name="registrant_id", label=_("registrant (id)"))
    product_id = NumberInFilter(
        field_name="related_products", distinct=True, label=_("GI product (id)")
    )
    date_verified = django_filters.BooleanFilter(label=_("registration date verified"))
    is_demo = django_filters.BooleanFilter(label=_("demo data"))

    class Meta:
        model = GIMark
        fields = [
            "q",
            "region",
            "mark_type",
            "status",
            "nice_class",
            "registration_date",
            "holder_id",
            "date_verified",
            "is_demo",
        ]

    def filter_nice_class(self, queryset, name, value):
        if value in (None, ""):
            return queryset
        return queryset.filter(nice_classes__contains=[int(value)])


class FamousMarkFilterSet(_SelectorFilterSet):
    selector = staticmethod(famous_mark_list)
    search_fields = ("name", "trademark_number", "goods", "decision_reference")
    pinyin_fields = ("search_key",)

    region = region_filter("holder__county", "holder__township")
    region_id = region_filter("holder__county", "holder__township", by="id")
    kind = django_filters.MultipleChoiceFilter(choices=FamousMarkKind.choices, label=_("kind"))
    nice_class = django_filters.ChoiceFilter(choices=NICE_CLASS_CHOICES, label=_("Nice class"))
    recognition_date = django_filters.DateFromToRangeFilter(label=_("recognition date"))
    holder_id = NumberInFilter(field_name="holder_id", label=_("holder (id)"))
    is_current = django_filters.BooleanFilter(label=_("in force today"))
    is_demo = django_filters.BooleanFilter(label=_("demo data"))

    class Meta:
        model = FamousMark
        fields = [
            "q",
            "region",
            "kind",
            "nice_class",
            "recognition_date",
            "holder_id",
            "is_current",
            "is_demo",
        ]


class CustomsRecordationFilterSet(_SelectorFilterSet):
    selector = staticmethod(customs_recordation_list)
    search_fields = ("recorded_right", "recordation_number", "holder__name")
    pinyin_fields = ("search_key",)

    region = region_filter("holder__county", "holder__township")
    region_id = region_filter("holder__county", "holder__township", by="id")
    right_type = django_filters.MultipleChoiceFilter(
        choices=RightType.choices, label=_("kind of right")
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="effective_status", choices=RecordationStatus.choices, label=_("status")
    )
    recordation_date = django_filters.DateFromToRangeFilter(label=_("recordation date"))
    holder_id = NumberInFilter(field_name="holder_id", label=_("holder (id)"))
    gi_mark_id = NumberInFilter(field_name="gi_mark_id", label=_("GI mark (id)"))
    is_demo = django_filters.BooleanFilter(label=_("demo data"))

    class Meta:
        model = CustomsRecordation
        fields = [
            "q",
            "region",
            "right_type",
            "status",
            "recordation_date",
            "holder_id",
            "is_demo",
        ]
