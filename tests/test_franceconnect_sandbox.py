"""The FranceConnect sandbox (sandboxes/franceconnect): discovery, JWKS, authorize checks, the
identity page, the code flow, userinfo, logout, and each misbehave switch."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import re
import secrets
import time
import unicodedata
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import ECKey, KeySet, OctKey
from joserfc.jwt import JWTClaimsRegistry

from sandboxes.franceconnect import SandboxConfigError, create_sandbox, misbehave
from sandboxes.franceconnect.identities import claims_for, load, pairwise_sub
from tests.markup import elements, texts

ROOT = Path(__file__).resolve().parents[1]
APP_URL = "http://127.0.0.1:5000"
REDIRECT_URI = f"{APP_URL}/franceconnect/callback"
LOGOUT_URI = f"{APP_URL}/franceconnect/logout-callback"
ISSUER = "http://localhost/api/v2"  # the test client's host
CLIENT_ID = "teleservices-sandbox"
CLIENT_SECRET = "sandbox-secret-not-for-production"
SCOPE = "openid given_name family_name birthdate email preferred_username"
SOPHIE = "sophie-lefevre-dalmeida"
SUB = re.compile(r"^[0-9a-f]{64}v1$")


class Clock:
    """The sandbox's clock, moved by hand; it starts at the real time so that joserfc's own
    checks of `exp` agree with it."""

    def __init__(self):
        self.moment = time.time()

    def __call__(self) -> float:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += seconds


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_sandbox(clock):
    def make(**config):
        return create_sandbox({"TESTING": True, "APP_URL": APP_URL, "CLOCK": clock, **config})

    return make


@pytest.fixture
def sandbox(make_sandbox):
    return make_sandbox()


@pytest.fixture
def client(sandbox):
    return sandbox.test_client()


def authorize_params(**changes) -> dict:
    """A valid authorize request; a change to None removes that parameter."""
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": SCOPE,
        "state": secrets.token_hex(32),
        "nonce": secrets.token_hex(32),
        "acr_values": "eidas1",
    }
    params.update(changes)
    return {name: value for name, value in params.items() if value is not None}


def query(response) -> dict:
    location = response.headers["Location"]
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def login(client, identity=SOPHIE, **changes) -> tuple[str, dict]:
    """Choose `identity` on the sandbox's page: the code and the authorize parameters."""
    params = authorize_params(**changes)
    response = client.post("/api/v2/authorize", data={**params, "identity": identity})
    assert response.status_code == 302, response.text
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    answer = query(response)
    assert answer["state"] == params["state"]
    return answer["code"], params


def exchange(client, authorization_code, **changes):
    data = {
        "grant_type": "authorization_code",
        "code": authorization_code,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        **changes,
    }
    return client.post("/api/v2/token", data={k: v for k, v in data.items() if v is not None})


def tokens(client, identity=SOPHIE, **changes) -> tuple[dict, dict]:
    code, params = login(client, identity, **changes)
    response = exchange(client, code)
    assert response.status_code == 200, response.text
    return response.json, params


def jwks(client) -> KeySet:
    return KeySet.import_key_set(client.get("/api/v2/jwks").json)


def verified(client, token: str, **expected) -> dict:
    """The claims of `token` once its ES256 signature is checked against the sandbox's JWKS
    and the claims given are checked (exp with joserfc's own clock)."""
    decoded = jwt.decode(token, jwks(client), algorithms=["ES256"])
    registry = JWTClaimsRegistry(
        **{name: {"essential": True, "value": value} for name, value in expected.items()}
    )
    registry.validate(decoded.claims)
    return dict(decoded.claims)


def header(token: str) -> dict:
    first = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)))


def unverified_claims(token: str) -> dict:
    second = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(second + "=" * (-len(second) % 4)))


