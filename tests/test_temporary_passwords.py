"""Temporary passwords of the letters (journeys §4): 12 characters from an alphabet where none
is read as another, drawn with `secrets`, valid 3 months from the letter's date."""

import string
from collections import Counter
from datetime import date

import pytest

from rules import temporary_passwords
from rules.temporary_passwords import (
    ALPHABET,
    EXPIRED_MESSAGE,
    LENGTH,
    VALIDITY_MONTHS,
    expires_on,
    is_expired,
    new_temporary_password,
)


def test_the_alphabet_leaves_out_the_characters_read_as_others():
    # 0 O o, 1 I i l j, and the small letters shaped like their capitals.
    for ambiguous in "0Oo" + "1Iilj" + "csuvwxz":
        assert ambiguous not in ALPHABET
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert set(ALPHABET) <= set(string.ascii_letters + string.digits)
    # Capitals, small letters and digits: about 66 bits in 12 characters.
    assert any(c.isupper() for c in ALPHABET) and any(c.islower() for c in ALPHABET)
    assert any(c.isdigit() for c in ALPHABET)
    assert len(ALPHABET) >= 45


def test_a_temporary_password_has_twelve_characters_of_the_alphabet():
    assert LENGTH == 12 and VALIDITY_MONTHS == 3
    for _ in range(200):
        password = new_temporary_password()
        assert len(password) == 12
        assert set(password) <= set(ALPHABET)


def test_the_characters_come_from_secrets(monkeypatch):
    drawn = []
    monkeypatch.setattr(
        temporary_passwords.secrets, "choice", lambda seq: drawn.append(seq) or seq[-1]
    )
    assert new_temporary_password() == ALPHABET[-1] * 12
    assert drawn == [ALPHABET] * 12


def test_every_character_is_drawn_and_no_password_repeats():
    passwords = [new_temporary_password() for _ in range(2000)]
    assert len(set(passwords)) == len(passwords)
    counts = Counter("".join(passwords))
    # 24,000 characters over 47: about 510 each; a missing or a favoured one would show.
    assert set(counts) == set(ALPHABET)
    assert max(counts.values()) < 2 * min(counts.values())


@pytest.mark.parametrize(
    ("letter", "last_day"),
    [
        (date(2026, 9, 14), date(2026, 12, 14)),
        (date(2026, 10, 31), date(2027, 1, 31)),
        (date(2026, 11, 30), date(2027, 2, 28)),
        (date(2027, 11, 30), date(2028, 2, 29)),
        (date(2026, 12, 31), date(2027, 3, 31)),
        (date(2027, 3, 31), date(2027, 6, 30)),
        (date(2026, 1, 1), date(2026, 4, 1)),
    ],
)
def test_a_password_is_valid_three_months_from_the_letter(letter, last_day):
    assert expires_on(letter) == last_day


def test_it_works_all_through_its_last_day():
    last = date(2026, 12, 14)
    assert not is_expired(last, date(2026, 9, 14))
    assert not is_expired(last, last)
    assert is_expired(last, date(2026, 12, 15))


def test_the_expired_message_is_the_journeys():
    assert EXPIRED_MESSAGE == (
        "Ce mot de passe provisoire a expiré. Demandez de nouveaux identifiants à "
        "l'établissement, ou utilisez « Je n'ai pas encore d'identifiant »."
    )
