"""A child's birth date typed in three fields, jour / mois / année (journeys §2.3), and the
limit on wrong answers that stops anyone from trying dates until one matches."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from rules.clock import hour_text, in_paris

MAX_FAILED_SUBMISSIONS = 3
BLOCK_DURATION = timedelta(minutes=30)

MISSING = "Indiquez le jour, le mois et l'année."
NOT_NUMBERS = "Le jour, le mois et l'année s'écrivent en chiffres. Exemple : 14 03 2015."
YEAR_DIGITS = "L'année doit comporter 4 chiffres. Exemple : 2015."
IMPOSSIBLE = "Cette date n'existe pas."
MISMATCH = "Cette date de naissance ne correspond pas à celle que l'établissement nous a donnée."
BLOCKED = (
    "Trop de dates de naissance incorrectes. Pour protéger les données de vos enfants, "
    "vous pourrez réessayer à {heure}."
)

_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")


class BirthDateError(ValueError):
    """A typed date that cannot be read; the message is shown to the user as is.

    `kind` tells the cases apart without reading the French text:
    "missing", "not_numbers", "year", "impossible".
    """

    def __init__(self, message: str, kind: str = "impossible"):
        super().__init__(message)
        self.message = message
        self.kind = kind


def parse(jour: str, mois: str, annee: str) -> date:
    """The date typed as "14", "3" (or "03"), "2015"."""
    parts = [(text or "").strip() for text in (jour, mois, annee)]
    if not all(parts):
        raise BirthDateError(MISSING, "missing")
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise BirthDateError(NOT_NUMBERS, "not_numbers")
    day, month, year = parts
    if len(year) != 4:
        raise BirthDateError(YEAR_DIGITS, "year")
    # "123" cannot be a day or a month, even though int() would read it.
    if not (_DAY_OR_MONTH.fullmatch(day) and _DAY_OR_MONTH.fullmatch(month)):
        raise BirthDateError(IMPOSSIBLE, "impossible")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BirthDateError(IMPOSSIBLE, "impossible") from None


def block_end(
    failed_submissions: int,
    now: datetime,
    max_failed: int = MAX_FAILED_SUBMISSIONS,
    duration: timedelta = BLOCK_DURATION,
) -> datetime | None:
    """When a journey stays blocked after this many failed submissions, or None if not yet."""
    if failed_submissions < max_failed:
        return None
    return in_paris(now) + duration


def blocked_message(until: datetime) -> str:
    """The message of a blocked journey, with the time it opens again ("14 h 35")."""
    return BLOCKED.format(heure=hour_text(until))