def userinfo(client, access_token):
    return client.get("/api/v2/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def logout(client, id_token, **changes):
    params = {
        "id_token_hint": id_token,
        "state": secrets.token_hex(32),
        "post_logout_redirect_uri": LOGOUT_URI,
        **changes,
    }
    params = {k: v for k, v in params.items() if v is not None}
    return client.get("/api/v2/session/end", query_string=params), params


def assert_error_page(response, *words):
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.mimetype == "text/html"
    assert texts(response.text, "h1") == ["Demande refusée"]
    for word in words:
        assert word in response.text


# -- Discovery and keys ---------------------------------------------------------------------


def test_discovery_document(client):
    document = client.get("/api/v2/.well-known/openid-configuration").json
    assert document["issuer"] == ISSUER
    for name, path in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("end_session_endpoint", "/session/end"),
    ]:
        assert document[name] == ISSUER + path
    assert document["response_types_supported"] == ["code"]
    assert document["id_token_signing_alg_values_supported"] == ["ES256"]
    assert document["userinfo_signing_alg_values_supported"] == ["ES256"]
    assert document["token_endpoint_auth_methods_supported"] == ["client_secret_post"]
    assert document["acr_values_supported"] == ["eidas1"]
    assert {"openid", "profile", "identite_pivot", "birth", "email"} <= set(
        document["scopes_supported"]
    )
    assert {"sub", "given_name", "family_name", "preferred_username", "birthdate", "gender"} <= set(
        document["claims_supported"]
    )
    assert {"birthplace", "birthcountry", "email"} <= set(document["claims_supported"])
    # Authlib's checks of an OpenID provider's metadata, but the one that wants RS256 offered
    # too (OpenID Connect Discovery §3): FranceConnect's sandbox signs ES256 only.
    metadata = OpenIDProviderMetadata(document)
    skipped = "validate_id_token_signing_alg_values_supported"
    for name in dir(metadata):
        if name.startswith("validate_") and name != skipped:
            getattr(metadata, name)()


def test_issuer_follows_the_host_served_unless_set(make_sandbox):
    served = make_sandbox().test_client()
    document = served.get(
        "/api/v2/.well-known/openid-configuration", base_url="http://127.0.0.1:5001"
    ).json
    assert document["issuer"] == "http://127.0.0.1:5001/api/v2"
    assert document["token_endpoint"] == "http://127.0.0.1:5001/api/v2/token"

    fixed = make_sandbox(ISSUER="http://127.0.0.1:7000/api/v2/").test_client()
    document = fixed.get("/api/v2/.well-known/openid-configuration").json
    assert document["issuer"] == "http://127.0.0.1:7000/api/v2"


def test_jwks_publishes_one_public_es256_key_with_a_kid(client):
    keys = client.get("/api/v2/jwks").json["keys"]
    assert len(keys) == 1
    key = keys[0]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert key["kid"]
    assert "d" not in key


def test_each_start_has_its_own_key_unless_a_key_file_is_set(make_sandbox, tmp_path):
    first = make_sandbox().test_client().get("/api/v2/jwks").json["keys"][0]["kid"]
    second = make_sandbox().test_client().get("/api/v2/jwks").json["keys"][0]["kid"]
    assert first != second

    key_file = tmp_path / "keys" / "fc-signing-key.json"
    created = make_sandbox(SIGNING_KEY_FILE=str(key_file)).test_client()
    assert key_file.exists()
    reused = make_sandbox(SIGNING_KEY_FILE=str(key_file)).test_client()
    assert created.get("/api/v2/jwks").json == reused.get("/api/v2/jwks").json

    pem_file = tmp_path / "key.pem"
    pem_key = ECKey.generate_key("P-256")
    pem_file.write_bytes(pem_key.as_pem(private=True))
    from_pem = make_sandbox(SIGNING_KEY_FILE=str(pem_file)).test_client()
    assert from_pem.get("/api/v2/jwks").json["keys"][0]["kid"] == pem_key.thumbprint()


# -- Authorize ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"client_id": None}, ["client_id est absent"]),
        ({"client_id": "inconnu"}, ["« inconnu » n&#39;est pas enregistré"]),
        ({"redirect_uri": None}, ["redirect_uri est absent"]),
        ({"redirect_uri": "https://evil.example/callback"}, ["ne correspond pas exactement"]),
        ({"redirect_uri": REDIRECT_URI + "/"}, ["ne correspond pas exactement"]),
        ({"redirect_uri": REDIRECT_URI + "?next=/"}, ["ne correspond pas exactement"]),
        ({"redirect_uri": REDIRECT_URI.replace("127.0.0.1", "localhost")}, ["redirect_uri"]),
    ],
)
def test_authorize_never_redirects_to_an_unchecked_address(client, changes, words):
    response = client.get("/api/v2/authorize", query_string=authorize_params(**changes))
    assert_error_page(response, *words)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": None}, "unsupported_response_type"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"scope": None}, "invalid_scope"),
        ({"scope": "given_name family_name"}, "invalid_scope"),
        ({"scope": "openid phone"}, "invalid_scope"),
        ({"nonce": None}, "invalid_request"),
        ({"nonce": "abc123"}, "invalid_request"),
        ({"acr_values": None}, "invalid_request"),
        ({"acr_values": "eidas2"}, "invalid_request"),
        ({"state": "short-state"}, "invalid_request"),
    ],
)
def test_authorize_sends_other_errors_back_with_the_state(client, changes, error):
    params = authorize_params(**changes)
    for method in (client.get, client.post):
        response = method("/api/v2/authorize", query_string=params)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(REDIRECT_URI + "?")
        answer = query(response)
        assert answer["error"] == error
        assert answer["state"] == params["state"]
        assert "code" not in answer


