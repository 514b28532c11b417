"""Shared FilterSet machinery: one FilterSet per model, used by every list, map,
export and API endpoint of that model (NetBox's ``filtersets.py`` pattern).

Public filter vocabulary:
  ``q``          free text (Chinese, pinyin with or without tones, English)
  ``region_id``  region primary keys, sub-regions included
  ``region``     region codes (e.g. 532300), sub-regions included
"""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from regions.choices import RegionLevel
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

    @property
    def form(self):
        # Styled when first built (not in __init__: views may still drop filters).
        form = super().form
        if not getattr(form, "_girrepo_styled", False):
            style_filter_form(form)
            form._girrepo_styled = True
        return form

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


def style_filter_form(form) -> None:
    """Bootstrap classes on every widget, so each FilterSet's form looks the same."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select form-select-sm"
            if isinstance(widget, forms.SelectMultiple):
                # Counting a model field's choices would cost a query per page view.
                n = 6 if hasattr(field, "queryset") else len(field.choices or [])
                widget.attrs.setdefault("size", min(6, max(3, n)))
        else:
            css = "form-control form-control-sm"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def region_choices() -> list:
    """Prefectures and their counties, grouped, for the ``region`` select."""
    rows = Region.objects.filter(
        level__in=[RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY]
    ).values_list("code", "name", "level", "parent__code")
    rows = list(rows)
    choices: list = [("", "---------")]
    prefectures = [(c, n) for c, n, lvl, _p in rows if lvl == RegionLevel.PREFECTURE]
    for code, name, lvl, _p in rows:
        if lvl == RegionLevel.PROVINCE:
            choices.append((code, name))
    for pcode, pname in prefectures:
        counties = [(c, f"　{n}") for c, n, lvl, parent in rows if parent == pcode]
        choices.append((pname, [(pcode, pname), *counties]))
    return choices


class RegionSelect(forms.Select):
    """A select of prefectures and counties whose choices load when rendered, so
    importing a FilterSet never queries the database. Any code (townships too) is
    still accepted from the URL."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = []

    def get_context(self, name, value, attrs):
        if not self.choices:
            self.choices = region_choices()
        return super().get_context(name, value, attrs)


class RegionHierarchyFilter(django_filters.Filter):
    """Rows linked to the chosen regions or any region below them (MPTT interval)."""

    def __init__(self, *args, region_fields=("region",), by="id", **kwargs):
        self.region_fields = region_fields
        self.by = by
        kwargs.setdefault("distinct", True)
        super().__init__(*args, **kwargs)

    field_class = forms.CharField

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
    """``region`` (by code: a select in forms) or ``region_id`` (by id: URL and API
    only, hidden in forms) over the given region FK paths, sub-regions included."""
    if by == "code":
        return RegionHierarchyFilter(
            region_fields=fields, by=by, label=_("Region"), widget=RegionSelect
        )
    return RegionHierarchyFilter(
        region_fields=fields, by=by, label=_("Region (id)"), widget=forms.HiddenInput
    )
