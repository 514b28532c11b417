"""Writes to the marks register: terms and renewals, users of marks, images, recordations.

Every function here validates with ``full_clean()`` and raises field-keyed
``ValidationError``s; nothing is saved when it raises.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from producers.models import Producer

from .choices import (
    IN_FORCE_STATUSES,
    USE_KIND_FOR_MARK_TYPE,
    MarkStatus,
    MarkType,
    RightType,
)
from .dates import CUSTOMS_RECORDATION_YEARS, ONE_DAY, term_end
from .models import CustomsRecordation, FamousMark, GIMark, MarkImage, MarkTerm, MarkUse
from .selectors import gi_mark_current_expiry, gi_mark_list

# 商标法 art. 40: renewal may be filed in the 12 months before expiry or the 6 months after.
RENEWAL_WINDOW_BEFORE_MONTHS = 12
RENEWAL_GRACE_MONTHS = 6


def mark_term_end(*, start: dt.date) -> dt.date:
    """Last day of a trademark term that starts on ``start``: ten years, less one day."""
    return term_end(start)


@transaction.atomic
def gi_mark_save(
    *,
    mark: GIMark,
    origin_regions: Iterable | None = None,
    related_products: Iterable | None = None,
) -> GIMark:
    """Validate and save a GI mark; the many-to-many links are replaced when given."""
    mark.full_clean()
    mark.save()
    if origin_regions is not None:
        mark.origin_regions.set(origin_regions)
    if related_products is not None:
        mark.related_products.set(related_products)
    return mark


@transaction.atomic
def mark_term_create_first(*, mark: GIMark, reference: str = "") -> MarkTerm:
    """The first ten-year term, counted from the registration date."""
    if mark.registration_date is None:
        raise ValidationError(
            {"registration_date": _("The first term runs from the registration date; record it.")}
        )
    if mark.terms.exists():
        raise ValidationError({"mark": _("This mark already has its first term.")})
    start = mark.registration_date
    term = MarkTerm(mark=mark, start=start, end=mark_term_end(start=start), reference=reference)
    term.full_clean()
    term.save()
    return term


def _months_later(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def mark_renew(
    *,
    mark: GIMark,
    filed_on: dt.date | None = None,
    reference: str = "",
) -> MarkTerm:
    """Add the next ten-year term, from the day after the current term ends (续展).

    ``filed_on``, when known, must fall in the renewal window: up to 12 months
    before the expiry or within the 6-month grace period after it.
    """
    mark = GIMark.objects.select_for_update().get(pk=mark.pk)
    if mark.status in (MarkStatus.CANCELLED, MarkStatus.INVALIDATED):
        raise ValidationError(
            {"status": _("A %(status)s mark cannot be renewed.") % {"status": mark.status}}
        )
    expiry = gi_mark_current_expiry(mark=mark)
    if expiry is None:
        raise ValidationError({"mark": _("Record the first term before a renewal.")})
    if filed_on is not None:
        opens = _months_later(expiry, -RENEWAL_WINDOW_BEFORE_MONTHS)
        closes = _months_later(expiry, RENEWAL_GRACE_MONTHS)
        if not opens <= filed_on <= closes:
            raise ValidationError(
                {
                    "filed_on": _(
                        "A renewal of a term ending %(expiry)s must be filed between "
                        "%(opens)s and %(closes)s."
                    )
                    % {
                        "expiry": expiry.isoformat(),
                        "opens": opens.isoformat(),
                        "closes": closes.isoformat(),
                    }
                }
            )
    start = expiry + ONE_DAY
    term = MarkTerm(mark=mark, start=start, end=mark_term_end(start=start), reference=reference)
    term.full_clean()
    term.save()
    mark.status = MarkStatus.RENEWED
    mark.full_clean()
    mark.save()
    return term


@transaction.atomic
def mark_expire_lapsed(*, today: dt.date | None = None) -> int:
    """Record as expired the marks in force whose last term ended before ``today``.

    Lists and pages already derive the status; this writes it down (with history),
    e.g. from a nightly job. Returns the number of marks changed.
    """
    today = today or timezone.localdate()
    lapsed = gi_mark_list(today=today).filter(
        status__in=IN_FORCE_STATUSES, effective_status=MarkStatus.EXPIRED
    )
    changed = 0
    for mark in lapsed.select_for_update(of=("self",)):
        mark.status = MarkStatus.EXPIRED
        mark.save(update_fields=["status", "last_updated"])
        changed += 1
    return changed


@transaction.atomic
def mark_use_add(
    *,
    mark: GIMark,
    producer: Producer,
    start: dt.date | None = None,
    end: dt.date | None = None,
    filing_reference: str = "",
) -> MarkUse:
    """Record a lawful user: a licensee of a certification mark, a member of a collective one."""
    use = MarkUse(
        mark=mark,
        producer=producer,
        kind=USE_KIND_FOR_MARK_TYPE[MarkType(mark.mark_type)],
        start=start,
        end=end,
        filing_reference=filing_reference,
    )
    use.full_clean()
    use.save()
    return use


@transaction.atomic
def mark_image_add(*, mark: GIMark, upload, caption: str = "", credit: str = "") -> MarkImage:
    """Attach an image of the mark; the file is checked and re-encoded (no EXIF)."""
    image = MarkImage(mark=mark, caption=caption, credit=credit)
    image.set_image(upload)
    image.full_clean()
    image.save()
    return image


@transaction.atomic
def famous_mark_save(*, famous_mark: FamousMark) -> FamousMark:
    famous_mark.full_clean()
    famous_mark.save()
    return famous_mark


def customs_valid_until_suggestion(
    *, recordation_date: dt.date, right_expiry: dt.date | None = None
) -> dt.date:
    """Ten years from approval, or the right's own expiry if that comes first."""
    ten_years = term_end(recordation_date, CUSTOMS_RECORDATION_YEARS)
    if right_expiry is not None and right_expiry < ten_years:
        return right_expiry
    return ten_years


def customs_right_expiry(*, recordation: CustomsRecordation) -> dt.date | None:
    """When the recorded right itself ends, as far as the register knows.

    A GI mark ends with its current term; a well-known recognition has no expiry
    and says nothing of the trademark's own term, so it gives none.
    """
    if recordation.gi_mark_id:
        return gi_mark_current_expiry(mark=recordation.gi_mark)
    return None


@transaction.atomic
def customs_recordation_save(*, recordation: CustomsRecordation) -> CustomsRecordation:
    """Validate and save; an empty ``valid_until`` is filled with the legal suggestion."""
    if recordation.valid_until is None and recordation.recordation_date is not None:
        recordation.valid_until = customs_valid_until_suggestion(
            recordation_date=recordation.recordation_date,
            right_expiry=customs_right_expiry(recordation=recordation),
        )
    if recordation.gi_mark_id and not recordation.right_type:
        recordation.right_type = RightType.GI_MARK
    recordation.full_clean()
    recordation.save()
    return recordation
