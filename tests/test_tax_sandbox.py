import csv
import json
from datetime import date

import pytest
from stdnum.fr import nif

from outside.tax import (
    AvisImposition,
    SandboxTaxData,
    TaxData,
    TaxUnavailable,
    TaxUnknown,
)
from rules.names import normalize_name
from rules.tax_numbers import check_numero_fiscal, check_reference_avis
from settings import ROOT

HOUSEHOLDS = ROOT / "data" / "sandbox" / "households.json"
UNKNOWN = "1234567890066"
UNAVAILABLE = "3999999999331"

# (family, numéro fiscal, référence, année des impôts, RFR, personnes à charge, situation)
NOTICES = [
    ("LEFÈVRE-D'ALMEIDA", "1084051269028", "2569L01A08800", 2025, 58400, 2, "Marié(e)s"),
    ("LEFÈVRE-D'ALMEIDA", "1084051269028", "2669L01B20700", 2026, 60100, 2, "Marié(e)s"),
    ("BENALI", "2080012799074", "2569B02A21701", 2025, 3100, 1, "Célibataire"),
    ("BENALI", "2080012799074", "2669B02B23101", 2026, 3300, 1, "Célibataire"),
    ("N'DIAYE", "1079111569165", "2569N03A07802", 2025, 15400, 1, "Divorcé(e)"),
    ("N'DIAYE", "1079111569165", "2669N03B11302", 2026, 15900, 1, "Divorcé(e)"),
    ("DA SILVA", "2078063069320", "2569D04A78403", 2025, 11200, 2, "Divorcé(e)"),
    ("DA SILVA", "2078063069320", "2669D04B82603", 2026, 11800, 2, "Divorcé(e)"),
    ("ROUSSEAU", "3075020869186", "2569R05A13404", 2025, 16200, 1, "Célibataire"),
    ("ROUSSEAU", "3075020869186", "2669R05B34404", 2026, 19200, 1, "Célibataire"),
    ("CÉLESTE", "1086042197100", "2597J06A49005", 2025, 7000, 2, "Célibataire"),
    ("CÉLESTE", "1086042197100", "2697J06B51105", 2026, 7300, 2, "Célibataire"),
    ("CÉLESTE", "2083100297110", "2597K07A31506", 2025, 4500, 0, "Célibataire"),
    ("CÉLESTE", "2083100297110", "2697K07B33606", 2026, 4800, 0, "Célibataire"),
    ("SAINT-CYR", "3088071997374", "2597S08A16807", 2025, 2400, 1, "Célibataire"),
    ("SAINT-CYR", "3088071997374", "2697S08B36407", 2026, 5200, 1, "Célibataire"),
    ("HORTH", "0981030597022", "2597H09A62308", 2025, 8900, 1, "Veuf(ve)"),
    ("HORTH", "0981030597022", "2697H09B65808", 2026, 9400, 1, "Veuf(ve)"),
]

# Ceilings of bourse-college.md (échelons 3, 2, 1) for 1 and 2 children, by notice year: enough
# to check that the households spread over every échelon, independently of the scale's code.
CEILINGS = {
    2025: {1: (3458, 9800, 18130), 2: (4256, 12062, 22313)},
    2026: {1: (3526, 9993, 18488), 2: (4340, 12301, 22754)},
}


def echelon(year, rfr, children):
    for level, ceiling in zip((3, 2, 1), CEILINGS[year][children], strict=True):
        if rfr <= ceiling:
            return level
    return 0


@pytest.fixture
def sandbox():
    return SandboxTaxData(HOUSEHOLDS)


@pytest.mark.parametrize(
    ("nom", "numero", "reference", "annee", "rfr", "charges", "situation"), NOTICES
)
def test_each_demo_notice_is_found_with_its_fields(
    sandbox, nom, numero, reference, annee, rfr, charges, situation
):
    avis = sandbox.lookup(numero, reference)
    assert isinstance(avis, AvisImposition)
    assert avis.declarant1.nom == nom
    assert avis.annee_impots == annee
    assert avis.annee_revenus == annee - 1
    assert avis.revenu_fiscal_reference == rfr
    assert avis.nombre_personnes_charge == charges
    assert avis.situation_famille == situation
    assert avis.date_etablissement.year == annee
    assert avis.date_recouvrement == date(annee, 7, 31)
    assert avis.foyer_fiscal.annee == annee
    assert avis.erreur_correctif == avis.situation_partielle == ""


