"""The school's automatic examination of the right to the scholarship (journeys §7 bis, issue 14):
its rules, its runs in the background (idempotent, two parents, notices sent once, the request
never made twice), its back-office page with counts, filters and CSV export, the command, and
every bad input. On the demo roster (the seed opens the Concorde's campaign) and the tax-data
sandbox's households found by état civil (data/sandbox/households.json)."""

from __future__ import annotations

import csv
import io
import json
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from documents.examination_notices import examination_email, examination_sms
from outside.tax import TaxUnavailable
from records import bourse_requests, consents, examinations
from records.accounts import account_of, children_of, create_account, find_responsables
from records.examinations import RunState
from records.teleservices import BOURSE, State, save_service
from rules import bourse, examination
from rules.civil_status import CivilStatus
from rules.clock import PARIS
from rules.examination import ELIGIBLE, NOT_ELIGIBLE, NOT_FOUND, UNAVAILABLE
from rules.phones import parse_mobile
from rules.sms_length import fits
from tests.fake_clock import FakeClock, install
from tests.htmx_client import HTMX, update_page_with_htmx
from tests.markup import elements, plain, redirects_to
from tests.staff import signed_in_staff, staff_session
from views import examination_run

CONCORDE, PALMISTES = "0691234A", "0973123Z"
PAGE = "/admin/bourses/examen"
BENALI = CivilStatus("Benali", "Karim", date(1980, 1, 27), "Vénissieux", "69")
NDIAYE = CivilStatus("N'Diaye", "Aminata Awa", date(1979, 11, 15), "Dakar", "", "Sénégal")
SOPHIE = CivilStatus(
    "Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre-D'Almeida"
)
ROUSSEAU = CivilStatus("Rousseau", "Éric Jean", date(1975, 2, 8), "Villeurbanne", "69")
JOSIANE = CivilStatus(
    "Jean-Baptiste", "Josiane Éliane", date(1986, 4, 21), "Fort-de-France", "972", "", "Céleste"
)
RUDY = CivilStatus("Céleste", "Rudy", date(1983, 10, 2), "Saint-Laurent-du-Maroni", "973")
PARENTS = {
    # child: (parent's first name, name, mobile, confirmed e-mail)
    "Inès": ("Karim", "Benali", "06 23 45 67 89", ""),
    "Moussa": ("Aminata", "N'Diaye", "06 98 76 54 32", "aminata.ndiaye@example.org"),
    "Léa": ("Sophie", "Lefèvre-D'Almeida", "06 12 34 56 78", "sophie@example.org"),
    "Chloé": ("Éric", "Rousseau", "07 68 12 34 56", "eric.rousseau@example.org"),
    "Kévin": ("Josiane", "Céleste", "0694 20 12 34", "josiane.celeste@example.org"),
}
REGIONS = {"Kévin": "GF"}


def consent(db, clock, child: str, applicant: CivilStatus, partner: CivilStatus | None = None):
    """`child`'s parent (an account, its e-mail confirmed) consents with these états civils."""
    prenom, nom, telephone, email = PARENTS[child]
    mobile = parse_mobile(telephone, REGIONS.get(child, "FR"))
    with db.writing() as tx:
        ids = [one["id"] for one in find_responsables(tx, mobile, nom, prenom)]
        account = account_of(tx, ids) or create_account(
            tx, ids, prenom, nom, mobile, None, "auto-inscription", clock.now()
        )
        if email:
            tx.update("comptes", account["id"], {"email": email, "email_confirmed": True})
        (pupil,) = [one for one in children_of(tx, ids) if one["prenom"] == child]
        consents.choose(tx, account, pupil, True, clock.now(), applicant=applicant, partner=partner)
    return account, pupil


def launch(client) -> None:
    """« Lancer l'examen automatique », then wait for its thread."""
    answer = client.post(PAGE)
    assert redirects_to(answer, PAGE), answer.status_code
    answer.close()
    examination_run.wait()


