"""The FranceConnect client against a tiny fake OpenID provider run in-process (its own thread,
its own port): discovery, JWKS, /token and /userinfo, whose answers each test sets. Test tokens
are signed here, with keys generated here."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from outside.franceconnect import FranceConnectClient, FranceConnectError, Identity

CLIENT_ID = "teleservices-client-id"
SECRET = "client-secret-that-must-never-leak-0123456789abcdef"
CODE = "authorization-code-that-must-never-leak"
ACCESS_TOKEN = "access-token-that-must-never-leak"
REDIRECT_URI = "http://localhost:5000/franceconnect/callback"
LOGOUT_URI = "http://localhost:5000/franceconnect/logout-callback"
STATE = "c0ffee" * 10 + "abcd"
NONCE = "5eed" * 16
SUB = "b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1"


def ec_key(kid: str) -> ECKey:
    return ECKey.generate_key("P-256", {"kid": kid, "use": "sig", "alg": "ES256"}, private=True)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


@dataclass
class FakeProvider:
    """What each endpoint answers is built from these fields at request time, so a test changes
    one field (a claim, a key, a whole route) and the rest stays a valid FranceConnect."""

    issuer: str
    base: str
    key: ECKey | RSAKey = field(default_factory=lambda: ec_key("key-1"))
    jwks: list | None = None  # public keys served; None: the signing key
    id_claims: dict = field(default_factory=dict)
    id_key: ECKey | RSAKey | None = None  # signs the ID token; None: `key`
    id_token: str | None = None  # a raw ID token, instead of one signed from id_claims
    userinfo_claims: dict = field(default_factory=dict)
    userinfo_key: ECKey | RSAKey | None = None
    metadata: dict = field(default_factory=dict)
    routes: dict = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    issued_id_tokens: list[str] = field(default_factory=list)

    def __post_init__(self):
        now = int(time.time())
        self.id_claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": SUB,
            "exp": now + 60,
            "iat": now,
            "nonce": NONCE,
            "acr": "eidas1",
            "amr": ["pwd"],
        }
        self.userinfo_claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": SUB,
            "exp": now + 60,
            "iat": now,
            "given_name": "Angela Claire Louise",
            "family_name": "DUBOIS",
            "preferred_username": "",
            "birthdate": "1962-08-24",
            "email": "wossewodda-3728@yopmail.com",
        }
        self.metadata = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/session/end",
            "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        }
        self.routes = {
            "/api/v2/.well-known/openid-configuration": self.discovery,
            "/api/v2/jwks": self.serve_jwks,
            "/api/v2/token": self.token,
            "/api/v2/userinfo": self.userinfo,
        }

    def sign(self, claims: dict, key=None, alg: str | None = None) -> str:
        key = key or self.key
        alg = alg or ("ES256" if isinstance(key, ECKey) else "RS256")
        header = {"alg": alg, "typ": "JWT"}
        if key.kid:
            header["kid"] = key.kid
        return jwt.encode(header, claims, key, algorithms=[alg])

    def count(self, path: str) -> int:
        return sum(1 for seen in self.seen if seen.path == f"/api/v2{path}")

    # The routes: each takes what was seen and returns (status, content type, body).

    def discovery(self, request: Seen):
        return 200, "application/json", json.dumps(self.metadata).encode()

    def serve_jwks(self, request: Seen):
        keys = self.jwks if self.jwks is not None else [self.key]
        body = {"keys": [key.as_dict(private=False) for key in keys]}
        return 200, "application/json", json.dumps(body).encode()

    def token(self, request: Seen):
        form = request.form
        if (
            form.get("grant_type") != "authorization_code"
            or form.get("code") != CODE
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != SECRET
            or form.get("redirect_uri") != REDIRECT_URI
        ):
            return 400, "application/json", b'{"error": "invalid_grant"}'
        id_token = self.id_token or self.sign(self.id_claims, self.id_key)
        self.issued_id_tokens.append(id_token)
        body = {
            "access_token": ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
            "scope": "openid given_name family_name birthdate email preferred_username",
        }
        return 200, "application/json", json.dumps(body).encode()

    def userinfo(self, request: Seen):
        if request.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return 401, "application/json", b'{"error": "invalid_token"}'
        token = self.sign(self.userinfo_claims, self.userinfo_key)
        return 200, "application/jwt; charset=utf-8", token.encode()


def serve(provider: FakeProvider, server: ThreadingHTTPServer) -> None:
    class Handler(BaseHTTPRequestHandler):
        def handle_one(self, method: str):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            url = urllib.parse.urlsplit(self.path)
            seen = Seen(
                method=method,
                path=url.path,
                headers=dict(self.headers.items()),
                form=dict(urllib.parse.parse_qsl(raw)),
            )
            provider.seen.append(seen)
            route = provider.routes.get(url.path)
            if route is None:
                status, content_type, body = 404, "text/plain", b"not found"
            else:
                status, content_type, body = route(seen)
            self.send_response(status)
            headers = {"Content-Type": content_type} if isinstance(content_type, str) else {}
            if isinstance(content_type, dict):
                headers = content_type
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.handle_one("GET")

        def do_POST(self):
            self.handle_one("POST")

        def log_message(self, *args):
            pass

    server.RequestHandlerClass = Handler
    server.serve_forever(poll_interval=0.05)


@pytest.fixture
def op():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    provider = FakeProvider(issuer=f"{base}/api/v2", base=base)
    thread = threading.Thread(target=serve, args=(provider, server), daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    server.server_close()


@pytest.fixture
def fc(op):
    return FranceConnectClient(op.issuer, CLIENT_ID, SECRET, timeout=2.0)


def callback(fc, query=None, expected_state=STATE, nonce=NONCE) -> Identity:
    if query is None:
        query = {"code": CODE, "state": STATE}
    return fc.identity_from_callback(query, expected_state, nonce, REDIRECT_URI)


def refused(kind: str, fc, **kwargs) -> FranceConnectError:
    """The callback fails with this kind, and its message holds no code, token or secret."""
    with pytest.raises(FranceConnectError) as info:
        callback(fc, **kwargs)
    error = info.value
    assert error.kind == kind, error.detail
    text = f"{error} {error.detail!r} {error!r}"
    for secret in (SECRET, CODE, ACCESS_TOKEN):
        assert secret not in text
    assert ".eyJ" not in text  # no JWT either
    return error


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- Authorization URL --------------------------------------------------------------------------


def test_state_and_nonce_are_64_hex_characters_and_new_each_time(fc):
    state, nonce = fc.new_state_and_nonce()
    other_state, other_nonce = fc.new_state_and_nonce()
    for value in (state, nonce):
        assert len(value) == 64
        int(value, 16)
        assert value == value.lower()
    assert len({state, nonce, other_state, other_nonce}) == 4


def test_authorization_url_parameters_and_endpoint_from_discovery(fc, op):
    op.metadata["authorization_endpoint"] = f"{op.base}/somewhere/else/authorize"
    state, nonce = fc.new_state_and_nonce()

    url = urllib.parse.urlsplit(fc.authorization_url(REDIRECT_URI, state, nonce))

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{op.base}/somewhere/else/authorize"
    params = urllib.parse.parse_qs(url.query, strict_parsing=True)
    assert params == {
        "response_type": ["code"],
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT_URI],
        "scope": ["openid given_name family_name birthdate email preferred_username"],
        "acr_values": ["eidas1"],
        "state": [state],
        "nonce": [nonce],
    }
    assert SECRET not in url.geturl()


def test_discovery_is_fetched_once_then_cached(fc, op):
    fc.authorization_url(REDIRECT_URI, STATE, NONCE)
    fc.authorization_url(REDIRECT_URI, STATE, NONCE)
    callback(fc)
    assert op.count("/.well-known/openid-configuration") == 1


def test_a_failed_discovery_is_unavailable_and_tried_again_next_time(fc, op):
    op.routes["/api/v2/.well-known/openid-configuration"] = lambda r: (500, "text/plain", b"")
    with pytest.raises(FranceConnectError) as info:
        fc.authorization_url(REDIRECT_URI, STATE, NONCE)
    assert info.value.kind == "unavailable"

    op.routes["/api/v2/.well-known/openid-configuration"] = op.discovery
    assert fc.authorization_url(REDIRECT_URI, STATE, NONCE).startswith(f"{op.issuer}/authorize?")
    assert op.count("/.well-known/openid-configuration") == 2


def test_discovery_with_another_issuer_is_refused(fc, op):
    op.metadata["issuer"] = "https://evil.example/api/v2"
    with pytest.raises(FranceConnectError) as info:
        fc.authorization_url(REDIRECT_URI, STATE, NONCE)
    assert info.value.kind == "unavailable"


# -- Happy path ---------------------------------------------------------------------------------


def test_happy_path_returns_the_identity_with_the_raw_id_token(fc, op):
    identity = callback(fc)

    assert identity == Identity(
        sub=SUB,
        given_name="Angela Claire Louise",
        family_name="DUBOIS",
        preferred_username=None,
        birthdate="1962-08-24",
        email="wossewodda-3728@yopmail.com",
        id_token=op.issued_id_tokens[0],
    )
    token_call = next(seen for seen in op.seen if seen.path == "/api/v2/token")
    assert token_call.method == "POST"
    assert token_call.form == {
        "grant_type": "authorization_code",
        "code": CODE,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
    }
    assert "Authorization" not in token_call.headers  # client_secret_post, not basic
    userinfo_call = next(seen for seen in op.seen if seen.path == "/api/v2/userinfo")
    assert userinfo_call.method == "GET"
    assert userinfo_call.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"


def test_usage_name_and_higher_eidas_level_and_aud_list_are_accepted(fc, op):
    op.userinfo_claims["preferred_username"] = "MARTIN"
    op.id_claims["acr"] = "eidas2"
    op.id_claims["aud"] = [CLIENT_ID, "another-audience"]
    op.id_claims["azp"] = CLIENT_ID
    identity = callback(fc)
    assert identity.preferred_username == "MARTIN"
    assert identity.family_name == "DUBOIS"


def test_rs256_tokens_are_accepted(fc, op):
    op.key = RSAKey.generate_key(2048, {"kid": "rsa-1", "use": "sig"}, private=True)
    assert callback(fc).sub == SUB


def test_keys_are_cached_between_logins(fc, op):
    callback(fc)
    callback(fc)
    assert op.count("/jwks") == 1


# -- State and callback errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"code": CODE},
        {"code": CODE, "state": ""},
        {"code": CODE, "state": "0" * 64},
        {"code": CODE, "state": STATE[:-1]},
        {"error": "access_denied", "state": "0" * 64},
    ],
    ids=["missing", "empty", "other", "shorter", "error-with-other-state"],
)
def test_missing_or_wrong_state_is_invalid_before_anything_else(fc, op, query):
    refused("invalid", fc, query=query)
    assert op.seen == []  # no discovery, no token request


def test_replay_without_a_stored_state_is_invalid(fc, op):
    refused("invalid", fc, expected_state=None)
    assert op.seen == []


def test_access_denied_is_cancelled(fc, op):
    refused(
        "cancelled",
        fc,
        query={"error": "access_denied", "error_description": "aborted", "state": STATE},
    )
    assert op.count("/token") == 0


@pytest.mark.parametrize("error", ["server_error", "temporarily_unavailable"])
def test_server_errors_are_unavailable(fc, error):
    refused("unavailable", fc, query={"error": error, "state": STATE})


@pytest.mark.parametrize("error", ["invalid_scope", "invalid_request", "unauthorized_client"])
def test_other_oauth_errors_are_invalid(fc, error):
    refused("invalid", fc, query={"error": error, "state": STATE})


def test_error_code_from_the_query_is_cleaned_for_the_logs(fc):
    error = refused("invalid", fc, query={"error": "bad\nINFO forged line", "state": STATE})
    assert "\n" not in error.detail


def test_missing_code_is_invalid(fc, op):
    refused("invalid", fc, query={"state": STATE})
    assert op.count("/token") == 0


def test_missing_nonce_is_invalid(fc, op):
    refused("invalid", fc, nonce=None)
    assert op.count("/token") == 0


# -- Token endpoint ------------------------------------------------------------------------------


def test_token_endpoint_500_is_unavailable(fc, op):
    op.routes["/api/v2/token"] = lambda r: (500, "text/html", b"<h1>oops</h1>")
    refused("unavailable", fc)


def test_token_endpoint_answer_that_is_not_json_is_unavailable(fc, op):
    op.routes["/api/v2/token"] = lambda r: (200, "text/html", b"<h1>maintenance</h1>")
    refused("unavailable", fc)


def test_token_endpoint_timeout_is_unavailable(op):
    fc = FranceConnectClient(op.issuer, CLIENT_ID, SECRET, timeout=0.5)
    fc.authorization_url(REDIRECT_URI, STATE, NONCE)  # discovery done before the slow part

    def slow(request):
        time.sleep(1.5)
        return op.token(request)

    op.routes["/api/v2/token"] = slow
    started = time.monotonic()
    refused("unavailable", fc)
    assert time.monotonic() - started < 1.4


def test_token_endpoint_connection_refused_is_unavailable(fc, op):
    op.metadata["token_endpoint"] = f"http://127.0.0.1:{free_port()}/api/v2/token"
    error = refused("unavailable", fc)
    assert "token" in error.detail


def test_token_endpoint_invalid_grant_is_invalid(fc, op):
    error = refused("invalid", fc, query={"code": "another-code", "state": STATE})
    assert "invalid_grant" in error.detail


def test_redirect_uri_must_be_the_same_in_the_token_call(fc):
    with pytest.raises(FranceConnectError) as info:
        fc.identity_from_callback({"code": CODE, "state": STATE}, STATE, NONCE, REDIRECT_URI + "/")
    assert info.value.kind == "invalid"


# -- ID token ------------------------------------------------------------------------------------


def test_id_token_with_a_bad_signature_is_invalid_after_one_jwks_refetch(fc, op):
    op.id_key = ec_key("key-1")  # same kid, another key
    refused("invalid", fc)
    assert op.count("/jwks") == 2


def test_id_token_with_an_unknown_kid_is_invalid_after_one_jwks_refetch(fc, op):
    op.id_key = ec_key("unknown-kid")
    refused("invalid", fc)
    assert op.count("/jwks") == 2


def test_jwks_rotation_refetches_the_keys_once_and_succeeds(fc, op):
    callback(fc)  # keys cached: key-1 only
    op.key = ec_key("key-2")
    op.jwks = [op.key]

    assert callback(fc).sub == SUB
    assert op.count("/jwks") == 2


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "another-client"),
        ("aud", ["another-client"]),
        ("azp", "another-client"),
        ("iss", "https://evil.example/api/v2"),
        ("exp", "2 minutes ago"),
        ("iat", "in 2 minutes"),
        ("nonce", "0" * 64),
        ("acr", "eidas0"),
        ("acr", "eidas"),
        ("acr", ""),
        ("sub", ""),
    ],
)
def test_id_token_with_a_wrong_claim_is_invalid(fc, op, claim, value):
    if value in ("2 minutes ago", "in 2 minutes"):  # relative to when the test runs
        value = int(time.time()) + (-120 if value == "2 minutes ago" else 120)
    op.id_claims[claim] = value
    refused("invalid", fc)


@pytest.mark.parametrize("claim", ["acr", "nonce", "exp", "iat", "sub", "aud", "iss"])
def test_id_token_without_a_required_claim_is_invalid(fc, op, claim):
    del op.id_claims[claim]
    refused("invalid", fc)


def test_exp_has_a_small_leeway(fc, op):
    op.id_claims["exp"] = int(time.time()) - 10
    assert callback(fc).sub == SUB


def test_alg_none_is_refused_before_any_key_is_fetched(fc, op):
    op.id_token = f"{b64({'alg': 'none', 'kid': 'key-1'})}.{b64(op.id_claims)}."
    refused("invalid", fc)
    assert op.count("/jwks") == 0


def test_hs256_signed_with_the_client_secret_is_refused_before_any_key_is_fetched(fc, op):
    op.id_token = jwt.encode(
        {"alg": "HS256"}, op.id_claims, OctKey.import_key(SECRET), algorithms=["HS256"]
    )
    refused("invalid", fc)
    assert op.count("/jwks") == 0


def test_other_algorithms_are_refused_even_with_a_key_in_the_jwks(fc, op):
    op.key = RSAKey.generate_key(2048, {"kid": "rsa-1", "use": "sig"}, private=True)
    op.id_token = op.sign(op.id_claims, alg="RS512")
    refused("invalid", fc)
    assert op.count("/jwks") == 0


def test_an_id_token_that_is_not_a_jwt_is_invalid(fc, op):
    op.id_token = "not-a-jwt"
    refused("invalid", fc)


# -- Userinfo ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda op: json.dumps(op.userinfo_claims), id="plain-json"),
        pytest.param(lambda op: op.sign(op.userinfo_claims), id="jwt"),
    ],
)
def test_userinfo_served_as_application_json_is_invalid(fc, op, body):
    """Plain JSON, or even a signed JWT, under application/json instead of application/jwt."""
    op.routes["/api/v2/userinfo"] = lambda r: (200, "application/json", body(op).encode())
    refused("invalid", fc)


def test_userinfo_jwt_with_another_sub_is_invalid(fc, op):
    op.userinfo_claims["sub"] = "someone-else-v1"
    refused("invalid", fc)


def test_userinfo_with_a_bad_signature_is_invalid(fc, op):
    op.userinfo_key = ec_key("key-1")
    refused("invalid", fc)
    assert op.count("/jwks") == 2


@pytest.mark.parametrize(
    ("claim", "value"),
    [("aud", "another-client"), ("iss", "https://evil.example/api/v2"), ("exp", -120)],
)
def test_userinfo_jwt_with_a_wrong_claim_is_invalid(fc, op, claim, value):
    op.userinfo_claims[claim] = int(time.time()) + value if claim == "exp" else value
    refused("invalid", fc)


def test_userinfo_without_family_name_is_invalid(fc, op):
    del op.userinfo_claims["family_name"]
    refused("invalid", fc)


def test_userinfo_refusing_the_token_is_invalid(fc, op):
    op.routes["/api/v2/userinfo"] = lambda r: (401, "application/json", b'{"error":"x"}')
    refused("invalid", fc)


def test_userinfo_down_is_unavailable(fc, op):
    op.routes["/api/v2/userinfo"] = lambda r: (503, "text/plain", b"down")
    refused("unavailable", fc)


def test_a_redirect_is_not_followed_with_the_bearer_token(fc, op):
    op.routes["/api/v2/userinfo"] = lambda r: (
        302,
        {"Location": f"{op.base}/elsewhere", "Content-Type": "text/plain"},
        b"",
    )
    refused("unavailable", fc)
    assert not [seen for seen in op.seen if seen.path == "/elsewhere"]


# -- Logout --------------------------------------------------------------------------------------


def test_logout_url_parameters(fc, op):
    identity = callback(fc)
    state, _ = fc.new_state_and_nonce()

    url = urllib.parse.urlsplit(fc.logout_url(identity.id_token, state, LOGOUT_URI))

    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{op.issuer}/session/end"
    assert urllib.parse.parse_qs(url.query, strict_parsing=True) == {
        "id_token_hint": [identity.id_token],
        "state": [state],
        "post_logout_redirect_uri": [LOGOUT_URI],
    }
