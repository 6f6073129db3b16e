"""« Mes services » (journeys §6): per child, the services open for that child's school on the
day of the one clock (setting TODAY): the fiche de renseignements, and the bourse de collège
during its campaign, or the closed-campaign message when the school has set a campaign that is
over or not yet open. The demo seed opens the Concorde's campaign (1/9 to 15/10/2026); the
Palmistes have set none."""

from __future__ import annotations

import re
from datetime import date

import pytest

from records import bourse_requests, teleservices
from records.accounts import children_of
from records.teleservices import BOURSE, FICHE, State
from rules.bourse import estimate
from tests.markup import elements, plain, texts
from tests.parents import NOW, signed_in_parent
from views.rendering import of

CONCORDE, PALMISTES = "0691234A", "0973123Z"
FICHE_LINK = "Fiche de renseignements"
OPEN_UNTIL = "Demande de bourse : ouverte jusqu'au 15/10/2026. Faire une demande"
PAPER = "formulaire papier (CERFA 12539) auprès du secrétariat"
NOT_OPEN = (
    "La campagne de bourse n'est pas ouverte dans l'établissement de votre enfant : vous pouvez "
    f"demander le {PAPER}."
)


def no_choice(prenom: str, fiche_open: bool = True) -> str:
    """The examination's line before any responsable chose (issue 14): the way to the choice is
    the fiche's, not shown while the fiche is closed."""
    text = (
        "Examen automatique du droit à bourse : donnez votre accord, dans la fiche de "
        "renseignements, pour que l'établissement examine chaque année le droit à bourse "
        f"{of(prenom)}, sans demande à faire."
    )
    return f"{text} Donner ou refuser mon accord" if fiche_open else text


def cards(client) -> dict[str, list[str]]:
    """Each child's card: its title, then the lines of its services."""
    page = client.get("/mes-services")
    assert page.status_code == 200
    found = {}
    for card in re.findall(r'<div class="fr-card__content">(.*?)</div>', page.text, flags=re.S):
        (title,) = texts(card, "h3")
        lines = texts(card, "li") or [plain(p) for p in texts(card, "p")[1:]]
        found[title] = lines
    return found


@pytest.fixture
def at(make_app, seeded):
    """The service on a given day: `at("2026-09-14")`."""

    def make(today: str):
        return make_app(TODAY=today)

    return make


def save_service(store, *arguments) -> None:
    with store.writing() as tx:
        teleservices.save_service(tx, *arguments)


def da_silva(app):
    return signed_in_parent(app, "Da Silva", "François", "+33645127833")


def test_during_the_campaign(at):
    # Lucas (5eA, Concorde): the campaign is open; Emma (3eB, Palmistes): none set.
    assert cards(da_silva(at("2026-09-14"))) == {
        "Lucas Da Silva": [FICHE_LINK, no_choice("Lucas"), OPEN_UNTIL],
        "Emma Da Silva": [FICHE_LINK, no_choice("Emma"), NOT_OPEN],
    }


def test_on_the_last_day(at):
    assert cards(da_silva(at("2026-10-15")))["Lucas Da Silva"] == [
        FICHE_LINK,
        no_choice("Lucas"),
        OPEN_UNTIL,
    ]


def test_after_the_campaign(at):
    found = cards(da_silva(at("2026-10-16")))
    assert found["Emma Da Silva"] == [FICHE_LINK, no_choice("Emma"), NOT_OPEN]
    fiche, examination, closed = found["Lucas Da Silva"]
    assert (fiche, examination) == (FICHE_LINK, no_choice("Lucas"))
    assert closed == (
        "La campagne de bourse est fermée : elle s'est terminée le 15/10/2026. Toutefois, "
        f"vous pouvez demander le {PAPER}."
    )


def test_before_the_campaign(at):
    app = at("2026-09-14")
    store = app.extensions["store"]
    save_service(
        store, CONCORDE, BOURSE, State.OPEN, "", date(2026, 9, 21), date(2026, 10, 15), NOW
    )
    (fiche, _, closed) = cards(da_silva(app))["Lucas Da Silva"]
    assert closed == (
        "La campagne de bourse est fermée : elle ouvrira le 21/09/2026. D'ici là, "
        f"vous pouvez demander le {PAPER}."
    )


def test_a_campaign_the_school_has_not_opened(at):
    app = at("2026-09-14")
    store = app.extensions["store"]
    save_service(
        store, CONCORDE, BOURSE, State.CLOSED, "", date(2026, 9, 1), date(2026, 10, 15), NOW
    )
    assert cards(da_silva(app))["Lucas Da Silva"] == [FICHE_LINK, no_choice("Lucas"), NOT_OPEN]


def test_next_school_year_needs_a_new_campaign(at):
    assert cards(da_silva(at("2027-09-14")))["Lucas Da Silva"] == [
        FICHE_LINK,
        no_choice("Lucas"),
        NOT_OPEN,
    ]