def results(db, uai: str = CONCORDE, school_year: str = "2026-2027") -> dict[str, dict]:
    with db.reading() as tx:
        return {row["pupil"]["prenom"]: row for row in examinations.of_school(tx, uai, school_year)}


def run_of(db, uai: str = CONCORDE) -> dict:
    with db.reading() as tx:
        return examinations.run_of(tx, uai, "2026-2027")


def requests(db, uai: str = CONCORDE) -> list[dict]:
    with db.reading() as tx:
        return bourse_requests.of_school(tx, uai, "2026-2027")


def mails(web) -> list[dict]:
    with web.extensions["store"].reading() as tx:
        return list(reversed(tx.latest("mail_outbox", 100)))


def sms(web) -> list[dict]:
    with web.extensions["store"].reading() as tx:
        return list(reversed(tx.latest("sms_outbox", 100)))


# The rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Avis:
    revenu_fiscal_reference: int | None
    nombre_personnes_charge: int


def test_one_notice_on_the_scale_of_the_year():
    outcome = examination.judged("2026-2027", [Avis(3300, 1)])
    assert (outcome.result, outcome.echelon, outcome.montant_annuel) == (ELIGIBLE, 3, 525)
    assert (outcome.montant_trimestriel, outcome.provisoire) == (175, True)


def test_partners_not_married_add_both_notices():
    outcome = examination.judged("2026-2027", [Avis(6000, 2), Avis(6100, 0)])
    assert (outcome.result, outcome.rfr, outcome.enfants, outcome.echelon) == (
        ELIGIBLE,
        12100,
        2,
        2,
    )


def test_above_the_ceiling_says_which():
    outcome = examination.judged("2026-2027", [Avis(18489, 1)])
    assert (outcome.result, outcome.rfr, outcome.ceiling, outcome.echelon) == (
        NOT_ELIGIBLE,
        18489,
        18488,
        0,
    )
    assert examination.judged("2026-2027", [Avis(18488, 1)]).result == ELIGIBLE


def test_a_notice_without_the_child_is_not_found_and_one_without_its_rfr_unavailable():
    assert examination.judged("2026-2027", [Avis(5000, 0)]).result == NOT_FOUND
    assert examination.judged("2026-2027", [Avis(None, 1)]).result == UNAVAILABLE


@pytest.mark.parametrize(
    ("previous", "same_household", "examined"),
    [
        (None, True, True),
        (UNAVAILABLE, True, True),
        (NOT_FOUND, True, False),
        (NOT_FOUND, False, True),
        (ELIGIBLE, False, False),
        (NOT_ELIGIBLE, False, False),
    ],
)
def test_who_is_examined_again(previous, same_household, examined):
    row = previous and {"result": previous, "consent": {"key": "k" if same_household else "x"}}
    assert examination.to_examine(row, "k") is examined


def test_a_corrected_civil_status_is_another_household():
    given = {"id": 1, "applicant": BENALI.to_record(), "partner": None}
    moved = {**given, "applicant": {**BENALI.to_record(), "birth_commune": "Lyon"}}
    assert examination.consent_key(given) == examination.consent_key(dict(given))
    assert examination.consent_key(given) != examination.consent_key(moved)


# A run ----------------------------------------------------------------------------------------


def test_the_run_examines_each_consenting_family(office, web, db, clock):
    consent(db, clock, "Inès", BENALI)
    consent(db, clock, "Moussa", NDIAYE)
    consent(db, clock, "Léa", SOPHIE)
    consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    found = results(db)
    assert {name: row["result"] for name, row in found.items()} == {
        "Inès": ELIGIBLE,
        "Moussa": ELIGIBLE,
        "Léa": NOT_ELIGIBLE,
        "Chloé": NOT_FOUND,
    }
    assert (found["Inès"]["echelon"], found["Inès"]["rfr"], found["Inès"]["montant_annuel"]) == (
        3,
        3300,
        525,
    )
    assert (found["Léa"]["rfr"], found["Léa"]["enfants"], found["Léa"]["ceiling"]) == (
        60100,
        2,
        22754,
    )
    assert found["Inès"]["consent"]["reason"] == "Accord donné par Karim Benali."
    run = run_of(db)
    assert (run["state"], run["total"], run["done"], run["by"]) == (
        RunState.DONE,
        4,
        4,
        "secretariat.concorde",
    )