def test_a_married_couple_has_one_notice_found_by_either_numero(sandbox):
    by_sophie = sandbox.lookup("1084051269028", "2569L01A08800")
    by_julien = sandbox.lookup("1082090375352", "2569L01A08800")
    assert by_sophie == by_julien
    assert by_sophie.declarant1.prenoms == "SOPHIE MARIE"
    assert by_sophie.declarant1.nom_naissance == "MOREAU"
    assert by_sophie.declarant1.date_naissance == date(1984, 5, 12)
    assert by_sophie.declarant2.prenoms == "JULIEN PIERRE ANDRÉ"
    assert by_sophie.nombre_parts == 3.0
    assert by_sophie.montant_impot == 2890


def test_an_unmarried_couple_has_two_households(sandbox):
    josiane = sandbox.lookup("1086042197100", "2597J06A49005")
    rudy = sandbox.lookup("2083100297110", "2597K07A31506")
    assert josiane.declarant2 is None and rudy.declarant2 is None
    assert josiane.declarant1.nom_naissance == "JEAN-BAPTISTE"
    assert rudy.declarant1.prenoms == "RUDY"
    # One notice's référence with the other partner's numéro is no notice.
    with pytest.raises(TaxUnknown):
        sandbox.lookup("2083100297110", "2597J06A49005")
    # Their RFRs added, with Kévin and Maëlys: échelon 2 both years.
    assert echelon(2025, josiane.revenu_fiscal_reference + rudy.revenu_fiscal_reference, 2) == 2


def test_the_households_spread_over_every_echelon_both_years():
    single = [n for n in NOTICES if n[1] not in ("1086042197100", "2083100297110")]
    for year in (2025, 2026):
        levels = {echelon(year, rfr, kids) for _, _, _, y, rfr, kids, _ in single if y == year}
        assert levels == {0, 1, 2, 3}, year
    assert echelon(2025, 3100, 1) == 3  # Benali
    assert echelon(2025, 11200, 2) == 2  # Da Silva, 2 children
    assert echelon(2025, 15400, 1) == 1  # N'Diaye
    assert echelon(2025, 58400, 2) == 0  # Lefèvre-D'Almeida


def test_every_responsable_of_the_demo_roster_has_notices(sandbox):
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    declarants = set()
    for household in data["households"]:
        avis = AvisImposition.from_api(household["avis"])
        for declarant in (avis.declarant1, avis.declarant2):
            if declarant:
                for prenom in declarant.prenoms.split():
                    declarants.add((normalize_name(declarant.nom), normalize_name(prenom)))
    with (ROOT / "data" / "demo" / "roster.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file, delimiter=";"):
            key = (normalize_name(row["resp_nom"]), normalize_name(row["resp_prenom"]))
            assert key in declarants, key


def test_every_numero_and_reference_of_the_file_passes_the_form_checks():
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    numeros = [n for h in data["households"] for n in h["numerosFiscaux"]]
    numeros += data["unknown"] + data["unavailable"]
    for numero in numeros:
        assert nif.is_valid(numero) and check_numero_fiscal(numero) == numero
    references = [h["referenceAvis"] for h in data["households"]]
    assert len(set(references)) == len(references)
    for reference in references:
        assert check_reference_avis(reference) == reference


def test_the_unknown_numero_answers_unknown(sandbox):
    with pytest.raises(TaxUnknown):
        sandbox.lookup(UNKNOWN, "2569B02A21701")


def test_a_known_numero_with_a_wrong_reference_answers_unknown(sandbox):
    with pytest.raises(TaxUnknown):
        sandbox.lookup("2080012799074", "2569B02A21702")
    with pytest.raises(TaxUnknown):
        sandbox.lookup("2080012799074", "2569N03A07802")  # N'Diaye's reference


def test_the_unavailable_numero_answers_unavailable(sandbox):
    with pytest.raises(TaxUnavailable):
        sandbox.lookup(UNAVAILABLE, "2569B02A21701")


def test_the_comment_documents_the_unknown_and_unavailable_numeros():
    comment = " ".join(json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))["_comment"])
    assert UNKNOWN in comment and UNAVAILABLE in comment


def test_a_missing_or_broken_file_answers_unavailable(tmp_path):
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(tmp_path / "absent.json").lookup(UNKNOWN, "2569B02A21701")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(TaxUnavailable):
        SandboxTaxData(broken).lookup(UNKNOWN, "2569B02A21701")


def test_the_app_uses_the_default_file(app):
    tax = app.extensions["tax"]
    assert isinstance(tax, SandboxTaxData)
    assert tax.path == HOUSEHOLDS
    assert tax.lookup("2080012799074", "2569B02A21701").revenu_fiscal_reference == 3100


