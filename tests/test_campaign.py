"""The campaign dates (`bourse-college.md`, "Deadline"): the school year of a day and the third
Thursday of October."""

from datetime import date

import pytest

from rules.campaign import (
    default_campaign,
    school_year_bounds,
    school_year_label,
    school_year_of,
    third_thursday_of_october,
)


@pytest.mark.parametrize(
    ("year", "deadline"),
    [
        (2021, date(2021, 10, 21)),
        (2022, date(2022, 10, 20)),
        (2023, date(2023, 10, 19)),
        (2024, date(2024, 10, 17)),
        (2025, date(2025, 10, 16)),
        (2026, date(2026, 10, 15)),
    ],
)
def test_third_thursday_of_october(year, deadline):
    assert third_thursday_of_october(year) == deadline
    assert deadline.weekday() == 3


def test_when_october_starts_on_a_thursday():
    # 1 October 2020 was a Thursday: the third is the 15th.
    assert third_thursday_of_october(2020) == date(2020, 10, 15)


@pytest.mark.parametrize(
    ("day", "start_year"),
    [
        (date(2026, 9, 1), 2026),
        (date(2026, 8, 31), 2025),
        (date(2027, 1, 1), 2026),
        (date(2026, 12, 31), 2026),
        (date(2027, 8, 31), 2026),
    ],
)
def test_school_year_of(day, start_year):
    assert school_year_of(day) == start_year


def test_school_year_bounds_and_label():
    assert school_year_bounds(2026) == (date(2026, 9, 1), date(2027, 8, 31))
    assert school_year_label(2026) == "2026-2027"


def test_default_campaign():
    assert default_campaign(2025) == (date(2025, 9, 1), date(2025, 10, 16))