@pytest.mark.parametrize(
    "changes",
    [
        {"state": None},
        {"state": None, "nonce": None},
        {"state": None, "acr_values": None},
        {"state": None, "response_type": "token"},
    ],
)
def test_authorize_without_state_shows_the_error_instead(client, changes):
    response = client.get("/api/v2/authorize", query_string=authorize_params(**changes))
    assert_error_page(response, "Détail technique")


def test_authorize_refuses_a_repeated_parameter_on_a_page(client):
    params = authorize_params()
    response = client.get(
        "/api/v2/authorize", query_string=[*params.items(), ("scope", "openid email")]
    )
    assert_error_page(response, "une seule fois")


def test_identity_page_lists_the_test_identities(client):
    params = authorize_params()
    response = client.get("/api/v2/authorize", query_string=params)
    assert response.status_code == 200
    html = response.text
    assert elements(html, "html")[0]["lang"] == "fr"
    assert texts(html, "h1") == ["Choisissez une identité de test"]
    assert texts(html, "title") == ["Choisissez une identité de test — Bac à sable FranceConnect"]
    assert "<script" not in html and "<style" not in html and "style=" not in html
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]

    [form] = elements(html, "form")
    assert (form["method"], form["action"]) == ("post", "/api/v2/authorize")
    hidden = {field["name"]: field["value"] for field in elements(html, "input", type="hidden")}
    assert hidden == params

    identities = load(ROOT / "data" / "sandbox" / "franceconnect-identities.json")
    buttons = elements(html, "button", name="identity")
    assert [button["value"] for button in buttons] == list(identities)
    for button in buttons:
        assert elements(html, "p", id=button["aria-describedby"])
    labels = texts(html, "button")
    assert "Sophie Marie Moreau" in labels
    assert labels[-1] == "Annuler et revenir au service"
    assert elements(html, "button", name="cancel")


