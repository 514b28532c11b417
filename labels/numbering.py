"""Authorization numbers: YN-GI-<year>-<serial>, unique and gapless per year."""

from django.db import transaction

from .models import AuthorizationSerial

PREFIX = "YN-GI"


def format_number(year: int, serial: int) -> str:
    return f"{PREFIX}-{year}-{serial:05d}"


@transaction.atomic
def next_serial(*, year: int) -> int:
    """Take the next serial of ``year``. The counter row is locked until the caller's
    transaction ends, so concurrent approvals queue here and a rolled-back approval
    gives its number back: no gaps, no duplicates."""
    AuthorizationSerial.objects.get_or_create(year=year)
    counter = AuthorizationSerial.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
