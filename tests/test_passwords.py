"""Password rules (journeys §2.4) and argon2 hashes."""

import pytest

from rules.passwords import (
    MISMATCH,
    PASSWORD_RULES,
    hash_password,
    unmet_rules,
    verify_password,
)

SOPHIE = ["Sophie", "Lefèvre-D'Almeida"]
IDENTIFIANT = "s.lefevredalmeida1"
GOOD = "Vacances-Ete2026!"


def test_the_rules_shown_live():
    assert PASSWORD_RULES == [
        ("length", "12 caractères minimum"),
        ("upper", "1 lettre majuscule minimum"),
        ("lower", "1 lettre minuscule minimum"),
        ("digit", "1 chiffre minimum"),
        ("special", "1 caractère spécial minimum"),
        ("personal", "ne contient ni votre identifiant ni votre nom"),
    ]
    assert MISMATCH == "Les deux mots de passe ne sont pas identiques."


def test_a_good_password_meets_every_rule():
    assert unmet_rules(GOOD, IDENTIFIANT, SOPHIE) == []


@pytest.mark.parametrize(
    "password, unmet",
    [
        ("Vacance-E26!", []),  # 12 characters
        ("Vacanc-E26!", ["length"]),  # 11
        ("vacances-ete2026!", ["upper"]),
        ("VACANCES-ETE2026!", ["lower"]),
        ("Vacances-Ete-deux!", ["digit"]),
        ("VacancesEte2026", ["special"]),
        ("Vacances Ete 2026", ["special"]),  # a space is allowed, but is not a special character
        ("Sophie-2026-Ete", ["personal"]),
        ("", ["length", "upper", "lower", "digit", "special"]),
        ("sophie", ["length", "upper", "digit", "special", "personal"]),
    ],
)
def test_each_rule(password, unmet):
    assert unmet_rules(password, IDENTIFIANT, SOPHIE) == unmet


def test_accented_letters_count_as_letters_and_length_counts_what_is_seen():
    assert unmet_rules("été-2026-hiver!", None, []) == ["upper"]
    assert unmet_rules("ÉTÉ-2026-HIVER!", None, []) == ["lower"]
    # "é" typed as "e" + combining accent: 11 characters seen, 12 code points.
    assert unmet_rules("Vacanc-E2\u0065\u0301!", None, []) == ["length"]


@pytest.mark.parametrize(
    "password",
    [
        "SOPHIE-vacances-2026!",
        "Sophié-vacances-2026!",
        "So-phie-vacances-2026!",
        "Vacances-LEFEVRE-2026!",
        "Vacances-Lefevre-D'Almeida-26!",
        "Vacances-lefèvredalmeida-26!",
        "Vacances-almeida-2026!",
        "Vacances-s.lefevredalmeida1!",
        "Vacances-S.LEFEVREDALMEIDA7!",  # another number: still the identifiant
    ],
)
def test_the_password_must_not_contain_the_identifiant_or_the_name(password):
    assert unmet_rules(password, IDENTIFIANT, SOPHIE) == ["personal"]


def test_names_shorter_than_three_letters_are_ignored():
    # "Li" and the "D" of "D'Almeida" are inside too many words.
    assert unmet_rules("Lili-Vacances-2026!", None, ["Li", "Da"]) == []
    assert unmet_rules("Dauphin-Vacances-2026!", None, ["D'Almeida"]) == []
    assert unmet_rules("Lili-Vacances-2026!", None, ["Lil"]) == ["personal"]
    assert unmet_rules("Lili-Vacances-2026!", None, ["Li"], min_name_length=2) == ["personal"]


def test_without_an_identifiant_only_names_are_checked():
    assert unmet_rules(GOOD, None, []) == []
    assert unmet_rules("Vacances-Ete2026!", "", ["", "Ete"]) == ["personal"]


def test_the_minimum_length_is_a_parameter():
    assert unmet_rules(GOOD, None, [], min_length=20) == ["length"]


def test_a_hash_verifies_its_password_only():
    hashed = hash_password(GOOD)
    assert hashed.startswith("$argon2id$")
    assert GOOD not in hashed
    assert verify_password(hashed, GOOD)
    assert not verify_password(hashed, GOOD + "x")
    assert not verify_password(hashed, "")
    assert hash_password(GOOD) != hashed  # salted


@pytest.mark.parametrize("hashed", [None, "", "pas un hash", "$argon2id$v=19$m=65536,t=3,p=4$abc"])
def test_a_missing_or_damaged_hash_is_a_mismatch_not_an_error(hashed):
    assert verify_password(hashed, GOOD) is False
