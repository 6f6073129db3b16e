"""Temporary passwords of the accounts a school distributes by letter (journeys §4): 12
characters drawn with `secrets` from an alphabet where no character can be read as another,
valid 3 months from the letter's date and until the account is activated.

They are typed by a parent from a printed page, often on a phone: the alphabet leaves out the
characters one mistakes for another (0 O o, 1 I l i j, and the lower-case letters that look like
their capital: c s u v w x z). 47 characters, 12 of them: about 66 bits, out of reach of
guessing even without the lock.
"""

from __future__ import annotations

import secrets
from calendar import monthrange
from datetime import date

UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LOWER = "abdefghkmnpqrty"
DIGITS = "23456789"
ALPHABET = UPPER + LOWER + DIGITS
LENGTH = 12
VALIDITY_MONTHS = 3

EXPIRED_MESSAGE = (
    "Ce mot de passe provisoire a expiré. Demandez de nouveaux identifiants à l'établissement, "
    "ou utilisez « Je n'ai pas encore d'identifiant »."
)


def new_temporary_password(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def expires_on(letter_date: date, months: int = VALIDITY_MONTHS) -> date:
    """The last day the password works: the same day 3 months later, or the last day of that
    month when it is shorter (a letter of 30 November is valid until 28 or 29 February)."""
    index = letter_date.month - 1 + months
    year, month = letter_date.year + index // 12, index % 12 + 1
    return date(year, month, min(letter_date.day, monthrange(year, month)[1]))


def is_expired(valid_until: date, today: date) -> bool:
    """Whether the password no longer works: it does all through its last day (Paris time)."""
    return today > valid_until
