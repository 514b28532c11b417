"""Deadlines counted in working days: Monday–Friday, minus holidays, plus make-up days."""

from datetime import date, timedelta

from .models import Holiday


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    horizon = start + timedelta(days=days * 3 + 30)
    overrides = dict(
        Holiday.objects.filter(date__gt=start, date__lte=horizon).values_list(
            "date", "is_working_day"
        )
    )
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        working = overrides.get(current, current.weekday() < 5)
        if working:
            left -= 1
    return current
