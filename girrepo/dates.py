"""Date arithmetic shared by the registers."""

import calendar
import datetime


def add_years(start: datetime.date, years: int) -> datetime.date:
    """The corresponding day ``years`` later, or the month's last day if there is none.

    This is how the Civil Code counts periods in years (民法典 arts. 201–202):
    the period starts the day after ``start`` and ends on the corresponding
    day, so a right granted on 2004-02-29 for 15 years ends on 2019-02-28.
    """
    year = start.year + years
    last_day = calendar.monthrange(year, start.month)[1]
    return start.replace(year=year, day=min(start.day, last_day))