def test_eligible_pupils_become_requests_under_study(office, web, db, clock):
    account, _ = consent(db, clock, "Moussa", NDIAYE)
    launch(office)
    (made,) = requests(db)
    assert made["number"] == results(db)["Moussa"]["request_number"]
    assert (made["state"], made["origin"], made["account_id"]) == (
        "en instruction",
        "examen automatique",
        account["id"],
    )
    assert made["contact"]["email"] == "aminata.ndiaye@example.org"
    assert made["contact"]["phone"] == "+33698765432"
    assert made["estimate"] == {
        "annee": "2026-2027",
        "echelon": 1,
        "montant_annuel": 120,
        "montant_trimestriel": 40,
        "provisoire": True,
    }
    assert (made["tax"]["rfr"], made["tax"]["annee_revenus"]) == (15900, 2025)
    assert made["bank"]["iban"] == ""
    assert mails(web) == [] and sms(web) == []  # an eligible family waits for the decision


def test_the_direction_grants_an_examination_request_and_the_family_is_told(
    office, head, web, db, clock
):
    consent(db, clock, "Moussa", NDIAYE)
    launch(office)
    (made,) = requests(db)
    page = head.get(f"/admin/bourses/{made['number']}").get_data(as_text=True)
    assert "examen automatique" in page
    assert "Coordonnées bancaires à demander à la famille" in plain(page)
    answer = head.post(
        f"/admin/bourses/{made['number']}/etat", data={"etat": "accordée", "echelon": "1"}
    )
    assert answer.status_code == 303
    (mail,) = mails(web)
    assert mail["to"] == "aminata.ndiaye@example.org"
    assert "accordée, à l'échelon 1" in mail["body"]
    listing = office.get("/admin/bourses").get_data(as_text=True)
    assert "examen automatique" in listing


def test_two_parents_not_married_are_one_household_of_two_notices(web, db, clock):
    staff = signed_in_staff(web, db, clock, "secretariat.palmistes", uai=PALMISTES)
    consent(db, clock, "Kévin", JOSIANE, RUDY)
    launch(staff)
    row = results(db, PALMISTES)["Kévin"]
    assert (row["result"], row["rfr"], row["enfants"], row["echelon"]) == (ELIGIBLE, 12100, 2, 2)
    (made,) = requests(db, PALMISTES)
    assert len(made["tax"]["notices"]) == 2


def test_families_not_found_or_not_eligible_are_told_once(office, web, db, clock):
    consent(db, clock, "Léa", SOPHIE)
    consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    by_address = {mail["to"]: mail for mail in mails(web)}
    not_found = by_address["eric.rousseau@example.org"]["body"]
    assert "Nous n'avons pas retrouvé votre avis d'imposition 2026" in not_found
    assert "avant le 15/10/2026" in not_found
    assert "/bourse/eleves/" in not_found
    not_eligible = by_address["sophie@example.org"]["body"]
    assert "dépasse le plafond de la bourse de collège 2026-2027 (22754 €)" in not_eligible
    assert "/simulateur-bourse" in not_eligible
    assert {one["to"] for one in sms(web)} == {"+33768123456", "+33612345678"}
    told = results(db)["Chloé"]["notices"]
    assert [(one["event"], one["channel"], one["sent"]) for one in told] == [
        (NOT_FOUND, "courriel", True),
        (NOT_FOUND, "sms", True),
    ]
    # The état civil corrected, but still unknown: examined again, not told again.
    clock.advance(minutes=5)
    consent(db, clock, "Chloé", CivilStatus("Rousseau", "Éric", date(1975, 2, 9), "Lyon", "69"))
    launch(office)
    assert run_of(db)["total"] == 1
    assert len(mails(web)) == 2 and len(sms(web)) == 2


