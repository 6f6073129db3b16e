"""Authorization codes and access tokens, in memory with their expiry (one process only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    identity_id: str
    nonce: str
    acr: str
    auth_time: int
    expires_at: float
    used: bool = False
    access_tokens: list[str] = field(default_factory=list)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return self.acr


@dataclass
class AccessToken(TokenMixin):
    access_token: str
    client: object
    identity_id: str
    scope: str
    expires_at: float
    clock: Callable[[], float]
    revoked: bool = False

    def check_client(self, client):
        return client.get_client_id() == self.client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return max(0, int(self.expires_at - self.clock()))

    def is_expired(self):
        return self.clock() >= self.expires_at

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return self.identity_id

    def get_client(self):
        return self.client


class Memory:
    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    def _forget_expired(self) -> None:
        # Used codes are kept until they expire, so that a replay is recognised and punished.
        now = self.clock()
        self.codes = {key: code for key, code in self.codes.items() if code.expires_at > now}
        self.tokens = {key: token for key, token in self.tokens.items() if token.expires_at > now}

    def add_code(self, code: AuthorizationCode) -> None:
        with self._lock:
            self._forget_expired()
            self.codes[code.code] = code

    def redeem_code(self, value: str, client_id: str) -> tuple[AuthorizationCode | None, str]:
        """The code, marked used, or None and why: "unknown", "expired" or "used". A code
        presented twice revokes the tokens issued with it (RFC 6749 §4.1.2)."""
        with self._lock:
            code = self.codes.get(value)
            if code is None or code.client_id != client_id:
                return None, "unknown"
            if code.used:
                for token in code.access_tokens:
                    if token in self.tokens:
                        self.tokens[token].revoked = True
                return None, "used"
            code.used = True
            if self.clock() >= code.expires_at:
                return None, "expired"
            return code, ""

    def add_token(self, token: AccessToken, code: AuthorizationCode | None) -> None:
        with self._lock:
            self._forget_expired()
            self.tokens[token.access_token] = token
            if code is not None:
                code.access_tokens.append(token.access_token)

    def find_token(self, value: str) -> AccessToken | None:
        with self._lock:
            return self.tokens.get(value)