def test_the_schools_messages_and_a_closed_fiche(at):
    app = at("2026-09-14")
    store = app.extensions["store"]
    save_service(
        store,
        CONCORDE,
        BOURSE,
        State.OPEN,
        "Dossiers complets, s'il vous plaît.",
        date(2026, 9, 1),
        date(2026, 10, 15),
        NOW,
    )
    save_service(store, PALMISTES, FICHE, State.CLOSED, "", None, None, NOW)
    found = cards(da_silva(app))
    assert found["Lucas Da Silva"] == [
        FICHE_LINK,
        no_choice("Lucas"),
        f"{OPEN_UNTIL} Dossiers complets, s'il vous plaît.",
    ]
    assert found["Emma Da Silva"] == [no_choice("Emma", fiche_open=False), NOT_OPEN]


def test_each_child_of_a_family(at):
    app = at("2026-09-14")
    sophie = signed_in_parent(app, "Lefèvre-D'Almeida", "Sophie", "+33612345678")
    assert cards(sophie) == {
        "Hugo Lefèvre-D'Almeida": [FICHE_LINK, no_choice("Hugo"), OPEN_UNTIL],
        "Léa Lefèvre-D'Almeida": [FICHE_LINK, no_choice("Léa"), OPEN_UNTIL],
    }


def test_only_collège_pupils_see_the_scholarship(at):
    # The roster knows only 6e to 3e; a record of another level (say, from a later import of a
    # lycée) sees the fiche alone.
    app = at("2026-09-14")
    store = app.extensions["store"]
    with store.writing() as tx:
        lucas = tx.find_one("eleves", ine="0691400654P")
        assert lucas["prenom"] == "Lucas"
        tx.update("eleves", lucas["id"], {"niveau": "2nde"})
    francois = da_silva(app)
    assert cards(francois)["Lucas Da Silva"] == [FICHE_LINK]
    save_service(store, CONCORDE, FICHE, State.CLOSED, "", None, None, NOW)
    assert cards(francois)["Lucas Da Silva"] == [
        "Aucun service en ligne n'est ouvert pour le moment."
    ]


def test_no_link_to_a_missing_page(at):
    page = da_silva(at("2026-09-14")).get("/mes-services").text
    assert 'href="#"' not in page


def test_links_to_the_fiche_and_the_request(at):
    page = da_silva(at("2026-09-14")).get("/mes-services")
    hrefs = [
        link["href"]
        for link in elements(page.text, "a", class_="fr-link")
        if link["href"].startswith(("/fiche/", "/bourse/"))
    ]
    # Lucas (Concorde): his fiche, its consent and the request; Emma (Palmistes, no
    # campaign): her fiche and its consent.
    assert hrefs == [
        "/fiche/0691400654P",
        "/fiche/0691400654P/examen-automatique",
        "/bourse/eleves/0691400654P",
        "/fiche/0971200135S",
        "/fiche/0971200135S/examen-automatique",
    ]


def applied(app, client, ine: str) -> str:
    """The number of the request this signed-in parent makes for this child (as the journey
    records it)."""
    fiscal = {"source": "dgfip", "notices": [], "rfr": 3300, "enfants_a_charge": 1, "files": []}
    data = {
        "contact": {"email": "", "phone": client.account["phone"], "address": None},
        "tax": fiscal,
        "estimate": estimate("2026-2027", 3300, 1).as_dict(),
        "bank": {"holder": "Sophie Lefèvre-D'Almeida", "iban": "FR76", "bic": ""},
    }
    with app.extensions["store"].writing() as tx:
        (child,) = [
            one for one in children_of(tx, client.account["responsable_ids"]) if one["ine"] == ine
        ]
        return bourse_requests.submit(tx, client.account, child, data, "jeton", NOW)["number"]


def test_a_request_of_the_other_parent(at):
    """Issue 13, item 8: Julien sees the state of the request Sophie made for Léa, and a link
    to Léa's page (which says what he may do), not to the request, which is Sophie's."""
    app = at("2026-09-14")
    sophie = signed_in_parent(app, "Lefèvre-D'Almeida", "Sophie", "+33612345678")
    julien = signed_in_parent(app, "Lefèvre-D'Almeida", "Julien", "+33781452290")
    numero = applied(app, sophie, "0691500123K")
    assert cards(sophie)["Léa Lefèvre-D'Almeida"] == [
        FICHE_LINK,
        no_choice("Léa"),
        f"Demande de bourse n° {numero} : déposée. Voir la demande",
    ]
    assert cards(julien) == {
        "Hugo Lefèvre-D'Almeida": [FICHE_LINK, no_choice("Hugo"), OPEN_UNTIL],
        "Léa Lefèvre-D'Almeida": [
            FICHE_LINK,
            no_choice("Léa"),
            f"Demande de bourse n° {numero} : déposée, faite par un autre responsable. "
            "En savoir plus",
        ],
    }
    page = julien.get("/mes-services").text
    assert elements(page, "a", href="/bourse/eleves/0691500123K")
    assert not elements(page, "a", href=f"/bourse/demandes/{numero}")
