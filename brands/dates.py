"""Date arithmetic for terms counted in years (trademark terms, customs recordations)."""

import datetime as dt

TRADEMARK_TERM_YEARS = 10  # 商标法 art. 39/40: ten years, renewals ten years each
CUSTOMS_RECORDATION_YEARS = 10  # 知识产权海关保护条例 art. 10
ONE_DAY = dt.timedelta(days=1)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar date ``years`` later; 29 February becomes 1 March in a common year,
    so that the day before it (the last day of a term) is 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year
        return dt.date(day.year + years, 3, 1)


def term_end(start: dt.date, years: int = TRADEMARK_TERM_YEARS) -> dt.date:
    """Last day of a term of ``years`` that begins on ``start``: 2005-03-21 → 2015-03-20."""
    return add_years(start, years) - ONE_DAY
