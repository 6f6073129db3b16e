"""The three mailed single-use links (an account's activation, a new address's confirmation, a
forgotten password) answer alike, whether opened (GET) or clicked (POST): a changed link, an
expired one, and one of an account blocked since, each with its own page (views/mailed_links.py).
The journeys' own tests walk each link's success and its other refusals."""

from __future__ import annotations

import pytest

from records.accounts import ACCOUNTS
from tests.markup import plain, texts
from tests.parents import signed_in_parent
from tests.test_account_contacts import NEW, account, ask_email, francois, link_to
from tests.test_activation_views import account as activation_account
from tests.test_activation_views import letter, to_waiting
from tests.test_bourse_views import SOPHIE
from tests.test_recovery import SOPHIE_EMAIL, choose, last_link, sophie, start, web

# Imported fixtures, named so that no tool takes them for unused imports.
FIXTURES = (francois, letter, sophie, web)
METHODS = ("GET", "POST")


# Each link's fixture gives (the path of a genuine link, its account's id).
LIFETIMES = {"activation_link": 48, "confirmation_link": 48, "recovery_link": 1}  # hours
OPENED = {  # the heading of the page with the link's button
    "activation_link": "Activation du compte",
    "confirmation_link": "Confirmer mon adresse électronique",
    "recovery_link": "Mot de passe oublié",
}
REFUSALS = [  # (link, why, status, heading)
    ("activation_link", "invalid", 400, "Lien d'activation non valide"),
    ("activation_link", "expired", 410, "Lien d'activation expiré"),
    ("activation_link", "blocked", 403, "Activation impossible"),
    ("confirmation_link", "invalid", 400, "Lien de confirmation non valide"),
    ("confirmation_link", "expired", 410, "Lien de confirmation expiré"),
    ("confirmation_link", "blocked", 403, "Confirmation impossible"),
    ("recovery_link", "invalid", 400, "Lien non valide"),
    ("recovery_link", "expired", 410, "Lien expiré"),
    ("recovery_link", "blocked", 410, "Lien déjà utilisé ou remplacé"),
]


@pytest.fixture
def activation_link(web, db, letter) -> tuple[str, int]:
    return to_waiting(web.test_client(), web, letter), activation_account(db)["id"]


@pytest.fixture
def confirmation_link(web, francois) -> tuple[str, int]:
    ask_email(francois)
    return link_to(web, NEW), francois.account["id"]


@pytest.fixture
def recovery_link(web, sophie) -> tuple[str, int]:
    client = web.test_client()
    start(client, sophie["identifier"])
    choose(client, "courriel")
    return last_link(web, SOPHIE_EMAIL), sophie["id"]


def refusals(why: str) -> list[tuple[str, int, str]]:
    return [(link, status, heading) for link, reason, status, heading in REFUSALS if reason == why]


def assert_page(response, status: int, heading: str) -> None:
    """The page has this status, its heading, and the heading in its title (a refusal's title
    says « Erreur » first)."""
    assert response.status_code == status, plain(response.text)
    title = f"Erreur — {heading}" if status >= 400 else heading
    assert texts(response.text, "h1") == [heading]
    assert texts(response.text, "title") == [f"{title} — Téléservices"]


@pytest.mark.parametrize(("link", "heading"), OPENED.items())
def test_opening_a_link_shows_its_button(request, web, link, heading):
    path, _ = request.getfixturevalue(link)
    opened = web.test_client().get(path)
    assert_page(opened, 200, heading)
    assert f'<form method="post" action="{path}">' in opened.text


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("link", "status", "heading"), refusals("invalid"))
def test_a_changed_link(request, web, link, status, heading, method):
    path, _ = request.getfixturevalue(link)
    for bad in (path[:-3], path + "x"):
        assert_page(web.test_client().open(bad, method=method), status, heading)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("link", "status", "heading"), refusals("expired"))
def test_an_expired_link(request, web, clock, link, status, heading, method):
    path, _ = request.getfixturevalue(link)
    clock.advance(hours=LIFETIMES[link], seconds=1)
    assert_page(web.test_client().open(path, method=method), status, heading)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("link", "status", "heading"), refusals("blocked"))
def test_a_link_of_an_account_blocked_since(request, web, db, link, status, heading, method):
    path, account_id = request.getfixturevalue(link)
    with db.writing() as tx:
        tx.update(ACCOUNTS, account_id, {"state": "bloqué"})
    assert_page(web.test_client().open(path, method=method), status, heading)
    with db.reading() as tx:
        assert tx.get(ACCOUNTS, account_id)["state"] == "bloqué"


@pytest.mark.parametrize("link", LIFETIMES)
def test_a_refusal_spends_nothing(request, web, link):
    """A changed copy of a link, refused, leaves the genuine one working."""
    path, _ = request.getfixturevalue(link)
    web.test_client().post(path[:-3])
    assert web.test_client().get(path).status_code == 200


# The confirmation link's own pages: the confirmation, and where a refusal leads ----------------


def test_the_confirmation_page(web, francois):
    ask_email(francois)
    path = link_to(web, NEW)
    assert_page(web.test_client().post(path), 200, "Adresse électronique confirmée")
    assert account(web, francois)["email"] == NEW


def test_a_refused_confirmation_link_leads_to_the_account_or_the_login_page(web, francois):
    ask_email(francois)
    path = link_to(web, NEW)
    elsewhere = web.test_client().get(path[:-3])
    assert "Aller à la page de connexion" in plain(elsewhere.text)
    signed_in = francois.get(path[:-3])
    assert "Aller à « Mon compte »" in plain(signed_in.text)


def test_an_expired_link_of_another_account_is_told_expired(web, francois, clock):
    """The link is read before whose it is."""
    ask_email(francois)
    path = link_to(web, NEW)
    other = signed_in_parent(web, *SOPHIE)
    assert other.get(path).status_code == 403
    clock.advance(hours=48, seconds=1)
    assert_page(other.get(path), 410, "Lien de confirmation expiré")
