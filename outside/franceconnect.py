"""Our FranceConnect v2 client (a relying party): the authorization URL, the callback (state, code
for tokens, ID token and signed userinfo checked), and the logout URL.

The views call `FranceConnectClient`, built from the settings FRANCECONNECT_ISSUER,
FRANCECONNECT_CLIENT_ID and FRANCECONNECT_CLIENT_SECRET, so the same code talks to the sandbox,
FranceConnect's integration platform or production (see `franceconnect.md`). Every failure is a
`FranceConnectError` whose `kind` tells the view what to say; its `detail` is for the logs and
never holds a token, a code or the secret.

HTTP goes through the standard library (`urllib`), with the timeout on every call and redirects
refused (a redirect would carry the bearer token elsewhere). Times are checked against the real
clock (`time.time()`), never the app's clock, which a demo may set to another day.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

KINDS = ("cancelled", "unavailable", "invalid")

SCOPE = "openid given_name family_name birthdate email preferred_username"
ACR_VALUES = "eidas1"
# eidas1 is what we ask for; a higher level is at least as good.
ACCEPTED_ACR = frozenset({"eidas1", "eidas2", "eidas3"})
# Only these; "none", HS256 (a key anyone holding the client secret could use) and the rest are
# refused before any key is looked at.
ALGORITHMS = ("ES256", "RS256")
LEEWAY = 30  # seconds, for exp and iat
MAX_ANSWER_BYTES = 1024 * 1024

_REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri")
_UNAVAILABLE_ERRORS = frozenset({"server_error", "temporarily_unavailable"})


class FranceConnectError(Exception):
    """kind: "cancelled" (access_denied), "unavailable" (server_error, temporarily_unavailable,
    network error/timeout, bad HTTP answer, discovery failure), "invalid" (state mismatch, replay,
    any token or userinfo verification failure, other OAuth errors)."""

    def __init__(self, kind: str, detail: str):
        if kind not in KINDS:
            raise ValueError(f"unknown FranceConnectError kind: {kind!r}")
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class Identity:
    sub: str
    given_name: str
    family_name: str
    preferred_username: str | None
    birthdate: str | None
    email: str | None
    id_token: str  # raw ID token, kept for logout (id_token_hint)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx answer stays an answer (then refused as a bad HTTP answer): following it would send
    the bearer token or the form to wherever the Location points."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass(frozen=True)
class _Answer:
    status: int
    content_type: str  # media type only, lower case, without parameters
    body: bytes


class FranceConnectClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str, timeout: float = 5.0):
        self.issuer = issuer
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._jwks: KeySet | None = None

    def __repr__(self) -> str:  # never the secret
        return f"FranceConnectClient(issuer={self.issuer!r}, client_id={self.client_id!r})"

    # -- The login -----------------------------------------------------------------------------

    def new_state_and_nonce(self) -> tuple[str, str]:
        return secrets.token_hex(32), secrets.token_hex(32)

    def authorization_url(self, redirect_uri: str, state: str, nonce: str) -> str:
        endpoint = self._endpoint("authorization_endpoint")
        return _with_query(
            endpoint,
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "acr_values": ACR_VALUES,
                "state": state,
                "nonce": nonce,
            },
        )

    def identity_from_callback(
        self,
        query: Mapping[str, str],
        expected_state: str | None,
        nonce: str | None,
        redirect_uri: str,
    ) -> Identity:
        # 1. State before anything else: nothing stored means a replay or a forged callback.
        if not expected_state:
            raise FranceConnectError("invalid", "callback without a pending login (replay?)")
        state = query.get("state")
        if not state:
            raise FranceConnectError("invalid", "callback without state")
        if not _same(state, expected_state):
            raise FranceConnectError("invalid", "callback state does not match")

        # 2. An error FranceConnect sends back.
        error = query.get("error")
        if error:
            error_code = _safe_code(error)
            if error == "access_denied":
                raise FranceConnectError("cancelled", "user cancelled (access_denied)")
            if error in _UNAVAILABLE_ERRORS:
                raise FranceConnectError("unavailable", f"authorization error {error_code}")
            raise FranceConnectError("invalid", f"authorization error {error_code}")

        # 3. The code.
        code = query.get("code")
        if not code:
            raise FranceConnectError("invalid", "callback without code")
        if not nonce:
            raise FranceConnectError("invalid", "no nonce stored for this login")

        # 4. Code for tokens; 5. the ID token; 6. userinfo at once (the access token lives 60 s).
        access_token, id_token = self._tokens(code, redirect_uri)
        id_claims = self._verify_jwt(id_token, "ID token", require_iat=True)
        self._check_id_token_claims(id_claims, nonce)
        claims = self._userinfo(access_token, id_claims["sub"])
        return _identity(claims, id_claims["sub"], id_token)

    # -- The logout ----------------------------------------------------------------------------

    def logout_url(self, id_token: str, state: str, post_logout_redirect_uri: str) -> str:
        endpoint = self._endpoint("end_session_endpoint")
        return _with_query(
            endpoint,
            {
                "id_token_hint": id_token,
                "state": state,
                "post_logout_redirect_uri": post_logout_redirect_uri,
            },
        )

    # -- Discovery -----------------------------------------------------------------------------

    def _discovery(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            answer = self._get(url, "discovery", {"Accept": "application/json"})
            if answer.status != 200:
                raise FranceConnectError("unavailable", f"discovery: HTTP {answer.status}")
            metadata = _json_object(answer.body)
            if metadata is None:
                raise FranceConnectError("unavailable", "discovery: not a JSON object")
            if metadata.get("issuer") != self.issuer:
                raise FranceConnectError(
                    "unavailable",
                    f"discovery: issuer {str(metadata.get('issuer'))[:200]!r} "
                    f"is not the configured {self.issuer!r}",
                )
            for name in _REQUIRED_ENDPOINTS:
                if not _is_http_url(metadata.get(name)):
                    raise FranceConnectError("unavailable", f"discovery: no valid {name}")
            self._metadata = metadata  # cached only once valid: a failure is retried next time
        return self._metadata

    def _endpoint(self, name: str) -> str:
        url = self._discovery().get(name)
        if not _is_http_url(url):
            raise FranceConnectError("unavailable", f"discovery: no valid {name}")
        return url

    # -- Token endpoint ------------------------------------------------------------------------

    def _tokens(self, code: str, redirect_uri: str) -> tuple[str, str]:
        form = urllib.parse.urlencode(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            }
        ).encode("ascii")
        answer = self._request(
            urllib.request.Request(
                self._endpoint("token_endpoint"),
                data=form,
                method="POST",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
            ),
            "token endpoint",
        )
        body = _json_object(answer.body)
        if 400 <= answer.status < 500:
            error = body.get("error") if body else None
            raise FranceConnectError(
                "invalid",
                f"token endpoint: HTTP {answer.status}"
                + (f", error {_safe_code(error)}" if isinstance(error, str) else ""),
            )
        if answer.status != 200:
            raise FranceConnectError("unavailable", f"token endpoint: HTTP {answer.status}")
        if body is None:
            raise FranceConnectError("unavailable", "token endpoint: answer is not a JSON object")
        access_token = body.get("access_token")
        id_token = body.get("id_token")
        token_type = body.get("token_type")
        if not isinstance(access_token, str) or not access_token:
            raise FranceConnectError("invalid", "token endpoint: no access_token")
        if not isinstance(id_token, str) or not id_token:
            raise FranceConnectError("invalid", "token endpoint: no id_token")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise FranceConnectError("invalid", "token endpoint: token_type is not Bearer")
        return access_token, id_token

    # -- Userinfo ------------------------------------------------------------------------------

    def _userinfo(self, access_token: str, sub: str) -> dict[str, Any]:
        answer = self._get(
            self._endpoint("userinfo_endpoint"),
            "userinfo",
            {"Authorization": f"Bearer {access_token}", "Accept": "application/jwt"},
        )
        if 400 <= answer.status < 500:
            raise FranceConnectError("invalid", f"userinfo: HTTP {answer.status}")
        if answer.status != 200:
            raise FranceConnectError("unavailable", f"userinfo: HTTP {answer.status}")
        if answer.content_type != "application/jwt":
            raise FranceConnectError(
                "invalid", f"userinfo: content type {answer.content_type[:100]!r}, not a signed JWT"
            )
        try:
            token = answer.body.decode("ascii").strip()
        except UnicodeDecodeError:
            raise FranceConnectError("invalid", "userinfo: not a compact JWT") from None
        claims = self._verify_jwt(token, "userinfo", require_iat=False)
        if not isinstance(claims.get("sub"), str) or not _same(claims["sub"], sub):
            raise FranceConnectError("invalid", "userinfo: sub is not the ID token's")
        return claims

    # -- Signed tokens -------------------------------------------------------------------------

    def _verify_jwt(self, token: str, what: str, require_iat: bool) -> dict[str, Any]:
        """Signature (alg checked first, key from the JWKS, re-fetched once on failure), then
        iss, aud, azp, exp and iat. Returns the claims."""
        header = _header(token, what)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise FranceConnectError("invalid", f"{what}: algorithm {str(alg)[:20]!r} refused")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise FranceConnectError("invalid", f"{what}: bad kid")

        claims = self._verified_claims(token, alg, kid, self._keys(refresh=False))
        if claims is None:  # FranceConnect may have rotated its keys: ask again, once.
            claims = self._verified_claims(token, alg, kid, self._keys(refresh=True))
        if claims is None:
            raise FranceConnectError("invalid", f"{what}: signature not verified by any JWKS key")
        self._check_common_claims(claims, what, require_iat)
        return claims

    def _verified_claims(
        self, token: str, alg: str, kid: str | None, keys: KeySet
    ) -> dict[str, Any] | None:
        for key in _candidate_keys(keys, alg, kid):
            try:
                return dict(jwt.decode(token, key, algorithms=[alg]).claims)
            except (JoseError, ValueError, TypeError):
                continue
        return None

    def _keys(self, refresh: bool) -> KeySet:
        if self._jwks is None or refresh:
            answer = self._get(self._endpoint("jwks_uri"), "JWKS", {"Accept": "application/json"})
            if answer.status != 200:
                raise FranceConnectError("unavailable", f"JWKS: HTTP {answer.status}")
            data = _json_object(answer.body)
            if data is None or not isinstance(data.get("keys"), list):
                raise FranceConnectError("unavailable", "JWKS: not a key set")
            keys = []
            for item in data["keys"]:
                # Only public signing keys we can use; others (enc, unknown types) are skipped.
                if not isinstance(item, dict) or item.get("use", "sig") != "sig":
                    continue
                if item.get("kty") not in ("EC", "RSA") or "d" in item:
                    continue
                key_class = ECKey if item["kty"] == "EC" else RSAKey
                try:
                    keys.append(key_class.import_key(item))
                except (JoseError, ValueError, TypeError, KeyError):
                    continue
            self._jwks = KeySet(keys)
        return self._jwks

    def _check_common_claims(self, claims: dict[str, Any], what: str, require_iat: bool) -> None:
        now = time.time()
        if claims.get("iss") != self._discovery()["issuer"]:
            raise FranceConnectError("invalid", f"{what}: iss is not the issuer")
        aud = claims.get("aud")
        if isinstance(aud, str):
            audience_ok = aud == self.client_id
        elif isinstance(aud, list):
            audience_ok = self.client_id in aud
        else:
            audience_ok = False
        if not audience_ok:
            raise FranceConnectError("invalid", f"{what}: aud is not our client_id")
        if "azp" in claims and claims["azp"] != self.client_id:
            raise FranceConnectError("invalid", f"{what}: azp is not our client_id")
        exp = claims.get("exp")
        if not _is_number(exp):
            raise FranceConnectError("invalid", f"{what}: no exp")
        if exp < now - LEEWAY:
            raise FranceConnectError("invalid", f"{what}: expired")
        iat = claims.get("iat")
        if iat is None and require_iat:
            raise FranceConnectError("invalid", f"{what}: no iat")
        if iat is not None and (not _is_number(iat) or iat > now + LEEWAY):
            raise FranceConnectError("invalid", f"{what}: iat in the future or not a number")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise FranceConnectError("invalid", f"{what}: no sub")

    def _check_id_token_claims(self, claims: dict[str, Any], nonce: str) -> None:
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not _same(token_nonce, nonce):
            raise FranceConnectError("invalid", "ID token: nonce does not match")
        acr = claims.get("acr")
        if acr not in ACCEPTED_ACR:
            raise FranceConnectError("invalid", f"ID token: acr {str(acr)[:20]!r} is not eidas1+")

    # -- HTTP ----------------------------------------------------------------------------------

    def _get(self, url: str, what: str, headers: dict[str, str]) -> _Answer:
        return self._request(urllib.request.Request(url, headers=headers, method="GET"), what)

    def _request(self, request: urllib.request.Request, what: str) -> _Answer:
        """Any answer with its status (4xx and 5xx included); a network failure, a timeout or an
        answer too large is "unavailable"."""
        try:
            try:
                response = _opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as error:
                response = error  # an answer all the same: the caller judges its status
            with response:
                body = response.read(MAX_ANSWER_BYTES + 1)
                status = response.status if response.status is not None else response.code
                content_type = response.headers.get_content_type() if response.headers else ""
        except TimeoutError:
            raise FranceConnectError("unavailable", f"{what}: timeout") from None
        except urllib.error.URLError as error:
            reason = error.reason
            kind = "timeout" if isinstance(reason, TimeoutError) else "network error"
            raise FranceConnectError(
                "unavailable", f"{what}: {kind} ({type(reason).__name__})"
            ) from None
        except (OSError, HTTPException, ValueError) as error:
            raise FranceConnectError(
                "unavailable", f"{what}: network error ({type(error).__name__})"
            ) from None
        if len(body) > MAX_ANSWER_BYTES:
            raise FranceConnectError("unavailable", f"{what}: answer too large")
        return _Answer(status=status, content_type=content_type.lower(), body=body)


# -- Helpers -----------------------------------------------------------------------------------


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _safe_code(value: object) -> str:
    """An OAuth error code fit for a log line (the callback's query is anyone's to write)."""
    text = re.sub(r"[^A-Za-z0-9_.\-]", "?", str(value))[:64]
    return text or "?"


def _with_query(endpoint: str, params: dict[str, str]) -> str:
    separator = "&" if urllib.parse.urlsplit(endpoint).query else "?"
    return endpoint + separator + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def _is_http_url(value: object) -> bool:
    return isinstance(value, str) and urllib.parse.urlsplit(value).scheme in ("http", "https")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _header(token: str, what: str) -> dict[str, Any]:
    """The JWS protected header, read without any key so the algorithm is judged first."""
    parts = token.split(".")
    if len(parts) != 3:
        raise FranceConnectError("invalid", f"{what}: not a compact JWS")
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise FranceConnectError("invalid", f"{what}: unreadable header") from None
    if not isinstance(header, dict):
        raise FranceConnectError("invalid", f"{what}: unreadable header")
    return header


def _candidate_keys(keys: KeySet, alg: str, kid: str | None) -> list:
    """The keys that may have signed: same kid when the token names one, and the key type the
    algorithm needs (an EC P-256 key for ES256, an RSA key for RS256)."""
    found = []
    for key in keys:
        if kid is not None and key.kid != kid:
            continue
        if key.alg not in (None, alg):
            continue
        es256 = isinstance(key, ECKey) and key.get("crv") == "P-256"
        if (alg == "ES256" and es256) or (alg == "RS256" and isinstance(key, RSAKey)):
            found.append(key)
    return found


def _identity(claims: dict[str, Any], sub: str, id_token: str) -> Identity:
    given_name = claims.get("given_name")
    family_name = claims.get("family_name")
    if not isinstance(given_name, str):
        raise FranceConnectError("invalid", "userinfo: no given_name")
    if not isinstance(family_name, str) or not family_name.strip():
        raise FranceConnectError("invalid", "userinfo: no family_name")
    return Identity(
        sub=sub,
        given_name=given_name,
        family_name=family_name,
        preferred_username=_optional_text(claims.get("preferred_username")),
        birthdate=_optional_text(claims.get("birthdate")),
        email=_optional_text(claims.get("email")),
        id_token=id_token,
    )


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
