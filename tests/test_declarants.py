"""Is the responsable making a scholarship request one of the declarants of the tax notice they
gave (issue 13, item 7)? Names compared as §2.1 compares them; a usage or birth name, and any of
the declarant's prénoms, count."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rules.declarants import among_declarants, is_declarant


@dataclass(frozen=True)
class Declarant:
    nom: str
    nom_naissance: str
    prenoms: str


SOPHIE = Declarant("LEFÈVRE-D'ALMEIDA", "MOREAU", "SOPHIE MARIE")
JULIEN = Declarant("LEFÈVRE-D'ALMEIDA", "LEFÈVRE-D'ALMEIDA", "JULIEN PIERRE ANDRÉ")
KARIM = Declarant("BENALI", "BENALI", "KARIM")
JOSIANE = Declarant("CÉLESTE", "JEAN-BAPTISTE", "JOSIANE ÉLIANE")
NADEGE = Declarant("SAINT-CYR", "SAINT-CYR", "MARIE NADÈGE")
MARIE_JOSEE = Declarant("HORTH", "HORTH", "MARIE-JOSÉE LUCIENNE")


@pytest.mark.parametrize(
    ("nom", "prenom", "declarant"),
    [
        # The demo families, as the roster spells them, on their own notices.
        ("Lefèvre-D'Almeida", "Sophie", SOPHIE),
        ("Lefèvre-D'Almeida", "Julien", JULIEN),
        ("Benali", "Karim", KARIM),
        ("Céleste", "Josiane", JOSIANE),
        ("Saint-Cyr", "Nadège", NADEGE),  # her usual prénom is her second
        ("Horth", "Marie-Josée", MARIE_JOSEE),
        # Accents, case, spaces, hyphens and apostrophes never tell two people apart.
        ("lefevre dalmeida", "sophie", SOPHIE),
        ("SAINT CYR", "NADEGE", NADEGE),
        # The birth name, or both names as a double usage name, in either order.
        ("Moreau", "Sophie", SOPHIE),
        ("Jean-Baptiste", "Josiane", JOSIANE),
        ("Céleste-Jean-Baptiste", "Josiane", JOSIANE),
        ("Jean-Baptiste Céleste", "Josiane", JOSIANE),
        # Several prénoms in a row, joined or not (FranceConnect gives them all).
        ("Lefèvre-D'Almeida", "Sophie Marie", SOPHIE),
        ("Lefèvre-D'Almeida", "Pierre-André", JULIEN),
        ("Lefèvre-D'Almeida", "Julien Pierre André", JULIEN),
        # The account's first prénom is one of the notice's.
        ("Benali", "Karim Youssef", KARIM),
        ("Saint-Cyr", "Nadège Marie", NADEGE),
    ],
)
def test_the_same_person(nom, prenom, declarant):
    assert is_declarant(nom, prenom, declarant)


@pytest.mark.parametrize(
    ("nom", "prenom", "declarant"),
    [
        ("Lefèvre-D'Almeida", "Sophie", KARIM),  # another household
        ("Benali", "Inès", KARIM),  # the same name, another person
        ("Lefèvre-D'Almeida", "Hugo", SOPHIE),
        ("Martin", "Sophie", SOPHIE),  # the same prénom, another name
        ("Lefèvre", "Sophie", SOPHIE),  # a part of a name is not the name
        ("Horth", "Marie", MARIE_JOSEE),  # a part of a compound prénom is not the prénom
        ("Lefèvre-D'Almeida", "Julie", JULIEN),  # a prénom is whole: Julie is not Julien
        ("", "", KARIM),
        ("Benali", "", KARIM),
        ("", "Karim", KARIM),
    ],
)
def test_another_person(nom, prenom, declarant):
    assert not is_declarant(nom, prenom, declarant)


def test_empty_names_on_a_notice_match_nobody():
    assert not is_declarant("", "", Declarant("", "", ""))
    assert not is_declarant("Benali", "Karim", Declarant("BENALI", "", ""))


def test_among_the_declarants_of_the_notices():
    # A couple's notice: either spouse; an unmarried couple's two notices: either parent.
    assert among_declarants("Lefèvre-D'Almeida", "Julien", [SOPHIE, JULIEN])
    assert among_declarants("Céleste", "Josiane", [Declarant("CÉLESTE", "", "RUDY"), JOSIANE])
    assert not among_declarants("Lefèvre-D'Almeida", "Sophie", [KARIM, JOSIANE])
    assert not among_declarants("Benali", "Karim", [])


def test_a_name_from_one_declarant_and_a_prenom_from_the_other_is_nobody():
    husband = Declarant("DURAND", "DURAND", "PAUL")
    wife = Declarant("MARTIN", "MARTIN", "CLAIRE")
    assert not among_declarants("Durand", "Claire", [husband, wife])
