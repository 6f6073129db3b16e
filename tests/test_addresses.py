"""Postal addresses typed by a parent (rules/addresses.py): cleaned as typed, every wrong field
named at once, lines as on an envelope."""

from __future__ import annotations

import pytest

from rules.addresses import (
    BAD_POSTAL_CODE,
    COMMUNE_TOO_LONG,
    MISSING,
    UNPRINTABLE,
    Address,
    AddressErrors,
    check_address,
)

LILAS = Address("12 rue des Lilas", "Bâtiment B", "69001", "Lyon")


def test_a_full_address_is_kept_cleaned():
    assert check_address("  12  rue des\tLilas ", " Bâtiment B ", "69 001", " Lyon ") == LILAS


def test_the_complement_is_optional():
    assert check_address("12 rue des Lilas", "", "69001", "Lyon").line2 == ""


def test_every_missing_part_is_named_at_once():
    with pytest.raises(AddressErrors) as raised:
        check_address(" ", "", "", "   ")
    assert raised.value.errors == MISSING


@pytest.mark.parametrize("typed", ["6900", "690011", "69OO1", "00100", "F-69001", "69-001"])
def test_bad_postal_codes(typed):
    with pytest.raises(AddressErrors) as raised:
        check_address("12 rue des Lilas", "", typed, "Lyon")
    assert raised.value.errors == {"postal_code": BAD_POSTAL_CODE}


@pytest.mark.parametrize("typed", ["01000", "20000", "97300", "98000"])
def test_postal_codes_of_every_kind(typed):
    assert check_address("1 place du Marché", "", typed, "Ville").postal_code == typed


def test_lines_longer_than_the_postal_standard():
    with pytest.raises(AddressErrors) as raised:
        check_address("x" * 39, "y" * 39, "69001", "z" * 33)
    errors = raised.value.errors
    assert (
        errors["line1"] == errors["line2"] == "Cette ligne est trop longue (38 caractères au plus)."
    )
    assert errors["city"] == COMMUNE_TOO_LONG


def test_the_longest_lines_allowed():
    address = check_address("x" * 38, "y" * 38, "69001", "z" * 32)
    assert address.lines() == ["x" * 38, "y" * 38, "69001 " + "z" * 32]


def test_control_characters_are_refused():
    with pytest.raises(AddressErrors) as raised:
        check_address("12 rue\x00 des Lilas", "", "69001", "Lyon")
    assert raised.value.errors == {"line1": UNPRINTABLE}


def test_accents_are_kept_in_one_form():
    # "é" typed as "e" + combining accent (macOS) is kept as the one character.
    assert check_address("1 rue de l'E\u0301glise", "", "69001", "Lyon").line1 == (
        "1 rue de l'\u00c9glise"
    )


def test_lines_without_a_complement():
    assert Address("12 rue des Lilas", "", "69001", "Lyon").lines() == [
        "12 rue des Lilas",
        "69001 Lyon",
    ]


def test_dict_round_trip():
    assert LILAS.as_dict() == {
        "line1": "12 rue des Lilas",
        "line2": "Bâtiment B",
        "postal_code": "69001",
        "city": "Lyon",
    }
    assert Address.from_dict(LILAS.as_dict()) == LILAS
    assert Address.from_dict({"line1": "1 rue", "postal_code": "69001", "city": "Lyon"}) == (
        Address("1 rue", "", "69001", "Lyon")
    )