def test_a_run_again_examines_nobody_twice(office, web, db, clock):
    consent(db, clock, "Inès", BENALI)
    consent(db, clock, "Léa", SOPHIE)
    launch(office)
    before = results(db)
    launch(office)
    assert run_of(db)["total"] == 0
    assert results(db) == before
    assert len(requests(db)) == 1
    assert len(mails(web)) == 1


def test_a_corrected_civil_status_is_examined_again(office, web, db, clock):
    consent(db, clock, "Inès", CivilStatus("Benali", "Karim", date(1980, 1, 28), "Lyon", "69"))
    launch(office)
    assert results(db)["Inès"]["result"] == NOT_FOUND
    consent(db, clock, "Inès", BENALI)
    launch(office)
    assert results(db)["Inès"]["result"] == ELIGIBLE
    assert len(requests(db)) == 1


class DownThenUp:
    """The tax data, down for the first run only."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def find_by_civil_status(self, *args):
        self.calls += 1
        if self.calls == 1:
            raise TaxUnavailable("test")
        return self.real.find_by_civil_status(*args)


def test_an_unavailable_service_is_tried_again(office, web, db, clock):
    web.extensions["tax"] = DownThenUp(web.extensions["tax"])
    consent(db, clock, "Inès", BENALI)
    launch(office)
    assert results(db)["Inès"]["result"] == UNAVAILABLE
    assert requests(db) == [] and mails(web) == [] and sms(web) == []
    page = plain(office.get(PAGE).get_data(as_text=True))
    assert "L'administration fiscale n'a pas répondu" in page
    launch(office)
    assert results(db)["Inès"]["result"] == ELIGIBLE


def test_the_request_is_never_made_twice(office, web, db, clock):
    """A family that applied online keeps its request: the examination points to it."""
    account, pupil = consent(db, clock, "Inès", BENALI)
    with db.writing() as tx:
        online, made = bourse_requests.from_examination(
            tx, account, pupil, "2026-2027", {}, {}, {}, clock.now()
        )
        again, made_again = bourse_requests.from_examination(
            tx, account, pupil, "2026-2027", {}, {}, {}, clock.now()
        )
    assert made and not made_again and again["number"] == online["number"]
    launch(office)
    assert [one["number"] for one in requests(db)] == [online["number"]]
    assert results(db)["Inès"]["request_number"] == online["number"]


def test_a_consent_withdrawn_meanwhile_is_not_examined(office, web, db, clock, monkeypatch):
    account, pupil = consent(db, clock, "Inès", BENALI)
    real = examination_run.lookup

    def withdrawn_during(chosen, annee):
        with db.writing() as tx:
            consents.withdraw(tx, account["id"], pupil["ine"], clock.now())
        return real(chosen, annee)

    monkeypatch.setattr(examination_run, "lookup", withdrawn_during)
    launch(office)
    assert results(db) == {} and requests(db) == []


def test_a_failing_run_is_said_and_can_start_again(office, web, db, clock, monkeypatch):
    consent(db, clock, "Inès", BENALI)

    def broken(*args):
        raise RuntimeError("test")

    monkeypatch.setattr(examination_run, "lookup", broken)
    launch(office)
    assert run_of(db)["state"] == RunState.FAILED
    assert "interrompu" in plain(office.get(PAGE).get_data(as_text=True))
    monkeypatch.undo()
    launch(office)
    assert results(db)["Inès"]["result"] == ELIGIBLE


# The page -------------------------------------------------------------------------------------


def test_the_page_needs_a_staff_session(web, db, clock):
    client = web.test_client()
    for answer in (client.get(PAGE), client.post(PAGE), client.get(f"{PAGE}/progression")):
        assert redirects_to(answer, "/admin/connexion")
    assert redirects_to(client.get(f"{PAGE}/export.csv"), "/admin/connexion")


def test_the_scholarship_page_links_to_it(office):
    page = office.get("/admin/bourses").get_data(as_text=True)
    assert f'href="{PAGE}"' in page


def test_each_school_sees_its_own_results(office, web, db, clock):
    consent(db, clock, "Inès", BENALI)
    launch(office)
    other = signed_in_staff(web, db, clock, "secretariat.palmistes", uai=PALMISTES)
    page = plain(other.get(PAGE).get_data(as_text=True))
    assert "Inès" not in page and "Aucun élève n'a encore été examiné cette année." in page
    exported = other.get(f"{PAGE}/export.csv").get_data().decode("utf-8-sig")
    assert exported.count("\r\n") == 1  # the header alone
    assert other.get(f"{PAGE}/inconnu").status_code == 404


def test_both_roles_may_launch(head, db, clock):
    consent(db, clock, "Inès", BENALI)
    launch(head)
    assert run_of(db)["by"] == "direction.concorde"


def test_the_page_shows_counts_filters_and_details(office, web, db, clock):
    consent(db, clock, "Inès", BENALI)
    consent(db, clock, "Léa", SOPHIE)
    consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    page = plain(office.get(PAGE).get_data(as_text=True))
    assert "Éligible 1 Non éligible 1 Données introuvables 1 Service indisponible 0" in page
    assert "Échelon 3 : 525 € par an" in page
    assert "60100 € pour 2 enfants à charge : au-dessus du plafond de 22754 €" in page
    assert "L'examen automatique est terminé. 3 élèves examinés." in page
    only = plain(office.get(f"{PAGE}?resultat=not_found").get_data(as_text=True))
    assert "Chloé" in only and "Inès Benali" not in only
    by_class = plain(office.get(f"{PAGE}?classe=6eA").get_data(as_text=True))
    assert "Léa" in by_class and "Chloé" not in by_class
    junk = office.get(f"{PAGE}?resultat=tout&classe=zz&page=-3")
    assert junk.status_code == 200 and "3 élèves trouvés" in plain(junk.get_data(as_text=True))


def test_htmx_gets_fragments_and_a_browser_the_page(office, db, clock):
    consent(db, clock, "Inès", BENALI)
    launch(office)
    office.get(PAGE)  # the launch's notice, said once
    page = office.get(PAGE)
    (form,) = elements(page.text, "form", data_hx_get=PAGE)
    listing = update_page_with_htmx(office, page, form, {"resultat": ELIGIBLE}).text
    assert listing.startswith("<title>") and 'id="resultats"' in listing
    progress = office.get(f"{PAGE}/progression", headers=HTMX).get_data(as_text=True)
    assert 'id="progression"' in progress and "<html" not in progress
    assert 'id="examen-annonce"' in progress
    whole = office.get(f"{PAGE}/progression").get_data(as_text=True)
    assert "<html" in whole
    restore = office.get(PAGE, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)
    started = office.post(PAGE, headers=HTMX)
    assert (started.status_code, started.headers["HX-Redirect"]) == (200, PAGE)
    started.close()
    examination_run.wait()


def test_the_progress_while_running_polls_and_offers_a_refresh(office, web, db, clock):
    consent(db, clock, "Inès", BENALI)
    with db.writing() as tx:
        examinations.start_run(
            tx, CONCORDE, "2026-2027", "x", 4, clock.now(), timedelta(seconds=120)
        )
    page = office.get(PAGE).get_data(as_text=True)
    assert 'data-hx-trigger="every 1s"' in page
    assert 'max="4" value="0"' in page
    assert "Élèves examinés : 0 sur 4" in plain(page)
    assert "Actualiser" in page
    assert "Lancer l'examen automatique" not in page
    answer = office.post(PAGE)
    assert answer.status_code == 409
    assert "déjà en cours" in plain(answer.get_data(as_text=True))
    # Its process died: once stale, it may start again.
    clock.advance(minutes=3)
    assert "Lancer l'examen automatique" in office.get(PAGE).get_data(as_text=True)
    launch(office)
    assert run_of(db)["state"] == RunState.DONE


def test_not_before_the_campaign_starts(office, db, clock):
    with db.writing() as tx:
        save_service(
            tx, CONCORDE, BOURSE, State.OPEN, "", date(2026, 9, 20), date(2026, 10, 15), clock.now()
        )
    page = plain(office.get(PAGE).get_data(as_text=True))
    assert "pourra être lancé à partir du 20/09/2026, début de la campagne de bourse" in page
    answer = office.post(PAGE)
    assert answer.status_code == 422
    assert "Erreur" in answer.get_data(as_text=True)
    assert run_of(db) is None


def test_without_the_years_scale_it_says_so(make_app, seeded, db):
    clock = FakeClock(datetime(2027, 9, 14, 10, 0, tzinfo=PARIS))
    web = install(make_app(WTF_CSRF_ENABLED=False), clock)
    office = signed_in_staff(web, db, clock, "secretariat.concorde")
    page = plain(office.get(PAGE).get_data(as_text=True))
    assert "Le barème de la bourse de collège 2027-2028 n'est pas encore dans le service" in page
    assert office.post(PAGE).status_code == 422


def test_the_launch_needs_its_csrf_token(guarded, db, clock):
    client = staff_session(guarded, db, clock, "secretariat.concorde")
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE).status_code == 400
    assert run_of(db) is None


def test_export_the_results(office, web, db, clock):
    consent(db, clock, "Inès", BENALI)
    consent(db, clock, "Léa", SOPHIE)
    launch(office)
    answer = office.get(f"{PAGE}/export.csv?resultat=not_eligible")
    assert answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    text = answer.get_data().decode("utf-8-sig")
    (line,) = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert (line["Élève"], line["Résultat"], line["Plafond (€)"]) == (
        "Léa Lefèvre-D'Almeida",
        "non éligible",
        "22754",
    )


# The command ----------------------------------------------------------------------------------


def test_the_command_examines_a_school(web, db, clock):
    consent(db, clock, "Inès", BENALI)
    runner = web.test_cli_runner()
    result = runner.invoke(args=["bourse", "examiner", CONCORDE, "--url", "https://ts.example.fr"])
    assert result.exit_code == 0, result.output
    assert "1 élève(s) à examiner" in result.output
    assert results(db)["Inès"]["result"] == ELIGIBLE
    again = runner.invoke(args=["bourse", "examiner", CONCORDE, "--url", "https://ts.example.fr"])
    assert again.exit_code == 0 and "0 élève(s) à examiner" in again.output


def test_the_command_links_families_to_the_public_address(web, db, clock):
    consent(db, clock, "Chloé", ROUSSEAU)
    runner = web.test_cli_runner()
    result = runner.invoke(args=["bourse", "examiner", CONCORDE, "--url", "https://ts.example.fr/"])
    assert result.exit_code == 0, result.output
    (mail,) = mails(web)
    assert "https://ts.example.fr/bourse/eleves/" in mail["body"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([CONCORDE], "--url"),
        ([CONCORDE, "--url", "ts.example.fr"], "--url"),
        (["9999999X", "--url", "https://ts.example.fr"], "Aucun établissement"),
    ],
)
def test_the_command_refuses_bad_input(web, args, message):
    result = web.test_cli_runner().invoke(args=["bourse", "examiner", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_the_family_sees_its_examination_request(office, web, db, clock):
    account, _ = consent(db, clock, "Moussa", NDIAYE)
    launch(office)
    (made,) = requests(db)
    family = web.test_client()
    with family.session_transaction() as session:
        session["account_id"] = account["id"]
    page = family.get(f"/bourse/demandes/{made['number']}")
    assert page.status_code == 200
    assert "le secrétariat de l'établissement vous les demandera" in plain(page.text)
    assert family.get(f"/bourse/demandes/{made['number']}/accuse.pdf").status_code in (200, 303)
    corrected = family.post(f"/bourse/demandes/{made['number']}/corriger")
    assert corrected.status_code == 303
    assert family.get(corrected.headers["Location"]).status_code == 200


def test_two_runs_at_once_examine_each_pupil_once(web, db, clock):
    """Two threads (as two processes would: a run taken for dead restarted, the cron) on one
    list: one result, one request and one notice per pupil."""
    consent(db, clock, "Inès", BENALI)
    consent(db, clock, "Moussa", NDIAYE)
    consent(db, clock, "Chloé", ROUSSEAU)
    with db.writing() as tx:
        run = examinations.start_run(
            tx, CONCORDE, "2026-2027", "x", 3, clock.now(), timedelta(seconds=120)
        )
    links = examination_run.Links("http://ts.example.fr/")
    threads = [
        threading.Thread(target=in_app, args=(web, examination_run.examine_all, run, links))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results(db)) == ["Chloé", "Inès", "Moussa"]
    assert len(requests(db)) == 2
    assert len(mails(web)) == 1 and len(sms(web)) == 1
    assert run_of(db)["state"] == RunState.DONE


def test_a_run_restarted_is_not_counted_by_the_old_one(web, db, clock):
    stale = timedelta(seconds=120)
    with db.writing() as tx:
        old = examinations.start_run(tx, CONCORDE, "2026-2027", "x", 5, clock.now(), stale)
    clock.advance(minutes=3)
    with db.writing() as tx:
        new = examinations.start_run(tx, CONCORDE, "2026-2027", "y", 2, clock.now(), stale)
        examinations.advance_run(tx, old, 5, clock.now())
        examinations.end_run(tx, old, clock.now(), failure="x")
        examinations.advance_run(tx, new, 1, clock.now())
    current = run_of(db)
    assert (current["state"], current["done"], current["total"], current["by"]) == (
        RunState.RUNNING,
        1,
        2,
        "y",
    )


def in_app(app, work, *args):
    with app.app_context():
        work(*args)


def test_the_next_school_year_examines_the_same_family_again(web, db, clock, tmp_path, monkeypatch):
    """The consent holds from year to year: once the next year's scale is in the service (here a
    copy of 2026-2027's), the same pupil is examined for 2027-2028 on the 2027 notice."""
    consent(db, clock, "Inès", BENALI)
    launch(signed_in_staff(web, db, clock, "secretariat.concorde"))
    clock.moment = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)
    office = signed_in_staff(web, db, clock, "secretariat.concorde.2027")
    assert "2027-2028 n'est pas encore dans le service" in plain(office.get(PAGE).text)
    for path in bourse.DATA.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    scale = json.loads((tmp_path / "2026-2027.json").read_text(encoding="utf-8"))
    (tmp_path / "2027-2028.json").write_text(json.dumps({**scale, "annee": "2027-2028"}))
    monkeypatch.setattr(bourse, "DATA", tmp_path)
    launch(office)
    with db.reading() as tx:
        row = examinations.of_pupil(tx, "0691400789M", "2027-2028")
    assert (row["result"], row["rfr"], row["echelon"]) == (ELIGIBLE, 3400, 3)
    assert row["request_number"].startswith("0691234A-2027-")
    assert results(db)["Inès"]["request_number"].startswith("0691234A-2026-")


