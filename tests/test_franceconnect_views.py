"""The FranceConnect routes with a stand-in client: what each outcome of the callback does to the
session and what the parent reads. The protocol itself is tested against signed tokens
(test_franceconnect_client.py) and end to end against the sandbox (e2e/)."""

import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from outside.franceconnect import FranceConnectError, Identity
from records import accounts
from rules.clock import Clock
from views import franceconnect


class StubClient:
    """Answers the callback with a given identity or error, and records what it was asked."""

    def __init__(self):
        self.answer = None
        self.calls = []

    def new_state_and_nonce(self):
        return "s" * 64, "n" * 64

    def authorization_url(self, redirect_uri, state, nonce):
        self.calls.append(("authorize", redirect_uri, state, nonce))
        return "https://fc.example/authorize?" + urlencode(
            {"state": state, "redirect_uri": redirect_uri}
        )

    def identity_from_callback(self, query, expected_state, nonce, redirect_uri):
        self.calls.append(("callback", dict(query), expected_state, nonce))
        if expected_state is None:
            raise FranceConnectError("invalid", "no state stored")
        if isinstance(self.answer, FranceConnectError):
            raise self.answer
        return self.answer

    def logout_url(self, id_token, state, post_logout_redirect_uri):
        self.calls.append(("logout", id_token, state, post_logout_redirect_uri))
        return f"https://fc.example/session/end?state={state}"


@pytest.fixture
def fc(app, seeded):
    app.config["WTF_CSRF_ENABLED"] = False
    stub = StubClient()
    app.extensions["franceconnect"] = stub
    return stub


def sophie(sub="a" * 64 + "v1"):
    return Identity(
        sub=sub,
        given_name="Sophie Marie",
        family_name="Moreau",
        preferred_username="Lefèvre-D'Almeida",
        birthdate="1984-05-02",
        email=None,
        id_token="raw.id.token",
    )


def link_sophie_to_franceconnect(store) -> dict:
    """Sophie's account, activated with FranceConnect under the sub of `sophie()`."""
    with store.writing() as tx:
        family = accounts.find_responsables(tx, "+33612345678", "Lefèvre-D'Almeida", "Sophie")
        return accounts.activate_with_franceconnect(
            tx,
            [r["id"] for r in family],
            "Sophie",
            "Lefèvre-D'Almeida",
            "+33612345678",
            sophie().sub,
            Clock().now(),
        )


def start_login(client):
    response = client.post("/franceconnect/login")
    assert response.status_code == 303
    assert response.location.startswith("https://fc.example/authorize")


def test_login_stores_state_and_nonce_and_leaves_for_franceconnect(client, fc):
    start_login(client)
    with client.session_transaction() as session:
        assert session["franceconnect_state"] == "s" * 64
        assert session["franceconnect_nonce"] == "n" * 64
    assert fc.calls[0][1] == "http://localhost/franceconnect/callback"


def redirect_uri_of(response) -> str:
    assert response.status_code == 303
    (uri,) = parse_qs(urlsplit(response.location).query)["redirect_uri"]
    return uri


FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "teleservices.example.fr"}


def test_behind_a_trusted_proxy_franceconnect_returns_over_https(make_app):
    app = make_app(TRUSTED_PROXIES=1, WTF_CSRF_ENABLED=False)
    app.extensions["franceconnect"] = StubClient()
    response = app.test_client().post("/franceconnect/login", headers=FORWARDED_HTTPS)
    assert redirect_uri_of(response) == "https://teleservices.example.fr/franceconnect/callback"


def test_forwarded_headers_do_not_change_the_redirect_uri_by_default(client, fc):
    response = client.post("/franceconnect/login", headers=FORWARDED_HTTPS)
    assert redirect_uri_of(response) == "http://localhost/franceconnect/callback"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("cancelled", "Connexion avec FranceConnect annulée."),
        ("unavailable", "FranceConnect est momentanément indisponible"),
        ("invalid", "La connexion avec FranceConnect n'a pas abouti"),
    ],
)
def test_callback_failures_reach_the_login_page(client, fc, kind, message):
    start_login(client)
    fc.answer = FranceConnectError(kind, "detail")
    response = client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    assert response.status_code == 303 and response.location == "/connexion"
    page = html.unescape(client.get("/connexion").text)
    assert message in page
    assert client.get("/mes-services").status_code == 303


def test_a_callback_without_login_or_replayed_signs_nobody_in(client, fc):
    response = client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    assert response.location == "/connexion"
    assert fc.calls[-1][2] is None  # nothing stored: the client refuses it
    start_login(client)
    fc.answer = sophie()
    client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    assert fc.calls[-1][2] is None  # the state was used once


def test_unknown_sub_starts_the_first_connection_with_the_franceconnect_name(client, fc):
    start_login(client)
    fc.answer = sophie()
    response = client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    assert response.location == "/franceconnect/premiere-connexion"
    page = client.get("/franceconnect/premiere-connexion").text
    assert "Sophie Marie Moreau" in page
    assert "Étape 1 sur 3" in page


def test_first_connection_matches_the_usage_name_and_a_second_first_name(client, fc, app):
    start_login(client)
    fc.answer = sophie()
    client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    response = client.post("/franceconnect/premiere-connexion", data={"telephone": "0612345678"})
    assert response.status_code == 303
    assert response.location == "/franceconnect/premiere-connexion/code"


