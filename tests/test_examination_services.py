"""The automatic examination as a family sees it (issue 14, item 4): « Mes services » says, per
collège child, where the examination stands (no choice, refused, withdrawn, consent awaited,
then the year's result), and the online request is offered only while no consent counts, or
when the examination found no notice. The child's page of the request says why otherwise, on a
GET (200) as on a POST (409), also at the last step of a journey begun before the consent.

Consents are written with `records.consents`; the examination's results straight into the table
"bourse_examens", as records/examinations.py keeps them (one row per pupil and school year)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from records import bourse_requests, consents, journeys
from rules.civil_status import CivilStatus
from tests.htmx_client import HTMX
from tests.markup import elements, plain
from tests.parents import NOW, signed_in_parent
from tests.test_bourse_views import JULIEN, LEA, SOPHIE, send, to_summary
from tests.test_services_views import FICHE_LINK, OPEN_UNTIL, cards, no_choice

APPLICANT = CivilStatus("Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre")
JULIEN_CIVIL = CivilStatus("Lefèvre-D'Almeida", "Julien", date(1982, 9, 3), "Porto", "", "Portugal")
ANNEE = "2026-2027"
LEA_CARD = "Léa Lefèvre-D'Almeida"
EXAMEN = "Examen automatique du droit à bourse : "
GIVEN = (
    f"{EXAMEN}vous avez donné votre accord ; il vaut demande de bourse. L'établissement "
    "examinera le droit à bourse pendant l'année scolaire, vous n'avez rien à faire. "
    "Voir mon choix"
)


@pytest.fixture
def sophie(web):
    return signed_in_parent(web, *SOPHIE)


@pytest.fixture
def julien(web):
    return signed_in_parent(web, *JULIEN)


def lea(db) -> dict:
    with db.reading() as tx:
        return tx.find_one("eleves", ine=LEA)


def choose(db, client, given: bool, now=NOW):
    civil = APPLICANT if client.account["first_name"] == "Sophie" else JULIEN_CIVIL
    with db.writing() as tx:
        consents.choose(tx, client.account, lea(db), given, now, applicant=civil if given else None)


def withdraw(db, client):
    with db.writing() as tx:
        consents.withdraw(tx, client.account["id"], LEA, NOW)


def examined(db, result: str, **fields):
    """The year's examination of Léa, as records/examinations.py writes it."""
    row = {"ine": LEA, "uai": "0691234A", "school_year": ANNEE, "result": result, **fields}
    with db.writing() as tx:
        tx.insert("bourse_examens", row)


def lea_card(client) -> list[str]:
    return cards(client)[LEA_CARD]


# « Mes services » -------------------------------------------------------------------------------


def test_no_choice_yet_links_to_the_fiches_consent(sophie):
    assert lea_card(sophie) == [FICHE_LINK, no_choice("Léa"), OPEN_UNTIL]
    page = sophie.get("/mes-services").text
    assert len(elements(page, "a", href=f"/fiche/{LEA}/examen-automatique")) == 1


def test_refused_leaves_the_online_request(db, sophie):
    choose(db, sophie, False)
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}vous l'avez refusé. Changer mon choix",
        OPEN_UNTIL,
    ]


def test_withdrawn_leaves_the_online_request(db, sophie):
    choose(db, sophie, True)
    withdraw(db, sophie)
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}vous avez retiré votre accord. Changer mon choix",
        OPEN_UNTIL,
    ]


def test_a_consent_given_is_the_request(db, sophie, julien):
    choose(db, sophie, True)
    assert lea_card(sophie) == [FICHE_LINK, GIVEN]
    # Julien has not chosen; Sophie's consent counts for Léa.
    assert lea_card(julien) == [
        FICHE_LINK,
        f"{EXAMEN}l'autre responsable de Léa a donné son accord ; il vaut demande de bourse. "
        "L'établissement examinera le droit à bourse pendant l'année scolaire, vous n'avez rien "
        "à faire. Voir mon choix",
    ]


def test_a_refusal_does_not_undo_the_other_parents_consent(db, sophie, julien):
    choose(db, julien, False)
    choose(db, sophie, True)
    assert lea_card(julien)[1].startswith(f"{EXAMEN}l'autre responsable de Léa a donné")
    assert len(lea_card(julien)) == 2


def test_an_examination_of_last_year_is_not_this_years(db, sophie):
    choose(db, sophie, True)
    examined(db, "not_found", school_year="2025-2026")
    assert lea_card(sophie) == [FICHE_LINK, GIVEN]


def test_not_eligible_plainly_with_the_simulator(db, sophie):
    choose(db, sophie, True)
    examined(db, "not_eligible", rfr=41250, ceiling=22114)
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}d'après l'avis d'imposition, le revenu fiscal de référence du foyer "
        "(41 250 €) dépasse le plafond de la bourse (22 114 €) : pas de bourse de "
        "collège cette année scolaire. Le simulateur montre les plafonds. Simulateur de bourse",
    ]
    page = sophie.get("/mes-services").text
    assert elements(page, "a", href="/simulateur-bourse")


def test_not_found_offers_the_online_request(db, sophie):
    choose(db, sophie, True)
    examined(db, "not_found")
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}nous n'avons pas retrouvé votre avis d'imposition. Faites une demande de "
        "bourse vous-même, en ligne ou sur papier.",
        OPEN_UNTIL,
    ]


def test_not_found_then_applied_online_shows_the_request(db, sophie):
    choose(db, sophie, True)
    examined(db, "not_found")
    to_summary(sophie)
    assert send(sophie).status_code == 303
    (fiche, request) = lea_card(sophie)
    assert request.startswith("Demande de bourse n° 0691234A-2026-") and "déposée" in request


