"""Signing in with an ÉduConnect identifiant and password (journeys §1) and signing out, through
HTTP: a new session on sign-in, one generic message for every failure, the waits of a client
after 5 failures at an account (and only that client's), and the limit per IP address."""

from __future__ import annotations

import re
from functools import partial

import pytest

from records import accounts
from rules import lockout
from rules.passwords import hash_password
from tests import markup
from tests.fake_clock import install
from tests.htmx_client import HTMX
from tests.markup import csrf_token, elements, messages, plain, redirects_to, texts

SOPHIE_PHONE = "+33612345678"
SOPHIE_ID = "s.lefevredalmeida1"
PASSWORD = "Rentree-2026!Ok"
FAILED = (
    "Identifiant ou mot de passe incorrect. Après plusieurs essais incorrects, patientez "
    "quelques minutes avant de réessayer : pendant ce délai, même le bon mot de passe est refusé."
)


def create(db, clock, nom: str, prenom: str, telephone: str, password: str = PASSWORD) -> dict:
    password_hash = hash_password(password)
    with db.writing() as tx:
        found = accounts.find_responsables(tx, telephone, nom, prenom)
        assert found, (nom, prenom)
        return accounts.create_account(
            tx,
            [responsable["id"] for responsable in found],
            prenom,
            nom,
            telephone,
            password_hash,
            "auto-inscription",
            clock.now(),
        )


@pytest.fixture
def sophie(db, clock):
    account = create(db, clock, "Lefèvre-D'Almeida", "Sophie", SOPHIE_PHONE)
    assert account["identifier"] == SOPHIE_ID
    return account


# Reading the answers -----------------------------------------------------------------------


# The alert region of the login page; its status region is "login-alert-statut".
alert = partial(markup.alert, alert_id="login-alert")


def sign_in(client, identifiant: str = SOPHIE_ID, password: str = PASSWORD, **options):
    return client.post(
        "/connexion", data={"identifiant": identifiant, "mot_de_passe": password}, **options
    )


def client_at(web, address: str):
    """A browser at this address: wrong passwords make wait the client that types them."""
    client = web.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def without_names_and_tokens(html: str, *names: str) -> str:
    for name in names:
        html = html.replace(name, "X")
    # CSRF tokens are signed with the time: two answers a second apart differ there.
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def signed_in_as(client) -> int | None:
    with client.session_transaction() as session:
        return session.get("account_id")


# Signing in -------------------------------------------------------------------------------


def test_right_password_signs_in_with_a_new_session(parent, sophie):
    parent.get("/connexion")
    with parent.session_transaction() as session:
        session["marque"] = "avant la connexion"
    before = parent.get_cookie("session").value

    response = sign_in(parent)
    assert redirects_to(response, "/mes-services")
    assert parent.get_cookie("session").value != before
    with parent.session_transaction() as session:
        kept = {name: value for name, value in session.items() if name != "_permanent"}
    assert kept == {"account_id": sophie["id"]}

    page = parent.get("/mes-services")
    assert page.status_code == 200
    assert SOPHIE_ID in plain(page.text)
    assert texts(page.text, "h3") == ["Hugo Lefèvre-D'Almeida", "Léa Lefèvre-D'Almeida"]