def test_the_stylesheet_is_served(client):
    with client.get("/static/sandbox.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"


def test_cancel_goes_back_with_access_denied_and_the_state(client):
    params = authorize_params()
    response = client.post("/api/v2/authorize", data={**params, "cancel": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    answer = query(response)
    assert answer["error"] == "access_denied"
    assert answer["error_description"]
    assert answer["state"] == params["state"]
    assert "code" not in answer


def test_an_unknown_identity_is_refused(client):
    response = client.post("/api/v2/authorize", data={**authorize_params(), "identity": "nobody"})
    assert_error_page(response, "identité de test n&#39;existe pas")


def test_a_posted_choice_is_checked_like_the_request(client):
    params = authorize_params(redirect_uri="https://evil.example/callback")
    response = client.post("/api/v2/authorize", data={**params, "identity": SOPHIE})
    assert_error_page(response, "ne correspond pas exactement")


# -- Identities data ------------------------------------------------------------------------


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def test_identities_are_the_demo_parents_plus_two_strangers():
    identities = load(ROOT / "data" / "sandbox" / "franceconnect-identities.json")
    with open(ROOT / "data" / "demo" / "roster.csv", encoding="utf-8") as file:
        parents = {
            (row["resp_nom"], row["resp_prenom"]) for row in csv.DictReader(file, delimiter=";")
        }

    def matches(identity, nom, prenom):
        names = {_folded(identity["family_name"]), _folded(identity.get("preferred_username", ""))}
        first_names = {_folded(name) for name in identity["given_name"].split()}
        return _folded(nom) in names and _folded(prenom) in first_names

    for nom, prenom in parents:
        assert [i for i in identities.values() if matches(i, nom, prenom)], (nom, prenom)
    strangers = [i for i in identities.values() if not any(matches(i, n, p) for n, p in parents)]
    assert len(strangers) == 2

    sophie = identities[SOPHIE]
    assert sophie["given_name"] == "Sophie Marie"
    assert sophie["preferred_username"] == "Lefèvre-D'Almeida"
    assert sophie["family_name"] != "Lefèvre-D'Almeida"
    for identity in identities.values():
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", identity["birthdate"])
        assert identity["gender"] in ("male", "female")
        assert re.fullmatch(r"\d{5}", identity["birthcountry"])
        birthplace = identity["birthplace"]
        assert birthplace == "" or re.fullmatch(r"\d[0-9AB]\d{3}", birthplace)
        assert (identity["birthplace"] == "") == (identity["birthcountry"] != "99100")
        assert "@" in identity["email"]


def test_scopes_release_their_claims():
    identity = {
        "id": "x",
        "given_name": "Karim",
        "family_name": "Benali",
        "birthdate": "1980-01-27",
        "gender": "male",
        "birthplace": "",
        "birthcountry": "99350",
        "email": "karim@example.net",
    }
    assert claims_for(identity, "openid") == {}
    assert set(claims_for(identity, "openid profile")) == {
        "given_name",
        "family_name",
        "birthdate",
        "gender",
    }
    assert set(claims_for(identity, "openid identite_pivot")) == {
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
    }
    assert claims_for(identity, "openid birth") == {"birthplace": "", "birthcountry": "99350"}
    assert claims_for(identity, "openid email gender") == {
        "email": "karim@example.net",
        "gender": "male",
    }
    with_usage_name = {**identity, "preferred_username": "Dupont"}
    assert claims_for(with_usage_name, "openid profile")["preferred_username"] == "Dupont"


# -- Code flow ------------------------------------------------------------------------------


def test_full_code_flow_gives_a_verifiable_id_token(client, clock):
    answer, params = tokens(client)
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == 60
    assert answer["scope"] == SCOPE
    assert answer["access_token"]
    assert "refresh_token" not in answer

    id_token = answer["id_token"]
    assert header(id_token)["alg"] == "ES256"
    assert header(id_token)["kid"] == client.get("/api/v2/jwks").json["keys"][0]["kid"]
    claims = verified(
        client, id_token, iss=ISSUER, aud=CLIENT_ID, nonce=params["nonce"], acr="eidas1"
    )
    assert SUB.match(claims["sub"])
    assert claims["iat"] == int(clock())
    assert claims["exp"] == claims["iat"] + 60
    assert claims["auth_time"] <= claims["iat"]
    assert "given_name" not in claims  # identity claims come from userinfo


def test_token_answer_is_not_cached(client):
    code, _ = login(client)
    response = exchange(client, code)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"


def test_sub_is_pairwise_and_stable(make_sandbox, client):
    first = verified(client, tokens(client)[0]["id_token"])["sub"]
    again = verified(client, tokens(client)[0]["id_token"])["sub"]
    other = verified(client, tokens(client, "karim-benali")[0]["id_token"])["sub"]
    assert first == again != other

    restarted = make_sandbox().test_client()  # a new signing key, the same SUB_SECRET
    assert verified(restarted, tokens(restarted)[0]["id_token"])["sub"] == first

    secret = "sandbox-pairwise-secret-not-for-production"
    per_client = hmac.new(secret.encode(), CLIENT_ID.encode(), hashlib.sha256).digest()
    expected = hmac.new(per_client, SOPHIE.encode(), hashlib.sha256).hexdigest() + "v1"
    assert first == expected == pairwise_sub(SOPHIE, CLIENT_ID, secret)

    other_secret = make_sandbox(SUB_SECRET="another").test_client()
    assert verified(other_secret, tokens(other_secret)[0]["id_token"])["sub"] != first
    assert pairwise_sub(SOPHIE, "another-client", secret) != first


def test_a_code_is_single_use_and_its_reuse_revokes_the_token(client):
    code, _ = login(client)
    first = exchange(client, code)
    assert first.status_code == 200
    assert userinfo(client, first.json["access_token"]).status_code == 200

    again = exchange(client, code)
    assert again.status_code == 400
    assert again.json["error"] == "invalid_grant"
    assert userinfo(client, first.json["access_token"]).status_code == 401


def test_a_code_lives_30_seconds(client, clock):
    code, _ = login(client)
    clock.advance(29)
    assert exchange(client, code).status_code == 200

    code, _ = login(client)
    clock.advance(30)
    response = exchange(client, code)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert "expired" in response.json["error_description"]


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"client_secret": "wrong"}, 400, "invalid_client"),
        ({"client_secret": None}, 400, "invalid_client"),
        ({"client_id": "inconnu"}, 400, "invalid_client"),
        ({"redirect_uri": REDIRECT_URI + "/"}, 400, "invalid_grant"),
        ({"redirect_uri": None}, 400, "invalid_grant"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
        ({"code": None}, 400, "invalid_request"),
        ({"grant_type": "refresh_token"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_refusals(client, changes, status, error):
    code, _ = login(client)
    response = exchange(client, code, **changes)
    assert response.status_code == status
    assert response.json["error"] == error
    assert "access_token" not in response.json


def test_token_accepts_client_secret_post_only(client):
    code, _ = login(client)
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = client.post(
        "/api/v2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code in (400, 401)
    assert response.json["error"] == "invalid_client"
    assert exchange(client, code).status_code == 200  # the code was not spent


# -- Userinfo -------------------------------------------------------------------------------


def test_userinfo_is_a_signed_jwt_with_the_granted_claims(client, clock):
    answer, _ = tokens(client)
    response = userinfo(client, answer["access_token"])
    assert response.status_code == 200
    assert response.mimetype == "application/jwt"
    assert header(response.text)["kid"] == header(answer["id_token"])["kid"]
    claims = verified(client, response.text, iss=ISSUER, aud=CLIENT_ID)
    id_claims = verified(client, answer["id_token"])
    assert claims["sub"] == id_claims["sub"]
    assert claims["iat"] == int(clock())
    assert claims["exp"] > claims["iat"]
    assert claims["given_name"] == "Sophie Marie"
    assert claims["family_name"] == "Moreau"
    assert claims["preferred_username"] == "Lefèvre-D'Almeida"
    assert claims["birthdate"] == "1984-05-12"
    assert claims["email"] == "sophie.lefevre-dalmeida@example.org"
    assert "gender" not in claims and "birthplace" not in claims  # not asked for


def test_userinfo_follows_the_scope_groups(client):
    answer, _ = tokens(client, "aminata-ndiaye", scope="openid identite_pivot")
    claims = verified(client, userinfo(client, answer["access_token"]).text)
    assert claims["given_name"] == "Aminata Awa"
    assert claims["gender"] == "female"
    assert claims["birthplace"] == ""
    assert claims["birthcountry"] == "99341"
    assert "email" not in claims


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic abc"])
def test_userinfo_refuses_a_missing_or_unknown_token(client, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v2/userinfo", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"]


def test_an_access_token_lives_60_seconds(client, clock):
    answer, _ = tokens(client)
    clock.advance(59)
    assert userinfo(client, answer["access_token"]).status_code == 200
    clock.advance(1)
    response = userinfo(client, answer["access_token"])
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


# -- Logout ---------------------------------------------------------------------------------


def test_session_end_goes_back_with_the_state(client, clock):
    answer, _ = tokens(client)
    clock.advance(3600)  # the ID token expired long ago: still a fine hint
    response, params = logout(client, answer["id_token"])
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGOUT_URI + "?")
    assert query(response) == {"state": params["state"]}


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"id_token_hint": None}, ["id_token_hint est absent"]),
        ({"state": None}, ["state est absent"]),
        ({"post_logout_redirect_uri": None}, ["post_logout_redirect_uri est absent"]),
        ({"post_logout_redirect_uri": "https://evil.example/"}, ["ne correspond pas"]),
        ({"post_logout_redirect_uri": LOGOUT_URI + "/"}, ["ne correspond pas"]),
        ({"id_token_hint": "not.a.jwt"}, ["pas un ID token signé"]),
        ({"client_id": "another-client"}, ["pas un ID token signé"]),
    ],
)
def test_session_end_refusals(client, changes, words):
    answer, _ = tokens(client)
    response, _ = logout(client, answer["id_token"], **changes)
    assert_error_page(response, *words)


