"""Shared FilterSet machinery: one FilterSet per model, used by every list, map,
export and API endpoint of that model (NetBox's ``filtersets.py`` pattern).

Public filter vocabulary:
  ``q``          free text (Chinese, pinyin with or without tones, English)
  ``region_id``  region primary keys, sub-regions included
  ``region``     region codes (e.g. 532300), sub-regions included
"""

import django_filters
from django import forms
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from regions.choices import RegionLevel
from regions.models import Region
from regions.signals import boundaries_changed

from .keyset import Partition, with_partition
from .text import query_key
from .widgets import make_fast


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
        make_fast(widget)  # same markup, without a template per <option>
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


# The region select's choices, kept for a while: they cost a query and change only
# when regions are loaded or edited (which clears them in this process at once).
REGION_CHOICES_KEY = "girrepo:region-choices"
REGION_CHOICES_SECONDS = 300


def region_choices() -> list:
    """Prefectures and their counties, grouped, for the ``region`` select."""
    choices = cache.get(REGION_CHOICES_KEY)
    if choices is None:
        choices = _region_choices()
        cache.set(REGION_CHOICES_KEY, choices, REGION_CHOICES_SECONDS)
    return choices


def forget_region_choices(**kwargs) -> None:
    cache.delete(REGION_CHOICES_KEY)


post_save.connect(forget_region_choices, sender=Region, dispatch_uid="girrepo-region-choices")
post_delete.connect(forget_region_choices, sender=Region, dispatch_uid="girrepo-region-choices")
boundaries_changed.connect(forget_region_choices, dispatch_uid="girrepo-region-choices")


def _region_choices() -> list:
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
        levels = dict(
            Region.objects.filter(
                Exists(
                    chosen.filter(
                        tree_id=OuterRef("tree_id"),
                        lft__lte=OuterRef("lft"),
                        rght__gte=OuterRef("rght"),
                    )
                )
            ).values_list("pk", "level")
        )
        below = list(levels)
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
        before = len(qs.query.where.children)
        qs = qs.filter(cond)
        if self.distinct:
            return qs.distinct()
        implied = tuple(qs.query.where.children[before:])
        return with_partition(qs, partition_of(qs.model, self.region_fields, levels, implied))


# Above this many regions the filtered rows are dense enough in list order that
# reading the list's own index is cheaper than a merge (e.g. the whole province).
MAX_PARTS = 40


def partition_of(model, fields, levels: dict, implied: tuple = ()) -> Partition | None:
    """How keyset pages can read a region-filtered list region by region.

    The first field must be a plain foreign key limited to one region level (a
    producer's ``county``): the rows are then those of each chosen region at that
    level, read through a ``(field, sort key, id)`` index, plus the rows linked only
    through the other fields (a township whose county lies elsewhere, or is unset).
    """
    first, *others = fields
    try:
        field = model._meta.get_field(first)
    except FieldDoesNotExist:
        return None
    level = (field.remote_field.limit_choices_to or {}) if field.many_to_one else {}
    level = level.get("level") if isinstance(level, dict) else None
    if level is None or any(not _to_one_path(model, f) for f in others):
        return None
    values = [pk for pk, lvl in levels.items() if lvl == level]
    if not 0 < len(values) <= MAX_PARTS:
        return None
    # The rows no part ``first = v`` holds: ``first`` is another chosen region (not
    # of its level: bad data, but the filter finds it), or lies outside them and a
    # township (say) is inside. The second is read inside the other fields' index.
    others_cond = Q(*(Q(**{f"{f}__in": list(levels)}) for f in others), _connector=Q.OR)
    outside = model._default_manager.filter(others_cond).exclude(**{f"{first}__in": list(levels)})
    rest: list = [outside.order_by().values_list("pk", flat=True)] if others else []
    if len(values) < len(levels):
        # ``first`` holding a region of another level is bad data: looked for through
        # ``first``'s own index alone, and read with the list's filters only if found
        # (planned with them, a rare kind's index was walked for 50 ms to find none).
        elsewhere = {f"{first}__in": [pk for pk in levels if levels[pk] != level]}
        if model._default_manager.filter(**elsewhere).exists():
            rest.append(Q(**elsewhere))
    return Partition(field=first, values=values, rest=rest, implied=implied)


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