def test_the_command_refuses_while_a_run_is_under_way_or_without_the_scale(web, db, clock):
    with db.writing() as tx:
        examinations.start_run(tx, CONCORDE, "2026-2027", "x", 1, clock.now(), timedelta(minutes=2))
    runner = web.test_cli_runner()
    args = ["bourse", "examiner", CONCORDE, "--url", "https://ts.example.fr"]
    busy = runner.invoke(args=args)
    assert busy.exit_code == 1 and "déjà en cours" in busy.output
    clock.moment = datetime(2027, 9, 14, 10, 0, tzinfo=PARIS)
    missing = runner.invoke(args=args)
    assert (
        missing.exit_code == 1 and "Le barème de la bourse de collège 2027-2028" in missing.output
    )


def test_a_consent_whose_account_is_gone_is_left(office, web, db, clock):
    account, _ = consent(db, clock, "Inès", BENALI)
    with db.writing() as tx:
        tx.delete("comptes", account["id"])
    launch(office)
    assert results(db) == {} and run_of(db)["state"] == RunState.DONE


# The texts ------------------------------------------------------------------------------------

ROW = {
    "school_year": "2026-2027",
    "parent": {"first_name": "Marie-Françoise-Éléonore", "last_name": "Dupont-Lagrange"},
    "pupil": {"prenom": "Jean-Baptiste-Maximilien", "nom": "Dupont-Lagrange", "classe": "6eA"},
    "rfr": 61800,
    "enfants": 2,
    "ceiling": 22754,
}
LONG_LINK = "https://teleservices.education.example.fr/bourse/eleves/0691500123K"