def test_session_end_refuses_an_id_token_it_did_not_sign(client, make_sandbox):
    stranger = make_sandbox().test_client()
    answer, _ = tokens(stranger)
    response, _ = logout(client, answer["id_token"])
    assert_error_page(response, "pas un ID token signé")


@pytest.mark.parametrize(
    ("mode", "words"), [("wrong_aud", "pas été émis"), ("wrong_iss", "émetteur")]
)
def test_session_end_refuses_an_id_token_for_someone_else(make_sandbox, mode, words):
    client = make_sandbox(MISBEHAVE=mode).test_client()
    answer, _ = tokens(client)
    response, _ = logout(client, answer["id_token"])
    assert_error_page(response, words)


# -- Misbehave switches ---------------------------------------------------------------------


def id_token_of(make_sandbox, mode, **config):
    client = make_sandbox(MISBEHAVE=mode, **config).test_client()
    answer, params = tokens(client)
    return client, answer["id_token"], params


def test_misbehave_is_off_by_default(sandbox):
    assert sandbox.config["MISBEHAVE"] is None
    assert sandbox.config["TESTING_SWITCHES"] is False
    assert sandbox.config["SLOW_SECONDS"] == 10


def test_token_error(make_sandbox):
    client = make_sandbox(MISBEHAVE="token_error").test_client()
    code, _ = login(client)
    response = exchange(client, code)
    assert response.status_code == 500
    assert response.json["error"] == "server_error"


