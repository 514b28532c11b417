"""Shared FilterSet machinery: one FilterSet per model, used by every list, map,
export and API endpoint of that model (NetBox's ``filtersets.py`` pattern).

Public filter vocabulary:
  ``q``          free text (Chinese, pinyin with or without tones, English)
  ``region_id``  region primary keys, sub-regions included
  ``region``     region codes (e.g. 532300), sub-regions included
"""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from regions.models import Region

from .text import query_key


class BaseFilterSet(django_filters.FilterSet):
    """Adds ``q`` over ``search_fields`` to every FilterSet.

    ``search_fields`` are searched with ``icontains``; fields listed in
    ``pinyin_fields`` are also matched against the query with spaces, tones and
    apostrophes removed, so ``puer``, ``pu'er`` and ``pǔ'ěr`` all find 普洱.
    """

    search_fields: tuple[str, ...] = ()
    pinyin_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__icontains": value})
        compact = query_key(value)
        if compact:
            for field in self.pinyin_fields:
                cond |= Q(**{f"{field}__contains": compact})
        return queryset.filter(cond)


class RegionHierarchyFilter(django_filters.Filter):
    """Rows linked to the chosen regions or any region below them (MPTT interval)."""

    def __init__(self, *args, region_fields=("region",), by="id", **kwargs):
        self.region_fields = region_fields
        self.by = by
        kwargs.setdefault("distinct", True)
        super().__init__(*args, **kwargs)

    field_class = django_filters.filters.forms.CharField

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if value in (None, ""):
            return qs
        keys = [v for v in str(value).replace("，", ",").split(",") if v.strip()]
        lookup = "pk__in" if self.by == "id" else "code__in"
        regions = list(Region.objects.filter(**{lookup: keys}).only("tree_id", "lft", "rght"))
        if not regions:
            return qs.none()
        cond = Q()
        for region in regions:
            for field in self.region_fields:
                cond |= Q(
                    **{
                        f"{field}__tree_id": region.tree_id,
                        f"{field}__lft__gte": region.lft,
                        f"{field}__rght__lte": region.rght,
                    }
                )
        qs = qs.filter(cond)
        return qs.distinct() if self.distinct else qs


def region_filter(*fields: str, by: str = "code") -> RegionHierarchyFilter:
    """``region`` (by code) or ``region_id`` (by id) over the given region FK paths."""
    label = (
        _("Region (code, sub-regions included)")
        if by == "code"
        else _("Region (id, sub-regions included)")
    )
    return RegionHierarchyFilter(region_fields=fields, by=by, label=label)
