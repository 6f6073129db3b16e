"""An état civil élargi typed by a parent (rules/civil_status_entry.py): cleaned as typed, born
in France (commune and département) or abroad (country, town optional), a plausible date of
birth, every wrong part named at once."""

from __future__ import annotations

from datetime import date

import pytest

from rules import birthdates
from rules import civil_status_entry as entry
from rules.civil_status import CivilStatus
from rules.civil_status_entry import CivilStatusErrors, check_civil_status

TODAY = date(2026, 9, 14)
SOPHIE = {
    "nom_naissance": "Moreau",
    "nom_usage": "Lefèvre-D'Almeida",
    "prenoms": "Sophie Marie",
    "jour": "12",
    "mois": "5",
    "annee": "1984",
    "commune": "Lyon",
    "departement": "69",
    "pays": "",
}


def check(**changes) -> CivilStatus:
    return check_civil_status(**{**SOPHIE, **changes}, today=TODAY)


def errors_of(**changes) -> dict[str, str]:
    with pytest.raises(CivilStatusErrors) as raised:
        check(**changes)
    return raised.value.errors


def test_a_full_civil_status_born_in_france_is_kept_cleaned():
    found = check(nom_naissance="  Moreau ", prenoms=" Sophie,  Marie ", commune=" Lyon  ")
    assert found == CivilStatus(
        "Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre-D'Almeida"
    )
    assert not found.born_abroad


def test_born_abroad_needs_the_country_only():
    found = check(nom_usage="", commune="", departement="", pays=" Portugal ")
    assert (found.birth_commune, found.birth_departement, found.birth_country) == (
        "",
        "",
        "Portugal",
    )
    assert found.born_abroad
    assert check(commune="Porto", departement="", pays="Portugal").birth_commune == "Porto"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("69", "69"),
        ("1", "01"),
        ("01", "01"),
        ("2a", "2A"),
        (" 2B ", "2B"),
        ("971", "971"),
        ("974", "974"),
        ("976", "976"),
        ("9 73", "973"),
        ("95", "95"),
        ("988", "988"),
    ],
)
def test_departement_numbers(typed, kept):
    assert check(departement=typed).birth_departement == kept


@pytest.mark.parametrize("typed", ["00", "96", "99", "970", "979", "985", "2C", "Rhône", "690"])
def test_departements_that_do_not_exist(typed):
    assert errors_of(departement=typed) == {"departement": entry.BAD_DEPARTEMENT}


def test_corsica_before_1976_is_asked_as_2a_or_2b():
    assert errors_of(departement="20") == {"departement": entry.CORSICA}


def test_a_place_of_birth_is_needed():
    assert errors_of(commune="", departement="", pays="") == {
        "commune": entry.MISSING_COMMUNE,
        "departement": entry.MISSING_PLACE,
    }
    assert errors_of(commune="") == {"commune": entry.MISSING_COMMUNE}


def test_both_a_departement_and_a_country_are_refused():
    assert errors_of(pays="Portugal") == {"pays": entry.BOTH_PLACES}


@pytest.mark.parametrize("typed", ["France", "FRANCE", " france "])
def test_france_is_no_country_abroad(typed):
    assert errors_of(departement="", pays=typed) == {"pays": entry.FRANCE_AS_COUNTRY}


@pytest.mark.parametrize("typed", ["Côte d'Ivoire", "Guinée-Bissau", "Royaume-Uni", "Sénégal"])
def test_countries_with_accents_hyphens_and_apostrophes(typed):
    assert check(departement="", pays=typed).birth_country == typed


def test_a_country_is_letters():
    assert errors_of(departement="", pays="Pays 2") == {"pays": entry.BAD_COUNTRY}


@pytest.mark.parametrize(
    "typed", ["N'Diaye", "Lefèvre-D'Almeida", "Da Silva", "N’Diaye", "Saint-Cyr", "Œuvray"]
)
def test_names_as_people_write_them(typed):
    assert check(nom_naissance=typed).birth_name == typed


@pytest.mark.parametrize("typed", ["Moreau2", "Moreau.", "-Moreau", "Moreau @", "_"])
def test_names_with_other_characters_are_refused(typed):
    assert errors_of(nom_naissance=typed) == {"nom_naissance": entry.BAD_NAME}
    assert errors_of(nom_usage=typed) == {"nom_usage": entry.BAD_NAME}


def test_every_prenom_is_kept_in_order():
    assert check(prenoms="Marie-Josée  Anne ,Louise").first_names == "Marie-Josée Anne Louise"
    assert errors_of(prenoms="Sophie 2") == {"prenoms": entry.BAD_FIRST_NAMES}


def test_too_long_names():
    assert errors_of(nom_naissance="a" * 81) == {"nom_naissance": entry.NAME_TOO_LONG}
    assert errors_of(prenoms="a" * 121) == {"prenoms": entry.FIRST_NAMES_TOO_LONG}
    assert errors_of(departement="", pays="a" * 61) == {"pays": entry.PLACE_TOO_LONG}
    assert errors_of(commune="a" * 61) == {"commune": entry.PLACE_TOO_LONG}


def test_every_missing_part_is_named_at_once():
    empty = {name: "" for name in SOPHIE}
    assert errors_of(**empty) == {
        "nom_naissance": entry.MISSING_BIRTH_NAME,
        "prenoms": entry.MISSING_FIRST_NAMES,
        "naissance": birthdates.MISSING,
        "commune": entry.MISSING_COMMUNE,
        "departement": entry.MISSING_PLACE,
    }


@pytest.mark.parametrize(
    ("jour", "mois", "annee", "message"),
    [
        ("31", "2", "1984", birthdates.IMPOSSIBLE),
        ("12", "", "1984", birthdates.MISSING),
        ("12", "mai", "1984", birthdates.NOT_NUMBERS),
        ("12", "5", "84", birthdates.YEAR_DIGITS),
        ("15", "9", "2026", entry.FUTURE),
        ("14", "9", "2011", entry.TOO_YOUNG),
        ("13", "9", "1915", entry.TOO_OLD),
    ],
)
def test_a_date_of_birth_that_is_wrong_or_not_plausible(jour, mois, annee, message):
    assert errors_of(jour=jour, mois=mois, annee=annee) == {"naissance": message}


def test_the_age_limits_are_reached_on_the_birthday():
    assert check(jour="14", mois="9", annee=str(2026 - entry.MIN_AGE)).birth_date.year == 2010
    assert check(jour="14", mois="9", annee=str(2026 - entry.MAX_AGE)).birth_date.year == 1916
    assert errors_of(jour="15", mois="9", annee="2010") == {"naissance": entry.TOO_YOUNG}


def test_unreadable_characters_in_a_commune():
    assert errors_of(commune="Lyon\x00") == {"commune": entry.BAD_PLACE}