def test_unavailable_will_be_examined_again(db, sophie):
    choose(db, sophie, True)
    examined(db, "unavailable")
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}le service de l'administration fiscale n'a pas répondu ; l'examen sera "
        "repris, vous n'avez rien à faire.",
    ]


def test_eligible_shows_the_request_the_examination_made(db, sophie, julien):
    choose(db, sophie, True)
    examined(db, "eligible", echelon=3)
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}votre foyer peut bénéficier de la bourse ; la direction décidera.",
    ]
    # The request C's examination makes « en instruction », marked by its origin.
    with db.writing() as tx:
        tx.insert(
            "demandes_bourse",
            {
                "number": "0691234A-2026-00042",
                "school_year": ANNEE,
                "uai": "0691234A",
                "ine": LEA,
                "account_id": sophie.account["id"],
                "state": bourse_requests.RequestState.IN_REVIEW,
                "origin": "examen automatique",
                "token": None,
            },
        )
    assert lea_card(sophie) == [
        FICHE_LINK,
        "Demande de bourse n° 0691234A-2026-00042 (examen automatique) : en instruction. "
        "Voir la demande",
    ]
    assert lea_card(julien) == [
        FICHE_LINK,
        "Demande de bourse n° 0691234A-2026-00042 (examen automatique) : en instruction, faite "
        "par un autre responsable. En savoir plus",
    ]


def test_eligible_whose_request_was_withdrawn(db, sophie):
    choose(db, sophie, True)
    examined(db, "eligible", echelon=3, request_number="0691234A-2026-00042")
    assert lea_card(sophie) == [
        FICHE_LINK,
        f"{EXAMEN}votre foyer pouvait bénéficier de la bourse ; la demande n° "
        "0691234A-2026-00042 qui en est issue a été retirée.",
    ]
    # To apply online now, the consent is withdrawn first: the child's page says so.
    page = sophie.get(f"/bourse/eleves/{LEA}")
    assert "Retirez d'abord votre accord" in plain(page.text)


# The online request's gating ---------------------------------------------------------------


def test_the_childs_page_says_why_there_is_no_request_to_make(db, sophie):
    choose(db, sophie, True)
    page = sophie.get(f"/bourse/eleves/{LEA}")
    assert page.status_code == 200
    text = plain(page.text)
    assert "Le droit à bourse de Léa est examiné automatiquement" in text
    assert "Vous avez donné votre accord pour l'examen automatique du droit à bourse." in text
    assert "Cet accord vaut demande de bourse" in text
    assert "Retirez d'abord votre accord dans la fiche de renseignements" in text
    assert elements(page.text, "a", href=f"/fiche/{LEA}/examen-automatique")
    assert not elements(page.text, "form", action=f"/bourse/eleves/{LEA}")


def test_the_other_parent_is_told_whose_consent_it_is(db, sophie, julien):
    choose(db, sophie, True)
    page = julien.get(f"/bourse/eleves/{LEA}")
    assert page.status_code == 200
    text = plain(page.text)
    assert "L'autre responsable légal de Léa a donné son accord" in text
    assert "lui seul peut le retirer" in text


@pytest.mark.parametrize(
    "result, said",
    [
        ("not_eligible", "dépasse le plafond de la bourse"),
        ("unavailable", "l'examen sera repris"),
        ("eligible", "la direction décidera"),
    ],
)
def test_the_childs_page_gives_the_result(db, sophie, result, said):
    choose(db, sophie, True)
    examined(db, result, rfr=41250, ceiling=22114)
    page = sophie.get(f"/bourse/eleves/{LEA}")
    assert page.status_code == 200
    assert said in plain(page.text)


def test_a_post_for_an_examined_pupil_starts_nothing(db, sophie):
    choose(db, sophie, True)
    answer = sophie.post(f"/bourse/eleves/{LEA}")
    assert answer.status_code == 409
    assert "Cet accord vaut demande de bourse" in plain(answer.text)
    with db.reading() as tx:
        assert journeys.for_account(tx, sophie.account["id"], "bourse") is None


def test_an_htmx_post_gets_the_fragment(db, sophie):
    choose(db, sophie, True)
    answer = sophie.post(f"/bourse/eleves/{LEA}", headers=HTMX)
    assert answer.status_code == 409
    assert answer.text.startswith("<title>Erreur — Le droit à bourse")
    assert "<html" not in answer.text


def test_not_found_lets_the_family_apply_online(db, sophie):
    choose(db, sophie, True)
    examined(db, "not_found")
    assert "Commencer la demande" in plain(sophie.get(f"/bourse/eleves/{LEA}").text)
    assert sophie.post(f"/bourse/eleves/{LEA}").status_code == 303


def test_a_consent_given_during_the_journey_stops_the_sending(db, sophie):
    to_summary(sophie)
    choose(db, sophie, True)
    answer = send(sophie)
    assert answer.status_code == 409
    assert "Cet accord vaut demande de bourse" in plain(answer.text)
    with db.reading() as tx:
        assert bourse_requests.active_for_child(tx, LEA, ANNEE) is None


def test_withdrawn_the_journey_sends(db, sophie):
    choose(db, sophie, True, now=NOW - timedelta(days=1))
    withdraw(db, sophie)
    to_summary(sophie)
    assert send(sophie).status_code == 303


def test_the_gating_page_needs_the_csrf_token(guarded, seeded):
    client = signed_in_parent(guarded, *SOPHIE)
    with guarded.extensions["store"].writing() as tx:
        consents.choose(
            tx, client.account, tx.find_one("eleves", ine=LEA), True, NOW, applicant=APPLICANT
        )
    assert client.post(f"/bourse/eleves/{LEA}").status_code == 400