def test_token_slow(make_sandbox):
    client = make_sandbox(MISBEHAVE="token_slow", SLOW_SECONDS=0.3).test_client()
    code, _ = login(client)
    started = time.monotonic()
    response = exchange(client, code)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200


def test_bad_signature(make_sandbox):
    client, id_token, _ = id_token_of(make_sandbox, "bad_signature")
    assert header(id_token)["kid"] == client.get("/api/v2/jwks").json["keys"][0]["kid"]
    with pytest.raises(BadSignatureError):
        jwt.decode(id_token, jwks(client), algorithms=["ES256"])


@pytest.mark.parametrize(
    ("mode", "claim", "wrong"),
    [
        ("wrong_aud", "aud", misbehave.WRONG_AUD),
        ("wrong_iss", "iss", misbehave.WRONG_ISS),
        ("low_acr", "acr", "eidas0"),
        ("no_acr", "acr", None),
    ],
)
def test_signed_id_token_with_a_wrong_claim(make_sandbox, mode, claim, wrong):
    client, id_token, params = id_token_of(make_sandbox, mode)
    claims = verified(client, id_token, nonce=params["nonce"])  # the signature is right
    assert claims.get(claim) == wrong


def test_wrong_nonce(make_sandbox):
    client, id_token, params = id_token_of(make_sandbox, "wrong_nonce")
    claims = verified(client, id_token, iss=ISSUER, aud=CLIENT_ID, acr="eidas1")
    assert claims["nonce"] and claims["nonce"] != params["nonce"]


def test_expired(make_sandbox, clock):
    client, id_token, _ = id_token_of(make_sandbox, "expired")
    decoded = jwt.decode(id_token, jwks(client), algorithms=["ES256"])
    assert decoded.claims["exp"] < clock() - 300
    with pytest.raises(JoseError):
        JWTClaimsRegistry(leeway=60).validate(decoded.claims)


def test_alg_none(make_sandbox):
    client, id_token, params = id_token_of(make_sandbox, "alg_none")
    assert header(id_token)["alg"] == "none"
    assert id_token.endswith(".")
    assert unverified_claims(id_token)["nonce"] == params["nonce"]
    with pytest.raises(JoseError):
        jwt.decode(id_token, jwks(client), algorithms=["ES256"])


def test_hs256(make_sandbox):
    client, id_token, _ = id_token_of(make_sandbox, "hs256")
    assert header(id_token)["alg"] == "HS256"
    with pytest.raises(JoseError):
        jwt.decode(id_token, jwks(client), algorithms=["ES256"])
    decoded = jwt.decode(id_token, OctKey.import_key(CLIENT_SECRET), algorithms=["HS256"])
    assert decoded.claims["aud"] == CLIENT_ID


def test_userinfo_not_jwt(make_sandbox):
    client = make_sandbox(MISBEHAVE="userinfo_not_jwt").test_client()
    answer, _ = tokens(client)
    verified(client, answer["id_token"])  # the ID token is fine
    response = userinfo(client, answer["access_token"])
    assert response.mimetype == "application/json"
    assert response.json["given_name"] == "Sophie Marie"