def test_htmx_sign_in_redirects_the_whole_page(parent, sophie):
    response = sign_in(parent, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/mes-services"
    assert signed_in_as(parent) == sophie["id"]


@pytest.mark.parametrize("typed", ["S.LEFEVREDALMEIDA1", "S.LefevreDalmeida1", f"  {SOPHIE_ID} "])
def test_identifiant_is_case_insensitive(parent, sophie, typed):
    assert redirects_to(sign_in(parent, typed), "/mes-services")
    assert signed_in_as(parent) == sophie["id"]


def test_password_is_case_sensitive(parent, sophie):
    response = sign_in(parent, password=PASSWORD.upper())
    assert response.status_code == 422
    assert alert(response.text) == FAILED


@pytest.mark.parametrize(
    ("identifiant", "password"),
    [
        (SOPHIE_ID, "Mauvais-2026!mdp"),
        ("s.lefevredalmeida2", PASSWORD),
        ("inconnu", "Mauvais-2026!mdp"),
        (SOPHIE_ID, PASSWORD + " "),
    ],
    ids=["wrong password", "unknown identifiant", "both wrong", "trailing space"],
)
def test_every_failure_says_the_same(parent, sophie, identifiant, password):
    response = sign_in(parent, identifiant, password)
    assert response.status_code == 422
    assert alert(response.text) == FAILED
    assert lockout.FAILED == FAILED
    assert messages(response.text, "identifiant") == []
    # The identifiant typed stays, never the password.
    (field,) = elements(response.text, "input", name="identifiant")
    assert field["value"] == identifiant
    (secret,) = elements(response.text, "input", name="mot_de_passe")
    assert "value" not in secret
    assert password not in response.text
    assert signed_in_as(parent) is None


def test_unknown_and_wrong_look_alike(parent, sophie):
    wrong = sign_in(parent, SOPHIE_ID, "Mauvais-2026!mdp")
    unknown = sign_in(parent, "inconnu1", "Mauvais-2026!mdp")
    assert wrong.status_code == unknown.status_code == 422
    assert alert(wrong.text) == alert(unknown.text) == FAILED
    normalised = [
        without_names_and_tokens(response.text, SOPHIE_ID, "inconnu1")
        for response in (wrong, unknown)
    ]
    assert normalised[0] == normalised[1]


def test_missing_fields(parent, sophie):
    response = parent.post("/connexion", data={})
    assert response.status_code == 422
    assert messages(response.text, "identifiant") == ["Indiquez votre identifiant."]
    assert messages(response.text, "mot_de_passe") == ["Indiquez votre mot de passe."]
    assert alert(response.text) == ""


def test_failure_as_a_fragment(parent, sophie):
    response = sign_in(parent, password="Mauvais-2026!mdp", headers=HTMX)
    assert response.status_code == 422
    assert "<html" not in response.text
    assert response.text.startswith("<title>Erreur — Connexion — Téléservices</title>")
    assert alert(response.text) == FAILED
    assert "HX-Redirect" not in response.headers


# The waits after 5 failures, per account and client ----------------------------------------


def test_five_failures_elsewhere_do_not_keep_the_owner_out(web, sophie):
    elsewhere = client_at(web, "10.0.0.1")
    for _ in range(5):
        response = sign_in(elsewhere, password="Mauvais-2026!mdp")
        assert response.status_code == 422
        assert alert(response.text) == FAILED
    # Even the right password is refused there now...
    assert alert(sign_in(elsewhere).text) == FAILED
    assert signed_in_as(elsewhere) is None
    # ...while the parent, at home, signs in.
    home = client_at(web, "10.0.0.2")
    assert redirects_to(sign_in(home), "/mes-services")
    assert signed_in_as(home) == sophie["id"]


def test_a_client_that_keeps_failing_waits_longer_each_time(web, clock, sophie):
    elsewhere = client_at(web, "10.0.0.1")
    for _ in range(5):
        sign_in(elsewhere, password="Mauvais-2026!mdp")
    clock.advance(seconds=59)
    assert alert(sign_in(elsewhere).text) == FAILED
    clock.advance(seconds=1)
    # The minute is over: one more wrong password, and the next wait is two minutes.
    assert alert(sign_in(elsewhere, password="Mauvais-2026!mdp").text) == FAILED
    clock.advance(minutes=1, seconds=59)
    assert alert(sign_in(elsewhere).text) == FAILED
    clock.advance(seconds=1)
    assert redirects_to(sign_in(elsewhere), "/mes-services")


def test_a_waiting_client_is_answered_as_an_unknown_identifiant(web, sophie, monkeypatch):
    elsewhere = client_at(web, "10.0.0.1")
    for _ in range(5):
        sign_in(elsewhere, password="Mauvais-2026!mdp")
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    waiting = sign_in(elsewhere)
    unknown = sign_in(elsewhere, "inconnu1")
    assert waiting.status_code == unknown.status_code == 422
    assert alert(waiting.text) == alert(unknown.text) == FAILED
    normalised = [
        without_names_and_tokens(response.text, SOPHIE_ID, "inconnu1")
        for response in (waiting, unknown)
    ]
    assert normalised[0] == normalised[1]
    # As long as an unknown identifiant's answer: the password is checked in both.
    assert len(checked) == 2


def test_a_right_password_starts_the_count_again(parent, sophie):
    for _ in range(4):
        sign_in(parent, password="Mauvais-2026!mdp")
    assert redirects_to(sign_in(parent), "/mes-services")
    for _ in range(4):
        assert alert(sign_in(parent, password="Mauvais-2026!mdp").text) == FAILED
    assert redirects_to(sign_in(parent), "/mes-services")


# Signing out -------------------------------------------------------------------------------


def test_sign_out(parent, sophie):
    sign_in(parent)
    response = parent.post("/deconnexion")
    assert redirects_to(response, "/connexion")
    assert signed_in_as(parent) is None

    page = parent.get("/connexion")
    assert page.status_code == 200
    assert alert(page.text, alert_id="login-alert-statut") == "Vous êtes déconnecté."
    assert alert(page.text) == ""
    # Said once only.
    assert alert(parent.get("/connexion").text, alert_id="login-alert-statut") == ""

    assert redirects_to(parent.get("/mes-services"), "/connexion")


def test_sign_out_needs_a_post(parent, sophie):
    sign_in(parent)
    response = parent.get("/deconnexion")
    assert response.status_code == 405
    assert "Méthode non autorisée" in texts(response.text, "h1")
    assert "POST" in response.headers["Allow"]
    assert signed_in_as(parent) == sophie["id"]


def test_services_need_a_signed_in_parent(parent):
    assert redirects_to(parent.get("/mes-services"), "/connexion")


def test_session_of_a_deleted_account(parent, db, sophie):
    sign_in(parent)
    with db.writing() as tx:
        tx.delete(accounts.ACCOUNTS, sophie["id"])
    assert redirects_to(parent.get("/mes-services"), "/connexion")


# The limit per IP address ------------------------------------------------------------------


@pytest.fixture
def limited(make_app, seeded, clock):
    return install(make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute"), clock)


def test_too_many_sign_ins_from_one_address(limited, clock):
    create(limited.extensions["store"], clock, "Lefèvre-D'Almeida", "Sophie", SOPHIE_PHONE)
    client = limited.test_client()
    for _ in range(3):
        assert sign_in(client, password="Mauvais-2026!mdp").status_code == 422
    response = sign_in(client)  # even the right password
    assert response.status_code == 429
    assert texts(response.text, "title") == ["Erreur — Trop de tentatives — Téléservices"]
    assert texts(response.text, "h1") == ["Trop de tentatives"]
    assert "Vous avez fait trop de tentatives. Réessayez dans quelques minutes." in plain(
        response.text
    )
    assert signed_in_as(client) is None
    # Only sign-in attempts are limited, and only from that address.
    assert client.get("/connexion").status_code == 200
    other = limited.test_client()
    response = sign_in(other, environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert redirects_to(response, "/mes-services")


def test_too_many_htmx_sign_ins(limited):
    client = limited.test_client()
    for _ in range(3):
        sign_in(client, "inconnu", "x", headers=HTMX)
    response = sign_in(client, "inconnu", "x", headers=HTMX)
    assert response.status_code == 429
    assert "<html" not in response.text
    assert response.headers["HX-Retarget"] == "#contenu"
    assert "Trop de tentatives" in texts(response.text, "h1")


# CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "pas-le-bon-jeton"])
def test_sign_in_without_the_right_token(guarded, clock, token):
    create(guarded.extensions["store"], clock, "Lefèvre-D'Almeida", "Sophie", SOPHIE_PHONE)
    client = guarded.test_client()
    client.get("/connexion")
    data = {"identifiant": SOPHIE_ID, "mot_de_passe": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/connexion", data=data)
    assert response.status_code == 400
    assert "Votre session a expiré" in plain(response.text)
    assert signed_in_as(client) is None


def test_sign_in_and_out_with_the_token(guarded, clock):
    create(guarded.extensions["store"], clock, "Lefèvre-D'Almeida", "Sophie", SOPHIE_PHONE)
    client = guarded.test_client()
    token = csrf_token(client.get("/connexion").text)
    data = {"identifiant": SOPHIE_ID, "mot_de_passe": PASSWORD, "csrf_token": token}
    assert redirects_to(client.post("/connexion", data=data), "/mes-services")
    # The session is new: the token of the login page is no longer valid.
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 400
    services = client.get("/mes-services").text
    token = csrf_token(services)
    assert redirects_to(client.post("/deconnexion", data={"csrf_token": token}), "/connexion")


# The whole way: a new account, then signing in with the identifiant it gave ----------------


def test_sign_in_with_the_identifiant_of_a_new_account(parent, web):
    data = {"nom": "Benali", "prenom": "Karim", "telephone": "06 23 45 67 89"}
    assert redirects_to(parent.post("/inscription", data=data), "/inscription/code")
    body = web.extensions["outboxes"]["sms"].newest_first()[0]["body"]
    code = re.search(r"est ([0-9]{6})\.", body).group(1)
    assert redirects_to(
        parent.post("/inscription/code", data={"code": code}), "/inscription/enfants"
    )
    dates = {"jour-0691400789M": "21", "mois-0691400789M": "6", "annee-0691400789M": "2014"}
    response = parent.post("/inscription/enfants", data=dates)
    assert redirects_to(response, "/inscription/mot-de-passe")
    response = parent.post(
        "/inscription/mot-de-passe", data={"mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    )
    assert redirects_to(response, "/inscription/compte-active")
    identifiant = re.search(
        r'id="identifiant-cree">([^<]+)</p>', parent.get("/inscription/compte-active").text
    ).group(1)
    assert identifiant == "k.benali1"
    assert redirects_to(parent.post("/deconnexion"), "/connexion")

    assert alert(sign_in(parent, identifiant, "Mauvais-2026!mdp").text) == FAILED
    assert redirects_to(sign_in(parent, identifiant), "/mes-services")
    page = parent.get("/mes-services").text
    assert texts(page, "h3") == ["Inès Benali"]
    assert "Collège Concorde — classe de 5eB" in plain(page)
