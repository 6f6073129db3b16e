"""The dates of the scholarship campaign (`bourse-college.md`, "Deadline"): a school year starts
on 1 September, and requests close on the third Thursday of October (article D530-1 of the code
de l'éducation)."""

from __future__ import annotations

from datetime import date, timedelta

THURSDAY = 3  # date.weekday()


def school_year_of(day: date) -> int:
    """The year the school year containing `day` starts in: 2026 for any day from 1 September
    2026 to 31 August 2027."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[date, date]:
    """The first and last day of the school year starting in `start_year`."""
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


def school_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def third_thursday_of_october(year: int) -> date:
    first = date(year, 10, 1)
    first_thursday = first + timedelta(days=(THURSDAY - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=2)


def default_campaign(start_year: int) -> tuple[date, date]:
    """The default campaign of a school year: 1 September to the third Thursday of October."""
    return date(start_year, 9, 1), third_thursday_of_october(start_year)
