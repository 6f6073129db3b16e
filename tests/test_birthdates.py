"""Birth dates typed as jour / mois / année (journeys §2.3), and the block after 3 failures."""

from datetime import UTC, date, datetime, timedelta

import pytest

from rules.birthdates import (
    BLOCK_DURATION,
    MAX_FAILED_SUBMISSIONS,
    BirthDateError,
    block_end,
    blocked_message,
    parse,
)
from rules.clock import PARIS

NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)


@pytest.mark.parametrize(
    "jour, mois, annee, expected",
    [
        ("14", "3", "2015", date(2015, 3, 14)),
        ("14", "03", "2015", date(2015, 3, 14)),
        ("1", "1", "2012", date(2012, 1, 1)),
        (" 02 ", " 11 ", " 2013 ", date(2013, 11, 2)),
        ("29", "2", "2012", date(2012, 2, 29)),
    ],
)
def test_a_date_is_read(jour, mois, annee, expected):
    assert parse(jour, mois, annee) == expected


def error_of(jour, mois, annee) -> BirthDateError:
    with pytest.raises(BirthDateError) as caught:
        parse(jour, mois, annee)
    return caught.value


@pytest.mark.parametrize(
    "parts", [("", "3", "2015"), ("14", "", "2015"), ("14", "3", " "), (None, None, None)]
)
def test_a_missing_part(parts):
    error = error_of(*parts)
    assert error.message == "Indiquez le jour, le mois et l'année."
    assert error.kind == "missing"


@pytest.mark.parametrize(
    "parts",
    [
        ("quatorze", "3", "2015"),
        ("14", "mars", "2015"),
        ("1a", "3", "2015"),
        ("-1", "3", "2015"),
        ("14", "3", "2015.0"),
        ("١٤", "3", "2015"),
    ],
)
def test_parts_must_be_numbers(parts):
    error = error_of(*parts)
    assert error.kind == "not_numbers"
    assert "en chiffres" in error.message


@pytest.mark.parametrize("annee", ["15", "215", "20150"])
def test_the_year_has_four_digits(annee):
    error = error_of("14", "3", annee)
    assert error.kind == "year"
    assert error.message == "L'année doit comporter 4 chiffres. Exemple : 2015."


@pytest.mark.parametrize(
    "parts",
    [
        ("31", "2", "2015"),
        ("29", "2", "2013"),
        ("0", "3", "2015"),
        ("14", "13", "2015"),
        ("14", "0", "2015"),
        ("32", "1", "2015"),
        ("014", "3", "2015"),
        ("14", "003", "2015"),
    ],
)
def test_a_date_that_does_not_exist(parts):
    error = error_of(*parts)
    assert error.message == "Cette date n'existe pas."
    assert error.kind == "impossible"


def test_three_failed_submissions_block_for_thirty_minutes():
    assert MAX_FAILED_SUBMISSIONS == 3
    assert timedelta(minutes=30) == BLOCK_DURATION
    assert block_end(2, NOW) is None
    assert block_end(3, NOW) == NOW + timedelta(minutes=30)
    assert block_end(2, NOW, max_failed=2, duration=timedelta(minutes=5)) == NOW + timedelta(
        minutes=5
    )


def test_the_blocked_message_gives_the_time_rounded_up():
    assert blocked_message(NOW + timedelta(minutes=30)) == (
        "Trop de dates de naissance incorrectes. Pour protéger les données de vos enfants, "
        "vous pourrez réessayer à 18 h 35."
    )
    assert "à 18 h 36." in blocked_message(NOW + timedelta(minutes=30, seconds=1))
    # Shown in Paris time, whatever zone the end was given in.
    assert "à 9 h 00." in blocked_message(datetime(2026, 9, 14, 7, 0, tzinfo=UTC))
