"""Test-only switches: make the sandbox misbehave ON PURPOSE, so the tests of our FranceConnect
client can check it refuses what it must. Off by default; set with the MISBEHAVE setting, or at
run time with POST /api/v2/_test/misbehave (mode=…, empty or "off" to stop) when the setting
TESTING_SWITCHES is true. Everything that misbehaves is in this module."""

from __future__ import annotations

import base64
import json
import secrets
import time

from flask import Blueprint, Flask, abort, current_app, jsonify, request
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey

MODES = {
    "token_error": "/token answers 500 server_error instead of a token",
    "token_slow": "/token waits SLOW_SECONDS (10 s by default) before answering",
    "bad_signature": "ID token signed by another key, under the JWKS key's kid",
    "wrong_aud": "ID token for another client (aud)",
    "wrong_iss": "ID token from another issuer (iss)",
    "expired": "ID token expired 6 minutes ago (exp, iat, auth_time moved back)",
    "wrong_nonce": "ID token with a nonce other than the one of the authorize request",
    "alg_none": "ID token unsigned (alg none)",
    "hs256": "ID token signed HS256 with the client secret",
    "no_acr": "ID token without acr",
    "low_acr": "ID token with acr eidas0, below eidas1",
    "userinfo_not_jwt": "/userinfo answers plain JSON instead of a signed JWT",
    "userinfo_bad_signature": "/userinfo JWT signed by another key, under the JWKS key's kid",
}
OFF = (None, "", "off", "none")

WRONG_AUD = "un-autre-fournisseur-de-service"
WRONG_ISS = "https://imposteur.example/api/v2"
LOW_ACR = "eidas0"


def check_mode(value) -> str | None:
    if value in OFF:
        return None
    if value not in MODES:
        raise ValueError(f"MISBEHAVE inconnu : {value!r} (valeurs : {', '.join(MODES)}).")
    return value


def mode() -> str | None:
    return current_app.extensions["franceconnect_sandbox"].misbehave


def before_token():
    """An answer instead of the token, or None to go on (maybe late)."""
    if mode() == "token_error":
        body = {"error": "server_error", "error_description": "Misbehaving on purpose (test)."}
        return jsonify(body), 500
    if mode() == "token_slow":
        time.sleep(current_app.config["SLOW_SECONDS"])
    return None


def sign_id_token(claims: dict) -> str:
    sandbox = current_app.extensions["franceconnect_sandbox"]
    current = mode()
    claims = dict(claims)
    if current == "wrong_aud":
        claims["aud"] = WRONG_AUD
    elif current == "wrong_iss":
        claims["iss"] = WRONG_ISS
    elif current == "expired":
        for name in ("iat", "auth_time", "exp"):
            claims[name] -= 360 + current_app.config["ID_TOKEN_LIFETIME"]
    elif current == "wrong_nonce":
        claims["nonce"] = secrets.token_hex(32)
    elif current == "no_acr":
        claims.pop("acr", None)
    elif current == "low_acr":
        claims["acr"] = LOW_ACR
    elif current == "alg_none":
        return _unsigned(claims)
    elif current == "hs256":
        secret = OctKey.import_key(current_app.config["CLIENT_SECRET"])
        return jwt.encode({"alg": "HS256"}, claims, secret, algorithms=["HS256"])
    elif current == "bad_signature":
        return _forged(claims, sandbox.signing_key.kid)
    return sandbox.signing_key.sign(claims)


def userinfo_answer(claims: dict) -> tuple[str, str]:
    """The body and media type of /userinfo."""
    sandbox = current_app.extensions["franceconnect_sandbox"]
    if mode() == "userinfo_not_jwt":
        return json.dumps(claims), "application/json"
    if mode() == "userinfo_bad_signature":
        return _forged(claims, sandbox.signing_key.kid), "application/jwt"
    return sandbox.signing_key.sign(claims), "application/jwt"


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _forged(claims: dict, kid: str) -> str:
    stranger = ECKey.generate_key("P-256")
    return jwt.encode({"alg": "ES256", "kid": kid}, claims, stranger, algorithms=["ES256"])


switches = Blueprint("franceconnect_sandbox_switches", __name__)


@switches.post("/api/v2/_test/misbehave")
def set_misbehave():
    sandbox = current_app.extensions["franceconnect_sandbox"]
    if not current_app.config["TESTING_SWITCHES"]:
        abort(404)
    value = request.values.get("mode")
    if value is None and request.is_json:
        value = (request.get_json(silent=True) or {}).get("mode")
    try:
        sandbox.misbehave = check_mode(value)
    except ValueError as error:
        return jsonify(error="invalid_request", error_description=str(error)), 400
    return jsonify(misbehave=sandbox.misbehave)


def register(app: Flask) -> None:
    """The run-time switch exists only when TESTING_SWITCHES is true."""
    if app.config["TESTING_SWITCHES"]:
        app.register_blueprint(switches)