def test_first_connection_with_an_unknown_phone(client, fc):
    start_login(client)
    fc.answer = sophie()
    client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    response = client.post("/franceconnect/premiere-connexion", data={"telephone": "0699887766"})
    assert response.status_code == 422
    assert "Nous ne trouvons pas de responsable" in response.text


def test_first_connection_steps_need_a_franceconnect_identity(client, fc):
    for path in ("", "/code", "/enfants"):
        response = client.get("/franceconnect/premiere-connexion" + path)
        assert response.status_code == 303
        assert response.location in ("/connexion", "/franceconnect/premiere-connexion")


def test_a_linked_sub_signs_in_straight_away(client, fc, store):
    account = link_sophie_to_franceconnect(store)
    assert account["method"] == "franceconnect" and account["password_hash"] is None
    start_login(client)
    fc.answer = sophie()
    response = client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    assert response.location == "/mes-services"
    assert "Léa" in client.get("/mes-services").text


def test_linking_an_existing_account_keeps_it(store, fc):
    with store.reading() as tx:
        family = accounts.find_responsables(tx, "+33612345678", "Lefèvre-D'Almeida", "Sophie")
    ids = [r["id"] for r in family]
    with store.writing() as tx:
        existing = accounts.create_account(
            tx,
            ids,
            "Sophie",
            "Lefèvre-D'Almeida",
            "+33612345678",
            "hash",
            "auto-inscription",
            Clock().now(),
        )
    with store.writing() as tx:
        linked = accounts.activate_with_franceconnect(
            tx, ids, "Sophie", "Lefèvre-D'Almeida", "+33612345678", sophie().sub, Clock().now()
        )
    assert linked["id"] == existing["id"] and linked["identifier"] == existing["identifier"]
    assert linked["method"] == "auto-inscription"
    with store.reading() as tx:
        assert accounts.find_by_franceconnect_sub(tx, sophie().sub)["id"] == existing["id"]
    with pytest.raises(accounts.AccountExists), store.writing() as tx:
        accounts.activate_with_franceconnect(
            tx, ids, "Sophie", "X", "+33612345678", "b" * 64 + "v1", Clock().now()
        )


def signed_in_with_franceconnect(client, fc, store):
    link_sophie_to_franceconnect(store)
    start_login(client)
    fc.answer = sophie()
    client.get("/franceconnect/callback?code=x&state=" + "s" * 64)


def test_logout_goes_through_franceconnect_and_checks_the_state(client, fc, store):
    signed_in_with_franceconnect(client, fc, store)
    response = client.post("/deconnexion")
    assert response.location.startswith("https://fc.example/session/end")
    _, id_token, state, back = fc.calls[-1]
    assert id_token == "raw.id.token"
    assert re.fullmatch(r"[0-9a-zs]{64}", state)
    assert back == "http://localhost/franceconnect/logout-callback"
    # Signed out here at once, before FranceConnect calls back (or if it never does).
    assert client.get("/mes-services").status_code == 303
    done = client.get(f"/franceconnect/logout-callback?state={state}")
    assert done.location == "/connexion"
    assert "Vous êtes déconnecté." in client.get("/connexion").text
    assert client.get("/mes-services").status_code == 303

    # A forged or stale callback signs no one out.
    signed_in_with_franceconnect(client, fc, store)
    forged = client.get("/franceconnect/logout-callback?state=" + "x" * 64)
    assert forged.location == "/mes-services"
    page = html.unescape(client.get("/mes-services").text)
    assert "La déconnexion n'a pas pu être confirmée" in page


def test_a_cookie_copied_before_a_franceconnect_logout_is_refused_at_once(app, client, fc, store):
    signed_in_with_franceconnect(client, fc, store)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/mes-services").status_code == 200
    client.post("/deconnexion")  # the parent closes the tab on FranceConnect's page
    assert copied.get("/mes-services").status_code == 303


def test_franceconnect_unreachable_at_login(client, fc):
    def down(*args):
        raise FranceConnectError("unavailable", "discovery failed")

    fc.authorization_url = down
    response = client.post("/franceconnect/login")
    assert response.location == "/connexion"
    assert "momentanément indisponible" in client.get("/connexion").text


def test_the_login_needs_a_post_with_csrf(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.get("/franceconnect/login").status_code == 405
    assert client.post("/franceconnect/login").status_code == 400


def test_messages_are_french(fc):
    assert set(franceconnect.FAILURES) == {"cancelled", "unavailable", "invalid"}


def test_an_account_blocked_by_the_school_is_not_signed_in(client, fc, store):
    account = link_sophie_to_franceconnect(store)
    with store.writing() as tx:
        tx.update(accounts.ACCOUNTS, account["id"], {"state": "bloqué"})
    start_login(client)
    fc.answer = sophie()
    response = client.get("/franceconnect/callback?code=x&state=" + "s" * 64)
    assert response.location == "/connexion"
    assert "Votre compte ÉduConnect est bloqué" in html.unescape(client.get("/connexion").text)
    assert client.get("/mes-services").status_code == 303
