"""Is the état civil a parent typed the one the tax administration holds for a declarant
(issue 14, item 2)? Names, prénoms and communes compared as §2.1 compares names; the first prénom,
the date and the place of birth must agree."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.civil_status import CivilStatus, same_birthplace, same_first_name, same_person

# As the tax administration holds them (the sandbox's households).
SOPHIE = CivilStatus(
    "MOREAU", "SOPHIE MARIE", date(1984, 5, 12), "LYON", "69", "", "LEFÈVRE-D'ALMEIDA"
)
JULIEN = CivilStatus(
    "LEFÈVRE-D'ALMEIDA", "JULIEN PIERRE ANDRÉ", date(1982, 9, 3), "PORTO", "", "PORTUGAL"
)
AMINATA = CivilStatus("N'DIAYE", "AMINATA AWA", date(1979, 11, 15), "DAKAR", "", "SÉNÉGAL")
FRANCOIS = CivilStatus("DA SILVA", "FRANÇOIS JOSÉ", date(1978, 6, 30), "SAINT-ÉTIENNE", "42")
JOSIANE = CivilStatus(
    "JEAN-BAPTISTE", "JOSIANE ÉLIANE", date(1986, 4, 21), "FORT-DE-FRANCE", "972", "", "CÉLESTE"
)
RUDY = CivilStatus("CÉLESTE", "RUDY", date(1983, 10, 2), "ST LAURENT DU MARONI", "973")
NADEGE = CivilStatus("SAINT-CYR", "MARIE NADÈGE", date(1988, 7, 19), "CAYENNE", "973")
MARIE_JOSEE = CivilStatus(
    "HORTH", "MARIE-JOSÉE LUCIENNE", date(1981, 3, 5), "RÉMIRE-MONTJOLY", "973"
)


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        # As a parent types it, with the usage name where there is one.
        (
            CivilStatus("Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre"),
            SOPHIE,
        ),
        # The usage name alone stands for the nom (the birth name given as the usage name).
        (
            CivilStatus("Lefèvre-D'Almeida", "Sophie", date(1984, 5, 12), "Lyon", "69"),
            SOPHIE,
        ),
        # Accents, case, hyphens, apostrophes and spaces never tell two people apart.
        (CivilStatus("lefevre dalmeida", "julien", date(1982, 9, 3), "", "", "portugal"), JULIEN),
        (CivilStatus("N’Diaye", "Aminata", date(1979, 11, 15), "Dakar", "", "Senegal"), AMINATA),
        (
            CivilStatus("Jean Baptiste", "Josiane", date(1986, 4, 21), "Fort de France", "972"),
            JOSIANE,
        ),
        # « ST » is « Saint », either way round.
        (CivilStatus("Da Silva", "François", date(1978, 6, 30), "St Etienne", "42"), FRANCOIS),
        (CivilStatus("Céleste", "Rudy", date(1983, 10, 2), "Saint-Laurent-du-Maroni", "973"), RUDY),
        # A composed prénom with or without its hyphen, alone or with the others.
        (
            CivilStatus("Horth", "Marie-Josée", date(1981, 3, 5), "Rémire-Montjoly", "973"),
            MARIE_JOSEE,
        ),
        (
            CivilStatus(
                "HORTH", "MARIE JOSEE LUCIENNE", date(1981, 3, 5), "REMIRE MONTJOLY", "973"
            ),
            MARIE_JOSEE,
        ),
        # The first prénom is enough.
        (CivilStatus("Saint-Cyr", "Marie", date(1988, 7, 19), "Cayenne", "973"), NADEGE),
    ],
)
def test_the_same_person_typed_as_parents_type(typed, held):
    assert same_person(typed, held)


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        # Another date, another commune, another département, another country.
        (replace(MARIE_JOSEE, birth_date=date(1981, 3, 6)), MARIE_JOSEE),
        (replace(MARIE_JOSEE, birth_commune="Cayenne"), MARIE_JOSEE),
        (replace(FRANCOIS, birth_departement="43"), FRANCOIS),
        (replace(AMINATA, birth_country="Mali"), AMINATA),
        # Born abroad is not born in France, even in a commune of the same name.
        (replace(SOPHIE, birth_departement="", birth_country="Belgique"), SOPHIE),
        (replace(JULIEN, birth_departement="69", birth_country=""), JULIEN),
        # Another name: neither the birth name nor the usage name is on the notice.
        (replace(SOPHIE, birth_name="Martin", usage_name="Dupont"), SOPHIE),
        # The first prénom must be the notice's: her usual second prénom is not enough, nor
        # the first half of a composed one.
        (replace(NADEGE, first_names="Nadège"), NADEGE),
        (replace(MARIE_JOSEE, first_names="Marie"), MARIE_JOSEE),
        (replace(JULIEN, first_names="Pierre Julien"), JULIEN),
    ],
)
def test_near_misses_are_another_person(typed, held):
    assert not same_person(typed, held)


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        ("Marie-Josée", "MARIE-JOSÉE LUCIENNE"),
        ("Marie Josée", "MARIE-JOSÉE LUCIENNE"),
        ("Marie-Josée", "MARIE JOSÉE LUCIENNE"),
        ("marie josee lucienne", "MARIE-JOSÉE LUCIENNE"),
        ("Marie, Nadège", "MARIE NADÈGE"),
        ("Jean-Pierre", "JEAN PIERRE"),
        ("  Sophie  ", "SOPHIE MARIE"),
    ],
)
def test_several_prenoms_in_either_spacing(typed, held):
    assert same_first_name(typed, held)


@pytest.mark.parametrize(
    ("typed", "held"),
    [("Marie", "MARIE-JOSÉE"), ("Nadège", "MARIE NADÈGE"), ("", "SOPHIE"), ("Sophie", "")],
)
def test_another_first_prenom_does_not_match(typed, held):
    assert not same_first_name(typed, held)


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        (("Saint-Étienne", "42", ""), ("ST ETIENNE", "42", "")),
        (("Ste Marie", "974", ""), ("SAINTE-MARIE", "974", "")),
        (("Ajaccio", "2a", ""), ("AJACCIO", "2A", "")),
        (("Bourg-en-Bresse", "1", ""), ("BOURG EN BRESSE", "01", "")),
        # Born in France, whether or not the parent also wrote « France ».
        (("Lyon", "69", "France"), ("LYON", "69", "")),
        # Abroad, the country decides; a city is compared only when both give one.
        (("", "", "Portugal"), ("PORTO", "", "PORTUGAL")),
        (("Porto", "", "portugal"), ("", "", "PORTUGAL")),
    ],
)
def test_the_same_birthplace(typed, held):
    assert same_birthplace(_born(*typed), _born(*held))


@pytest.mark.parametrize(
    ("typed", "held"),
    [
        (("Saint-Étienne", "43", ""), ("SAINT-ÉTIENNE", "42", "")),
        (("Saint-Denis", "974", ""), ("SAINT-DENIS", "93", "")),
        (("Stains", "93", ""), ("SAINT-AINS", "93", "")),
        (("Lisbonne", "", "Portugal"), ("PORTO", "", "PORTUGAL")),
        (("Lyon", "", ""), ("LYON", "69", "")),
        (("", "", ""), ("", "", "")),
    ],
)
def test_another_birthplace(typed, held):
    assert not same_birthplace(_born(*typed), _born(*held))


@pytest.mark.parametrize(("country", "abroad"), [("", False), ("France", False), ("Sénégal", True)])
def test_born_abroad_is_a_country_other_than_france(country, abroad):
    assert _born("Dakar", "", country).born_abroad is abroad


def _born(commune: str, departement: str, country: str) -> CivilStatus:
    return CivilStatus("X", "Y", date(1980, 1, 1), commune, departement, country)


# Hypothesis: however a parent spells the very same état civil, it is the same person; with
# another date or another commune, never.

_LETTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöùûüçÿ")
_WORD = st.text(_LETTERS, min_size=2, max_size=8)


def _spell(word: str, upper: bool, plain: bool) -> str:
    if plain:
        decomposed = unicodedata.normalize("NFD", word)
        word = "".join(char for char in decomposed if not unicodedata.combining(char))
    return word.upper() if upper else word.capitalize()


@st.composite
def _spelling(draw, words: list[str]) -> str:
    """The same words, each with its own case and accents or none, joined by spaces, hyphens or
    apostrophes."""
    text = ""
    for index, word in enumerate(words):
        if index:
            text += draw(st.sampled_from([" ", "-", "'", "’", " - "]))
        text += _spell(word, draw(st.booleans()), draw(st.booleans()))
    return text


@st.composite
def _typed_and_held(draw, abroad: bool | None = None):
    nom = draw(st.lists(_WORD, min_size=1, max_size=3))
    composed = draw(st.lists(_WORD, min_size=1, max_size=2))  # « Marie-Josée » or « Karim »
    others = draw(st.lists(_WORD, max_size=2))
    commune = draw(st.lists(_WORD, min_size=1, max_size=3))
    abroad = draw(st.booleans()) if abroad is None else abroad
    country = draw(_WORD) if abroad else ""
    held = CivilStatus(
        birth_name=" ".join(nom).upper(),
        first_names=" ".join(["-".join(composed), *others]).upper(),
        birth_date=draw(st.dates(date(1940, 1, 1), date(2010, 12, 31))),
        birth_commune=" ".join(commune).upper(),
        birth_departement="" if abroad else draw(st.sampled_from(["01", "2A", "69", "973"])),
        birth_country=country.upper(),
    )
    # The composed prénom in any spelling, then none, some or all of the others, in order.
    given_others = others[: draw(st.integers(0, len(others)))]
    first_names = [draw(_spelling(composed))] + [draw(_spelling([w])) for w in given_others]
    typed = replace(
        held,
        birth_name=draw(_spelling(nom)),
        first_names=" ".join(first_names),
        birth_commune=draw(_spelling(commune)) if not abroad or draw(st.booleans()) else "",
        birth_departement=held.birth_departement.lower(),
        birth_country=draw(_spelling([country])) if abroad else "",
    )
    return typed, held


@given(_typed_and_held())
def test_any_spelling_of_the_same_etat_civil_is_the_same_person(pair):
    typed, held = pair
    assert same_person(typed, held)


@given(_typed_and_held(), st.integers(-3650, 3650).filter(bool))
def test_another_date_is_never_the_same_person(pair, days):
    typed, held = pair
    assert not same_person(replace(typed, birth_date=typed.birth_date + timedelta(days)), held)


@given(_typed_and_held(abroad=False), _WORD)
def test_another_commune_is_never_the_same_person(pair, word):
    typed, held = pair
    elsewhere = replace(held, birth_commune=f"{held.birth_commune} {word.upper()}")
    assert not same_person(typed, elsewhere)