def test_the_setting_points_at_another_file(make_app, tmp_path):
    data = json.loads(HOUSEHOLDS.read_text(encoding="utf-8"))
    data["households"] = data["households"][:1]
    data["households"][0]["avis"]["revenuFiscalReference"] = 1234
    path = tmp_path / "foyers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    tax = make_app(TAX_SANDBOX_DATA=str(path)).extensions["tax"]
    assert tax.lookup("1084051269028", "2569L01A08800").revenu_fiscal_reference == 1234
    with pytest.raises(TaxUnknown):
        tax.lookup("2080012799074", "2569B02A21701")


def test_the_setting_is_read_from_the_environment(monkeypatch, make_app, tmp_path):
    path = tmp_path / "env.json"
    monkeypatch.setenv("FLASK_TAX_SANDBOX_DATA", str(path))
    assert make_app().extensions["tax"].path == path


# The API's answer, as API Particulier documents it (one declarant, second one empty).
API_ANSWER = {
    "declarant1": {
        "nom": "BENALI",
        "nomNaissance": "BENALI",
        "prenoms": "KARIM",
        "dateNaissance": "27/01/1980",
    },
    "declarant2": {"nom": "", "nomNaissance": "", "prenoms": "", "dateNaissance": ""},
    "foyerFiscal": {"adresse": "14 RUE PASTEUR 69007 LYON", "annee": 2025},
    "dateRecouvrement": "31/07/2025",
    "dateEtablissement": "07/07/2025",
    "nombreParts": 2,
    "situationFamille": "Célibataire",
    "nombrePersonnesCharge": 1,
    "revenuBrutGlobal": 3224,
    "revenuImposable": 3100,
    "impotRevenuNetAvantCorrections": None,
    "montantImpot": None,
    "revenuFiscalReference": 3100,
    "anneeImpots": "2025",
    "anneeRevenus": "2024",
    "erreurCorrectif": "",
    "situationPartielle": "",
}


class FakeApiParticulier:
    """What a real connector looks like: it gets the API's JSON and reads it with from_api."""

    def __init__(self, answers):
        self.answers = answers

    def lookup(self, numero_fiscal: str, reference_avis: str) -> AvisImposition:
        answer = self.answers.get((numero_fiscal, reference_avis))
        if answer is None:
            raise TaxUnknown("404")
        if answer == "timeout":
            raise TaxUnavailable("timeout")
        return AvisImposition.from_api(answer)

    def find_by_civil_status(self, applicant, partner, annee_impots) -> list[AvisImposition]:
        # The DGFiP finds the person itself (see TaxData); no one is known in these tests.
        raise TaxUnknown("404")


def test_a_real_connector_satisfies_the_same_interface(sandbox):
    connector = FakeApiParticulier({("2080012799074", "2569B02A21701"): API_ANSWER})
    assert isinstance(connector, TaxData)
    assert isinstance(sandbox, TaxData)
    assert connector.lookup("2080012799074", "2569B02A21701") == sandbox.lookup(
        "2080012799074", "2569B02A21701"
    )


def test_from_api_reads_the_camel_case_answer():
    avis = AvisImposition.from_api(API_ANSWER)
    assert avis.declarant1.date_naissance == date(1980, 1, 27)
    assert avis.declarant2 is None
    assert avis.date_etablissement == date(2025, 7, 7)
    assert avis.nombre_parts == 2.0
    assert avis.revenu_brut_global == 3224
    assert avis.revenu_imposable == 3100
    assert avis.montant_impot is None and avis.impot_revenu_net_avant_corrections is None
    assert (avis.annee_impots, avis.annee_revenus) == (2025, 2024)


def test_from_api_and_to_api_round_trip():
    avis = AvisImposition.from_api(API_ANSWER)
    assert AvisImposition.from_api(avis.to_api()) == avis
    assert avis.to_api()["revenuFiscalReference"] == 3100
    assert json.loads(json.dumps(avis.to_api())) == avis.to_api()


def test_from_api_tolerates_a_dash_for_no_recovery_date():
    avis = AvisImposition.from_api({**API_ANSWER, "dateRecouvrement": "-"})
    assert avis.date_recouvrement is None


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {**API_ANSWER, "declarant1": {"nom": "", "prenoms": ""}},
        {**API_ANSWER, "revenuFiscalReference": "beaucoup"},
        {**API_ANSWER, "dateEtablissement": "hier"},
        {**API_ANSWER, "anneeImpots": None},
    ],
)
def test_a_malformed_answer_is_unavailable_not_a_crash(broken):
    with pytest.raises(TaxUnavailable):
        AvisImposition.from_api(broken)
