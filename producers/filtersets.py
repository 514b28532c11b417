import django_filters
from django.utils.translation import gettext_lazy as _

from girrepo.filtersets import BaseFilterSet, region_filter

from .choices import ProducerKind, ProducerStatus
from .models import Producer


class ProducerFilterSet(BaseFilterSet):
    search_fields = ("name", "name_en", "credit_code", "address")
    pinyin_fields = ("search_key",)

    region_id = region_filter("county", "township", by="id")
    region = region_filter("county", "township")
    kind = django_filters.MultipleChoiceFilter(choices=ProducerKind.choices, label=_("kind"))
    status = django_filters.MultipleChoiceFilter(choices=ProducerStatus.choices, label=_("status"))
    credit_code = django_filters.CharFilter(label=_("unified social credit code"))
    is_demo = django_filters.BooleanFilter(label=_("demo data"))
    created = django_filters.DateFromToRangeFilter(label=_("registered in girrepo"))

    class Meta:
        model = Producer
        fields = ["q", "region", "kind", "status", "credit_code", "is_demo", "created"]
