"""Reads from the marks register: current expiry and the status derived from it.

A mark's stored status says what was decided (registered, renewed, cancelled…);
"expired" also follows from the calendar, so lists and pages read the
*effective* status computed here rather than trusting a nightly job.
"""

import datetime as dt

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from .choices import IN_FORCE_STATUSES, FamousMarkKind, MarkStatus, RecordationStatus
from .models import CustomsRecordation, FamousMark, GIMark, MarkTerm, MarkUse


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def gi_mark_current_expiry(*, mark: GIMark) -> dt.date | None:
    """The end of the mark's latest term; None when no term is recorded."""
    annotated = getattr(mark, "current_expiry", None)
    if annotated is not None:
        return annotated
    return mark.terms.order_by("-end").values_list("end", flat=True).first()


def gi_mark_effective_status(*, mark: GIMark, today: dt.date | None = None) -> str:
    """``expired`` for a mark in force whose last term has ended; its stored status otherwise."""
    if mark.status in IN_FORCE_STATUSES:
        expiry = gi_mark_current_expiry(mark=mark)
        if expiry is not None and expiry < _today(today):
            return MarkStatus.EXPIRED
    return mark.status


def gi_mark_list(*, today: dt.date | None = None) -> QuerySet[GIMark]:
    """GI marks with ``current_expiry`` and ``effective_status`` annotated (one query)."""
    latest_end = MarkTerm.objects.filter(mark=OuterRef("pk")).order_by("-end").values("end")[:1]
    return (
        GIMark.objects.select_related("registrant")
        .annotate(current_expiry=Subquery(latest_end, output_field=DateField()))
        .annotate(
            effective_status=Case(
                When(
                    Q(status__in=IN_FORCE_STATUSES, current_expiry__lt=_today(today)),
                    then=Value(MarkStatus.EXPIRED),
                ),
                default="status",
                output_field=CharField(),
            )
        )
    )


def gi_mark_uses(*, mark: GIMark, today: dt.date | None = None) -> QuerySet[MarkUse]:
    """The mark's users, those using it today first, with ``is_current`` annotated."""
    day = _today(today)
    current = (Q(start__isnull=True) | Q(start__lte=day)) & (Q(end__isnull=True) | Q(end__gte=day))
    return (
        mark.uses.select_related("producer__county")
        .annotate(is_current=Case(When(current, then=True), default=False))
        .order_by("-is_current", "producer__name", "start")
    )


def famous_mark_list(*, today: dt.date | None = None) -> QuerySet[FamousMark]:
    """Famous marks with ``is_current``: a well-known mark always, a provincial one until
    its valid-until date."""
    return FamousMark.objects.select_related("holder").annotate(
        is_current=Case(
            When(kind=FamousMarkKind.WELL_KNOWN, then=True),
            When(valid_until__gte=_today(today), then=True),
            default=False,
            output_field=BooleanField(),
        )
    )


def customs_recordation_list(*, today: dt.date | None = None) -> QuerySet[CustomsRecordation]:
    """Recordations with ``effective_status``: a valid one past its date reads as expired."""
    return CustomsRecordation.objects.select_related("holder", "gi_mark", "famous_mark").annotate(
        effective_status=Case(
            When(
                Q(status=RecordationStatus.VALID, valid_until__lt=_today(today)),
                then=Value(RecordationStatus.EXPIRED),
            ),
            default="status",
            output_field=CharField(),
        )
    )


def marks_named(*, name: str) -> dict[str, QuerySet]:
    """Records in the other mark tables that carry the same words.

    Same words are not proof of the same trademark, so pages list them as
    "same name", never as a confirmed link.
    """
    return {
        "gi_marks": GIMark.objects.filter(name=name),
        "famous_marks": FamousMark.objects.filter(name=name),
    }
