"""Identifiants (journeys §0): initial + "." + family name, ASCII, cut at 20, then a number."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.identifiers import MAX_BASE_LENGTH, NO_NAME, base_identifier, first_free


@pytest.mark.parametrize(
    "prenom, nom, base",
    [
        ("Sophie", "Lefèvre-D'Almeida", "s.lefevredalmeida"),
        ("Éric", "Rousseau", "e.rousseau"),
        ("François", "Da Silva", "f.dasilva"),
        ("Aminata", "N'Diaye", "a.ndiaye"),
        ("Marie-Josée", "Horth", "m.horth"),
        ("Nadège", "Saint-Cyr", "n.saint" + "cyr"),
        ("Zoé", "Lœuillet", "z.loeuillet"),
        ("Ægir", "Strauß", "a.strauss"),
        ("Inès", "BENALI", "i.benali"),
        ("  Karim ", " Benali  ", "k.benali"),
        ("Anaïs", "O\u2019Connor", "a.oconnor"),
        ("Jean", "Dupont 2", "j.dupont"),
    ],
)
def test_base_identifier(prenom, nom, base):
    assert base_identifier(prenom, nom) == base


def test_the_base_is_cut_at_twenty_characters():
    assert base_identifier("Jean", "Abcdefghijklmnopqrstuvwxyz") == "j.abcdefghijklmnopqr"
    assert len(base_identifier("Jean", "Abcdefghijklmnopqrstuvwxyz")) == 20
    assert base_identifier("Maëlys", "De La Tour-D'Auvergne-Lauraguais") == "m.delatourdauvergnel"
    assert base_identifier("Jean", "Abcdefghijklmnopqrstuvwxyz", max_length=8) == "j.abcdef"


@pytest.mark.parametrize(
    "prenom, nom, base",
    [
        ("伟", "Wang", "w.wang"),
        ("Иван", "Durand", "i.durand"),
        ("Γιώργος", "Παππάς", "g.pappas"),
        ("민준", "김", "m.gim"),
        ("Nguyễn", "Thị Minh", "n.thiminh"),
    ],
)
def test_other_scripts_are_transliterated(prenom, nom, base):
    assert base_identifier(prenom, nom) == base


def test_a_name_without_any_letter_leaves_its_part_out():
    assert base_identifier("-", "Durand") == "durand"
    assert base_identifier("\U0001f600", "Durand") == "durand"  # a symbol never spells a word
    assert base_identifier("Marc", "-") == "marc"
    assert base_identifier("?", "…") == NO_NAME


# What a parent can type on any keyboard: the initial and the dot, or one name alone.
BASE = re.compile(r"[a-z]+(\.[a-z]+)?")


@given(prenom=st.text(), nom=st.text())
def test_any_unicode_name_makes_a_typeable_identifiant(prenom, nom):
    base = base_identifier(prenom, nom)
    assert BASE.fullmatch(base) and len(base) <= MAX_BASE_LENGTH
    assert re.fullmatch(r"[a-z.]+[0-9]+", first_free(base, set()))


def test_first_free_is_the_smallest_number_from_one():
    assert first_free("m.durand", set()) == "m.durand1"
    assert first_free("m.durand", {"m.durand1"}) == "m.durand2"
    assert first_free("m.durand", {"m.durand1", "m.durand2", "m.durand4"}) == "m.durand3"
    assert first_free("m.durand", {"m.durand2", "m.durand"}) == "m.durand1"
    assert first_free("m.durand", {"m.dupont1", "m.durand1"}) == "m.durand2"


def test_the_number_comes_after_the_cut():
    base = base_identifier("Jean", "Abcdefghijklmnopqrstuvwxyz")
    assert first_free(base, {f"{base}1"}) == "j.abcdefghijklmnopqr2"