def test_userinfo_bad_signature(make_sandbox):
    client = make_sandbox(MISBEHAVE="userinfo_bad_signature").test_client()
    answer, _ = tokens(client)
    verified(client, answer["id_token"])
    response = userinfo(client, answer["access_token"])
    assert response.mimetype == "application/jwt"
    with pytest.raises(BadSignatureError):
        jwt.decode(response.text, jwks(client), algorithms=["ES256"])


def test_every_switch_is_tested():
    tested = {
        "token_error",
        "token_slow",
        "bad_signature",
        "wrong_aud",
        "wrong_iss",
        "low_acr",
        "no_acr",
        "wrong_nonce",
        "expired",
        "alg_none",
        "hs256",
        "userinfo_not_jwt",
        "userinfo_bad_signature",
    }
    assert tested == set(misbehave.MODES)


def test_unknown_switch_stops_the_start(make_sandbox):
    with pytest.raises(SandboxConfigError, match="MISBEHAVE"):
        make_sandbox(MISBEHAVE="everything")


def test_run_time_switch_exists_only_with_testing_switches(make_sandbox):
    client = make_sandbox().test_client()
    assert client.post("/api/v2/_test/misbehave", data={"mode": "wrong_aud"}).status_code == 404
    code, _ = login(client)
    assert verified(client, exchange(client, code).json["id_token"], aud=CLIENT_ID)


def test_run_time_switch_changes_the_behaviour(make_sandbox):
    client = make_sandbox(TESTING_SWITCHES=True).test_client()
    response = client.post("/api/v2/_test/misbehave", data={"mode": "wrong_aud"})
    assert response.json == {"misbehave": "wrong_aud"}
    assert unverified_claims(tokens(client)[0]["id_token"])["aud"] == misbehave.WRONG_AUD

    response = client.post("/api/v2/_test/misbehave", json={"mode": "off"})
    assert response.json == {"misbehave": None}
    assert unverified_claims(tokens(client)[0]["id_token"])["aud"] == CLIENT_ID

    response = client.post("/api/v2/_test/misbehave", data={"mode": "everything"})
    assert response.status_code == 400


# -- Settings -------------------------------------------------------------------------------


def test_settings_come_from_sandbox_environment_variables(monkeypatch, clock):
    monkeypatch.setenv("SANDBOX_APP_URL", "http://127.0.0.1:8123/")
    monkeypatch.setenv("SANDBOX_MISBEHAVE", "no_acr")
    app = create_sandbox({"CLOCK": clock})
    assert app.config["REDIRECT_URI"] == "http://127.0.0.1:8123/franceconnect/callback"
    assert app.config["POST_LOGOUT_REDIRECT_URI"] == (
        "http://127.0.0.1:8123/franceconnect/logout-callback"
    )
    assert app.config["MISBEHAVE"] == "no_acr"


def test_client_settings(make_sandbox):
    client = make_sandbox(CLIENT_ID="autre-service", CLIENT_SECRET="s3cret").test_client()
    params = authorize_params(client_id="autre-service")
    response = client.post("/api/v2/authorize", data={**params, "identity": SOPHIE})
    code = query(response)["code"]
    answer = exchange(client, code, client_id="autre-service", client_secret="s3cret").json
    assert verified(client, answer["id_token"], aud="autre-service")


@pytest.mark.parametrize(
    "config",
    [{"APP_URL": "127.0.0.1:5000"}, {"CODE_LIFETIME": "soon"}, {"TESTING_SWITCHES": "maybe"}],
)
def test_bad_settings_stop_the_start(make_sandbox, config):
    with pytest.raises(SandboxConfigError):
        make_sandbox(**config)


def test_unknown_addresses_and_methods_answer_french_pages(client):
    response = client.get("/api/v2/nothing")
    assert response.status_code == 404
    assert texts(response.text, "h1") == ["Page introuvable"]
    response = client.get("/api/v2/token")
    assert response.status_code == 405
    assert texts(response.text, "h1") == ["Méthode non acceptée"]


def test_a_numeric_secret_from_the_environment_works(monkeypatch, clock):
    monkeypatch.setenv("SANDBOX_CLIENT_SECRET", "123456789")
    client = create_sandbox({"APP_URL": APP_URL, "CLOCK": clock}).test_client()
    code, _ = login(client)
    assert exchange(client, code, client_secret="123456789").status_code == 200


def test_index_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert texts(response.text, "h1") == ["Bac à sable FranceConnect"]
    assert f"{ISSUER}/.well-known/openid-configuration" in response.text
