"""Authlib's server side wired for the sandbox: the one registered client, the authorization-code
grant with the OpenID Connect extension, bearer tokens for /userinfo, RP-initiated logout."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import current_app, request

from . import misbehave
from .identities import SCOPES, pairwise_sub
from .keys import ALG, SigningKey
from .store import AccessToken, AuthorizationCode, Memory

ACR = "eidas1"
# FranceConnect refuses short values (its own tests: "nonce too short"); so do we.
MIN_STATE_NONCE_LENGTH = 32


class Client(ClientMixin):
    """The one service provider registered at the sandbox: Téléservices."""

    def __init__(self, config: dict):
        self.client_id = config["CLIENT_ID"]
        self.client_secret = config["CLIENT_SECRET"]
        self.redirect_uri = config["REDIRECT_URI"]
        self.client_metadata = {
            "redirect_uris": [self.redirect_uri],
            "post_logout_redirect_uris": [config["POST_LOGOUT_REDIRECT_URI"]],
            "token_endpoint_auth_method": "client_secret_post",
        }

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None  # redirect_uri is required, as at FranceConnect

    def get_allowed_scope(self, scope):
        return scope if scope and "openid" in scope.split() else None

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "client_secret_post"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Sandbox:
    """What the sandbox holds while it runs, in `app.extensions["franceconnect_sandbox"]`."""

    client: Client
    signing_key: SigningKey
    identities: dict[str, dict]
    memory: Memory
    clock: Callable[[], float]
    misbehave: str | None
    server: AuthorizationServer
    protector: ResourceProtector

    def now(self) -> int:
        return int(self.clock())

    def sub(self, identity_id: str) -> str:
        return pairwise_sub(identity_id, self.client.client_id, current_app.config["SUB_SECRET"])


def sandbox() -> Sandbox:
    return current_app.extensions["franceconnect_sandbox"]


def issuer() -> str:
    return current_app.config["ISSUER"] or request.host_url.rstrip("/") + "/api/v2"


def check_openid_parameters(data) -> None:
    """What FranceConnect requires beyond OAuth 2 (the scope's `openid` is checked by the
    client's allowed scope, `nonce`'s presence by Authlib's OpenIDCode)."""
    for name in ("state", "nonce"):
        value = data.get(name) or ""
        if not value:
            raise InvalidRequestError(f"Missing '{name}' in request.")
        if len(value) < MIN_STATE_NONCE_LENGTH:
            raise InvalidRequestError(
                f"'{name}' must be at least {MIN_STATE_NONCE_LENGTH} characters long."
            )
    if ACR not in (data.get("acr_values") or "").split():
        raise InvalidRequestError(f"'acr_values' must be '{ACR}'.")


class CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        try:
            check_openid_parameters(self.request.payload.data)
        except InvalidRequestError as error:
            error.redirect_uri = redirect_uri
            raise
        return redirect_uri

    def save_authorization_code(self, code, request):
        now = sandbox().now()
        sandbox().memory.add_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                identity_id=request.user["id"],
                nonce=request.payload.data["nonce"],
                acr=ACR,
                auth_time=now,
                expires_at=now + current_app.config["CODE_LIFETIME"],
            )
        )

    def query_authorization_code(self, code, client):
        found, why = sandbox().memory.redeem_code(code, client.get_client_id())
        if why == "expired":
            raise InvalidGrantError("The authorization code has expired.")
        if why == "used":
            raise InvalidGrantError("The authorization code has already been used.")
        return found

    def delete_authorization_code(self, authorization_code):
        pass  # already marked used by query_authorization_code

    def authenticate_user(self, authorization_code):
        return sandbox().identities.get(authorization_code.identity_id)


class OpenIDCodeExtension(OpenIDCode):
    def __init__(self):
        super().__init__(require_nonce=True)

    def exists_nonce(self, nonce, request):
        return False  # no replay check on nonces: the client checks it against its own

    def encode_id_token(self, token, request):
        code = request.authorization_code
        now = sandbox().now()
        claims = {
            "iss": issuer(),
            "sub": sandbox().sub(code.identity_id),
            "aud": request.client.get_client_id(),
            "exp": now + current_app.config["ID_TOKEN_LIFETIME"],
            "iat": now,
            "auth_time": code.get_auth_time(),
            "nonce": code.get_nonce(),
            "acr": code.get_acr(),
        }
        return misbehave.sign_id_token(claims)


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return sandbox().memory.find_token(token_string)


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self):
        return sandbox().signing_key.jwks()

    def get_algorithms(self):
        return [ALG]

    def end_session(self, end_session_request):
        pass  # the sandbox keeps no session of its own


def save_token(token: dict, request) -> None:
    expires_at = sandbox().now() + token["expires_in"]
    access_token = AccessToken(
        access_token=token["access_token"],
        client=request.client,
        identity_id=request.user["id"],
        scope=token["scope"],
        expires_at=expires_at,
        clock=sandbox().clock,
    )
    sandbox().memory.add_token(access_token, request.authorization_code)


def create_server(config: dict, client: Client) -> tuple[AuthorizationServer, ResourceProtector]:
    server = AuthorizationServer(
        query_client=lambda client_id: client if client_id == client.client_id else None,
        save_token=save_token,
    )
    server.load_config(
        {
            "OAUTH2_TOKEN_EXPIRES_IN": {"authorization_code": config["TOKEN_LIFETIME"]},
            "OAUTH2_SCOPES_SUPPORTED": list(SCOPES),
        }
    )
    server.register_grant(CodeGrant, [OpenIDCodeExtension()])
    server.register_endpoint(EndSession)
    protector = ResourceProtector()
    protector.register_token_validator(TokenValidator(realm="FranceConnect sandbox"))
    return server, protector