@pytest.mark.parametrize("event", [NOT_FOUND, NOT_ELIGIBLE])
@pytest.mark.parametrize("deadline", [date(2026, 10, 15), None])
def test_each_sms_fits_in_two_parts(event, deadline):
    text = examination_sms(ROW, event, LONG_LINK, deadline)
    assert fits(text)
    assert text.startswith("Téléservices : ")
    if event == NOT_FOUND:
        assert ("avant le 15/10/2026" in text) is (deadline is not None)


def test_once_the_campaign_is_over_the_family_asks_for_the_paper_form():
    _, body = examination_email(ROW, NOT_FOUND, "Collège Concorde", LONG_LINK, None)
    assert "demandez au secrétariat le formulaire papier" in body
    assert "Cerfa n° 12539" in body and LONG_LINK not in body


def test_only_two_results_are_told():
    with pytest.raises(ValueError):
        examination_email(ROW, ELIGIBLE, "Collège Concorde", LONG_LINK, None)
    with pytest.raises(ValueError):
        examination_sms(ROW, UNAVAILABLE, LONG_LINK, None)


def test_a_mail_that_cannot_leave_is_recorded_and_said(office, web, db, clock, monkeypatch):
    def refuse(to, subject, body, attachments=()):
        raise OSError("SMTP injoignable")

    monkeypatch.setattr(web.extensions["mail"], "send", refuse)
    web.config["MAIL_ATTEMPTS"] = 2
    consent(db, clock, "Chloé", ROUSSEAU)
    launch(office)
    # The queue tries it again: waiting, not « non parti ».
    told = results(db)["Chloé"]["notices"]
    assert [(one["channel"], one["sent"]) for one in told] == [("courriel", None), ("sms", True)]
    page = plain(office.get(PAGE).text)
    assert "Courriel en attente d'envoi depuis le 14/09/2026 à 10 h 00" in page
    assert "SMS envoyé le 14/09/2026 à 10 h 00" in page
    clock.advance(minutes=1)
    assert web.test_cli_runner().invoke(args=["mail", "envoyer"]).exit_code == 0
    told = results(db)["Chloé"]["notices"]
    assert [(one["channel"], one["sent"]) for one in told] == [("courriel", False), ("sms", True)]
    page = plain(office.get(PAGE).text)
    assert "Courriel non parti le 14/09/2026 à 10 h 00" in page
