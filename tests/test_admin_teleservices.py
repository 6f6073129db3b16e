"""The back office's « Téléservices » page (journeys §6) through HTTP, on the demo roster (whose
seed opens the Concorde's campaign): each service with its state, message and dates; opening and
closing, the message and the dates with their checks (422, French errors, nothing written); the
staff's own school only; the journal."""

from __future__ import annotations

from datetime import date

import pytest

from records import audit, teleservices
from records.teleservices import BOURSE, FICHE, State
from tests.htmx_client import HTMX
from tests.markup import alert, elements, error_messages, plain, redirects_to
from tests.staff import signed_in_staff, staff_session

CONCORDE, PALMISTES = "0691234A", "0973123Z"
TODAY = date(2026, 9, 14)
SAVED = "/admin/teleservices#service-{}"


def changes(db, uai: str = CONCORDE) -> list[tuple[str, str]]:
    with db.reading() as tx:
        found = audit.entries(tx, uai)
    return [(e["staff"], e["detail"]) for e in found if e["action"] == "teleservice"]


def services_of(db, uai: str, today: date):
    with db.reading() as tx:
        return teleservices.services_of(tx, uai, today)


def service_of(db, uai: str, service: str, today: date):
    with db.reading() as tx:
        return teleservices.service_of(tx, uai, service, today)


def bourse_form(**values) -> dict:
    return {"etat": State.OPEN, "message": "", "debut": "2026-09-01", "fin": "2026-10-15", **values}


def test_the_page_needs_a_staff_session(web):
    assert redirects_to(web.test_client().get("/admin/teleservices"), "/admin/connexion")


def test_the_page_lists_the_services(office):
    page = office.get("/admin/teleservices")
    assert page.status_code == 200
    text = plain(page.text)
    assert "Fiche de renseignements" in text and "Ouvert aux familles." in text
    assert "Campagne du 01/09/2026 au 15/10/2026 : ouverte aux familles." in text
    assert "Message d'accueil : aucun" in text
    (current,) = elements(page.text, "a", aria_current="page")
    assert current["href"] == "/admin/teleservices"
    assert elements(page.text, "input", id="bourse-debut")[0]["value"] == "2026-09-01"
    assert elements(page.text, "input", id="bourse-fin")[0]["value"] == "2026-10-15"
    assert elements(page.text, "form", id="fiche-form")[0]["action"] == "/admin/teleservices/fiche"
    assert not elements(page.text, "input", id="fiche-debut")


def test_the_menu_has_the_entry(office):
    links = elements(office.get("/admin").text, "a", href="/admin/teleservices")
    assert links


def test_close_the_fiche_with_a_message(office, db):
    answer = office.post(
        "/admin/teleservices/fiche",
        data={"etat": State.CLOSED, "message": " Mise à jour en cours. "},
    )
    assert redirects_to(answer, SAVED.format("fiche"))
    fiche = service_of(db, CONCORDE, FICHE, TODAY)
    assert (fiche.state, fiche.open, fiche.message) == (
        State.CLOSED,
        False,
        "Mise à jour en cours.",
    )
    page = office.get("/admin/teleservices").text
    assert alert(page, "teleservices-alerte-statut") == (
        "« Fiche de renseignements » : modifications enregistrées."
    )
    assert "Fermé par l'établissement." in plain(page)
    assert "Message d'accueil : « Mise à jour en cours. »" in plain(page)
    assert changes(db) == [
        ("secretariat.concorde", "Fiche de renseignements : fermé, avec un message d'accueil.")
    ]


def test_set_the_campaign_dates_and_close_it(office, db):
    answer = office.post("/admin/teleservices/bourse", data=bourse_form(debut="15/09/2026"))
    assert redirects_to(answer, SAVED.format("bourse"))
    bourse = service_of(db, CONCORDE, BOURSE, TODAY)
    assert (bourse.start, bourse.end, bourse.open) == (date(2026, 9, 15), date(2026, 10, 15), False)
    assert "visible des familles à partir du 15/09/2026" in plain(
        office.get("/admin/teleservices").text
    )
    office.post("/admin/teleservices/bourse", data=bourse_form(etat=State.CLOSED))
    assert service_of(db, CONCORDE, BOURSE, TODAY).state == State.CLOSED
    assert changes(db) == [
        (
            "secretariat.concorde",
            "Bourse de collège : fermé du 01/09/2026 au 15/10/2026, sans message d'accueil.",
        ),
        (
            "secretariat.concorde",
            "Bourse de collège : ouvert du 15/09/2026 au 15/10/2026, sans message d'accueil.",
        ),
    ]


