"""The tax data found by état civil (issue 14, item 2): the sandbox answers
`find_by_civil_status(applicant, partner, annee_impots)` from its households — the notices of
that tax year whose declarants are the applicant and the partner — with the identities its
_comment lists for the other tests."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from outside.tax import AvisImposition, SandboxTaxData, TaxData, TaxUnavailable, TaxUnknown
from rules.civil_status import CivilStatus, same_person
from settings import ROOT

HOUSEHOLDS = ROOT / "data" / "sandbox" / "households.json"

# As parents type them (the identities of households.json's _comment).
SOPHIE = CivilStatus("Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre")
JULIEN = CivilStatus("Lefèvre-D'Almeida", "Julien", date(1982, 9, 3), "Porto", "", "Portugal")
KARIM = CivilStatus("Benali", "Karim", date(1980, 1, 27), "Vénissieux", "69")
AMINATA = CivilStatus("N'Diaye", "Aminata", date(1979, 11, 15), "Dakar", "", "Sénégal")
FRANCOIS = CivilStatus("Da Silva", "François José", date(1978, 6, 30), "St Etienne", "42")
JOSIANE = CivilStatus(
    "Jean-Baptiste", "Josiane", date(1986, 4, 21), "Fort-de-France", "972", "", "Céleste"
)
RUDY = CivilStatus("Céleste", "Rudy", date(1983, 10, 2), "Saint-Laurent-du-Maroni", "973")
MARIE_JOSEE = CivilStatus(
    "Horth", "MARIE JOSEE LUCIENNE", date(1981, 3, 5), "Rémire-Montjoly", "973"
)
NADEGE = CivilStatus("Saint-Cyr", "Marie Nadège", date(1988, 7, 19), "Cayenne", "973")
ERIC = CivilStatus("Rousseau", "Éric Jean", date(1975, 2, 8), "Villeurbanne", "69")


@pytest.fixture
def sandbox():
    return SandboxTaxData(HOUSEHOLDS)


def rfrs(notices: list[AvisImposition]) -> list[int | None]:
    return [avis.revenu_fiscal_reference for avis in notices]


@pytest.mark.parametrize(
    ("applicant", "annee", "rfr"),
    [
        (KARIM, 2025, 3100),
        (KARIM, 2026, 3300),
        (KARIM, 2027, 3400),
        (AMINATA, 2026, 15900),  # born abroad
        (FRANCOIS, 2027, 12000),  # « St Etienne » for SAINT-ÉTIENNE
        (MARIE_JOSEE, 2026, 9400),  # a composed prénom without its hyphen
        (SOPHIE, 2026, 60100),  # her birth name, on the couple's notice
        (JULIEN, 2027, 61800),  # born abroad, the second declarant
    ],
)
def test_a_declarant_alone_gets_the_notice_of_that_year(sandbox, applicant, annee, rfr):
    [avis] = sandbox.find_by_civil_status(applicant, None, annee)
    assert (avis.annee_impots, avis.revenu_fiscal_reference) == (annee, rfr)


@pytest.mark.parametrize(("applicant", "partner"), [(SOPHIE, JULIEN), (JULIEN, SOPHIE)])
def test_a_married_couple_gets_its_one_notice(sandbox, applicant, partner):
    [avis] = sandbox.find_by_civil_status(applicant, partner, 2026)
    assert avis == sandbox.lookup("1084051269028", "2669L01B20700")
    assert avis.situation_famille == "Marié(e)s"


def test_partners_not_married_get_their_two_notices_the_applicants_first(sandbox):
    josiane, rudy = sandbox.find_by_civil_status(JOSIANE, RUDY, 2027)
    assert josiane.declarant1.prenoms == "JOSIANE ÉLIANE" and josiane.nombre_personnes_charge == 2
    assert rudy.declarant1.prenoms == "RUDY" and rudy.nombre_personnes_charge == 0
    assert rfrs(sandbox.find_by_civil_status(RUDY, JOSIANE, 2026)) == [4800, 7300]


def test_an_etat_civil_absent_from_the_sandbox_is_unknown(sandbox):
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(ERIC, None, 2026)  # his notices have no état civil
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(replace(KARIM, birth_date=date(1980, 1, 28)), None, 2026)
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(replace(KARIM, birth_commune="Lyon"), None, 2026)


def test_a_partner_with_no_notice_is_unknown_even_when_the_applicant_has_one(sandbox):
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(KARIM, ERIC, 2026)
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(ERIC, KARIM, 2026)


@pytest.mark.parametrize(("applicant", "partner"), [(NADEGE, None), (KARIM, NADEGE)])
def test_the_down_etat_civil_answers_unavailable(sandbox, applicant, partner):
    with pytest.raises(TaxUnavailable):
        sandbox.find_by_civil_status(applicant, partner, 2026)


@pytest.mark.parametrize("annee", [2024, 2028])
def test_a_year_with_no_notice_is_unknown(sandbox, annee):
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(KARIM, None, annee)


def test_only_the_notices_of_that_year_count(tmp_path):
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    data["households"] = [
        household
        for household in data["households"]
        if household["famille"] == "Benali" and household["avis"]["anneeImpots"] != "2027"
    ]
    sandbox = SandboxTaxData(write(tmp_path, data))
    assert rfrs(sandbox.find_by_civil_status(KARIM, None, 2026)) == [3300]
    with pytest.raises(TaxUnknown):
        sandbox.find_by_civil_status(KARIM, None, 2027)


def test_a_missing_or_broken_file_answers_unavailable(tmp_path):
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(tmp_path / "absent.json").find_by_civil_status(KARIM, None, 2026)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(broken).find_by_civil_status(KARIM, None, 2026)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda etat_civil: etat_civil.update(dateNaissance="hier"),
        lambda etat_civil: etat_civil.update(dateNaissance=""),
        lambda etat_civil: etat_civil.pop("prenoms"),
        lambda etat_civil: etat_civil.clear(),
    ],
)
def test_a_malformed_etat_civil_answers_unavailable(tmp_path, spoil):
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    spoil(data["households"][0]["etatsCivils"][0])
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(write(tmp_path, data)).find_by_civil_status(KARIM, None, 2026)


@pytest.mark.parametrize("broken", [{"nope": 1}, "SAINT-CYR", 42, ["SAINT-CYR"]])
def test_a_malformed_list_answers_unavailable(tmp_path, broken):
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    data["households"][0]["etatsCivils"] = broken
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(write(tmp_path, data)).find_by_civil_status(KARIM, None, 2026)


def test_a_household_that_is_not_an_object_answers_unavailable(tmp_path):
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    data["households"].append("Benali")
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(write(tmp_path, data)).find_by_civil_status(KARIM, None, 2026)


def test_each_held_etat_civil_is_its_declarant_on_the_notice():
    """Names and date beside the notice are those the notice prints, declarant by declarant."""
    for household in json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))["households"]:
        avis = AvisImposition.from_api(household["avis"])
        declarants = [d for d in (avis.declarant1, avis.declarant2) if d]
        held_ones = household.get("etatsCivils")
        if held_ones is None:
            continue  # Rousseau: found by numéro fiscal only
        for held, declarant in zip(held_ones, declarants, strict=True):
            assert held["nomNaissance"] == declarant.nom_naissance
            assert held["nomUsage"] in ("", declarant.nom)
            assert held["nomUsage"] or declarant.nom == declarant.nom_naissance
            assert held["prenoms"] == declarant.prenoms
            assert held["dateNaissance"] == declarant.date_naissance.strftime("%d/%m/%Y")


def test_every_matching_family_has_its_notices_of_2026_and_2027(sandbox):
    for applicant, partner in [
        (SOPHIE, JULIEN),
        (KARIM, None),
        (AMINATA, None),
        (FRANCOIS, None),
        (JOSIANE, RUDY),
        (MARIE_JOSEE, None),
    ]:
        for annee in (2026, 2027):
            notices = sandbox.find_by_civil_status(applicant, partner, annee)
            assert {avis.annee_impots for avis in notices} == {annee}


def test_the_down_etat_civil_is_a_demo_declarant_and_the_comment_says_so():
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    [down] = data["unavailableCivilStatuses"]
    assert down["nomNaissance"] == "SAINT-CYR"
    comment = " ".join(data["_comment"])
    for said in ("Saint-Cyr", "Rousseau", "Porto", "Dakar", "Saint-Étienne", "Marie-Josée"):
        assert said in comment


def test_the_app_sandbox_and_a_real_connector_share_the_interface(app):
    tax = app.extensions["tax"]
    assert isinstance(tax, TaxData)
    assert rfrs(tax.find_by_civil_status(KARIM, None, 2026)) == [3300]


def test_the_matching_is_the_rule_of_rules_civil_status(sandbox):
    """The sandbox finds a declarant exactly when rules.civil_status says it is them."""
    held = CivilStatus("BENALI", "KARIM", date(1980, 1, 27), "VÉNISSIEUX", "69")
    for typed in (KARIM, replace(KARIM, first_names="Karim Ali"), replace(KARIM, usage_name="X")):
        assert same_person(typed, held)
        assert sandbox.find_by_civil_status(typed, None, 2026)


def write(tmp_path, data) -> str:
    path = tmp_path / "foyers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)
