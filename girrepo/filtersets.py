"""Shared FilterSet machinery: one FilterSet per model, used by every list, map,
export and API endpoint of that model (NetBox's ``filtersets.py`` pattern).

Public filter vocabulary:
  ``q``          free text (Chinese, pinyin with or without tones, English)
  ``region_id``  region primary keys, sub-regions included
  ``region``     region codes (e.g. 532300), sub-regions included
"""

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
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

    @classmethod
    def get_filters(cls):
        """django-filter adds DISTINCT to every multiple-choice filter; a path that
        only follows foreign keys cannot repeat a row, and DISTINCT would make the
        database sort the whole filtered register before a page can be read."""
        filters = super().get_filters()
        model = cls._meta.model
        for f in filters.values():
            if model is not None and f.distinct and _to_one_path(model, f.field_name):
                f.distinct = False
        return filters

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


# ``region_id``: comma-separated primary keys; anything else is a form error
# (the filter is then ignored, or a 400 in the API), never a database error.
REGION_IDS = RegexValidator(
    r"^\s*\d{1,18}\s*([,，]\s*\d{1,18}\s*)*$",
    _("Enter region ids: whole numbers separated by commas."),
)


class RegionHierarchyFilter(django_filters.Filter):
    """Rows linked to the chosen regions or any region below them (MPTT interval).

    The regions below are a list of region ids (``county_id IN (…)``), not a
    join: a path through foreign keys cannot repeat a row, and a path through a
    many-side (``origin_regions``, ``area_units__region``) becomes ``EXISTS``, so
    the list never needs ``DISTINCT`` and keeps its indexed order.
    """

    def __init__(self, *args, region_fields=("region",), by="id", **kwargs):
        self.region_fields = region_fields
        self.by = by
        kwargs.setdefault("distinct", False)
        if by == "id":
            kwargs["validators"] = [*kwargs.get("validators", ()), REGION_IDS]
        super().__init__(*args, **kwargs)

    field_class = forms.CharField

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if value in (None, ""):
            return qs
        keys = [v.strip() for v in str(value).replace("，", ",").split(",") if v.strip()]
        lookup = "pk__in" if self.by == "id" else "code__in"
        chosen = Region.objects.filter(**{lookup: keys})
        # The chosen regions and all below them, as ids (one small query): the
        # planner then knows from the column statistics how many rows they hold.
        below = list(
            Region.objects.filter(
                Exists(
                    chosen.filter(
                        tree_id=OuterRef("tree_id"),
                        lft__lte=OuterRef("lft"),
                        rght__gte=OuterRef("rght"),
                    )
                )
            ).values_list("pk", flat=True)
        )
        if not below:
            return qs.none()
        cond = Q()
        for field in self.region_fields:
            if _crosses_many(qs.model, field):
                rows = qs.model._default_manager.filter(
                    pk=OuterRef("pk"), **{f"{field}__in": below}
                )
                cond |= Q(Exists(rows))
            else:
                cond |= Q(**{f"{field}__in": below})
        qs = qs.filter(cond)
        return qs.distinct() if self.distinct else qs


def _to_one_path(model, path: str) -> bool:
    """A path of model fields through to-one relations only (False if not fields)."""
    try:
        return not _crosses_many(model, path)
    except FieldDoesNotExist:
        return False


def _crosses_many(model, path: str) -> bool:
    """Whether an ORM path passes a to-many relation (a join could repeat rows)."""
    for part in path.split("__"):
        if model is None:  # a transform or lookup after a plain field
            raise FieldDoesNotExist(path)
        field = model._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


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