@pytest.mark.parametrize(
    ("form", "field", "error"),
    [
        (
            bourse_form(debut="2026-10-15", fin="2026-10-01"),
            "bourse-fin",
            "La date de clôture doit être après la date d'ouverture.",
        ),
        (
            bourse_form(fin="2027-09-30"),
            "bourse-fin",
            "Indiquez une date de l'année scolaire 2026-2027 (du 01/09/2026 au 31/08/2027).",
        ),
        (
            bourse_form(debut="31/02/2026"),
            "bourse-debut",
            "Date d'ouverture illisible : indiquez-la au format JJ/MM/AAAA.",
        ),
        (bourse_form(debut=""), "bourse-debut", "Indiquez la date d'ouverture de la campagne."),
        (bourse_form(etat=""), "bourse-etat", "Choisissez « ouvert » ou « fermé »."),
        (
            bourse_form(message="é" * 501),
            "bourse-message",
            "Le message d'accueil ne doit pas dépasser 500 caractères (il en compte 501).",
        ),
    ],
)
def test_bad_changes_answer_422(office, db, form, field, error):
    answer = office.post("/admin/teleservices/bourse", data=form)
    assert answer.status_code == 422
    assert error_messages(answer.text, field) == [error]
    assert alert(answer.text, "teleservices-alerte") == (
        "Les modifications n'ont pas été enregistrées : corrigez les erreurs signalées."
    )
    # The typed values are kept in the form.
    if form["message"]:
        assert form["message"] in answer.text
    if form["debut"] == "31/02/2026":
        assert elements(answer.text, "input", id="bourse-debut")[0]["value"] == "31/02/2026"
    bourse = service_of(db, CONCORDE, BOURSE, TODAY)
    assert (bourse.start, bourse.end, bourse.open) == (date(2026, 9, 1), date(2026, 10, 15), True)
    assert changes(db) == []
    # The focus goes to the wrong field, and only there.
    focused = [one["id"] for one in elements(answer.text) if "autofocus" in one]
    assert focused == [field if field != "bourse-etat" else "bourse-etat-1"]


def test_several_wrong_fields_are_listed_and_the_list_takes_the_focus(office, db):
    form = bourse_form(etat="peut-être", debut="31/02/2026", message="x" * 1000)
    answer = office.post("/admin/teleservices/bourse", data=form)
    assert answer.status_code == 422
    focused = [one["id"] for one in elements(answer.text) if "autofocus" in one]
    assert focused == ["bourse-erreurs"]
    summary = answer.text[answer.text.index('id="bourse-erreurs"') :]
    links = [link["href"] for link in elements(summary[: summary.index("</ul>")], "a")]
    assert links == ["#bourse-etat-1", "#bourse-debut", "#bourse-message"]
    for link in links:
        assert elements(answer.text, id=link[1:]), link


def test_a_refused_change_answers_htmx_with_the_page(office, db):
    # The page has no fragment: an htmx request gets it whole, as a browser would.
    answer = office.post(
        "/admin/teleservices/bourse", data=bourse_form(fin="2026-08-01"), headers=HTMX
    )
    assert answer.status_code == 422
    assert answer.text.startswith("<!doctype html>")
    assert alert(answer.text, "teleservices-alerte") == (
        "Les modifications n'ont pas été enregistrées : corrigez les erreurs signalées."
    )
    assert changes(db) == []


def test_unknown_service(office):
    assert office.post("/admin/teleservices/cantine", data={"etat": State.OPEN}).status_code == 404


def test_another_schools_services_are_untouched(web, db, clock, office):
    palmistes = signed_in_staff(web, db, clock, "secretariat.palmistes", PALMISTES)
    before = services_of(db, CONCORDE, TODAY)
    answer = palmistes.post("/admin/teleservices/bourse", data=bourse_form(message="Bienvenue"))
    assert redirects_to(answer, SAVED.format("bourse"))
    palmistes.post("/admin/teleservices/fiche", data={"etat": State.CLOSED, "message": ""})
    assert services_of(db, CONCORDE, TODAY) == before
    fiche, bourse = services_of(db, PALMISTES, TODAY)
    assert (fiche.state, bourse.open, bourse.message) == (State.CLOSED, True, "Bienvenue")
    assert changes(db) == []
    assert [staff for staff, _ in changes(db, PALMISTES)] == ["secretariat.palmistes"] * 2
    # The Concorde's page shows its own services.
    assert "Bienvenue" not in office.get("/admin/teleservices").text


def test_the_change_needs_the_csrf_token(guarded, db, clock):
    client = staff_session(guarded, db, clock, "secretariat.concorde")
    assert client.get("/admin/teleservices").status_code == 200
    answer = client.post("/admin/teleservices/fiche", data={"etat": State.CLOSED, "message": ""})
    assert answer.status_code == 400
    assert service_of(db, CONCORDE, FICHE, TODAY).state == State.OPEN


def test_a_change_whose_journal_entry_fails_is_not_saved(office, db, monkeypatch):
    def failing(tx, staff, action, detail, now):
        raise RuntimeError("journal illisible")

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError):  # TESTING: the error reaches the test, not a 500 page
        office.post("/admin/teleservices/fiche", data={"etat": State.CLOSED, "message": "Fermée"})
    monkeypatch.undo()
    fiche = service_of(db, CONCORDE, FICHE, TODAY)
    assert (fiche.state, fiche.message) == (State.OPEN, "")
    assert changes(db) == []
