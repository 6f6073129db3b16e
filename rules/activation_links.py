"""The link that confirms a parent's e-mail address and activates their account (journeys §4):
signed with the application's secret key, valid 48 hours, single use.

The token holds the account's id, the address it was sent to and a nonce, signed and
timestamped by itsdangerous; anyone can read them, no one can change them. The signature alone
cannot make a link single use: the caller does, with the nonce.

- Sending: `nonce = new_nonce()`, saved on the account (e.g. "activation_nonce") with the
  address, then `make_token(secret_key, account_id, email, nonce, now)` in the link.
- Following: `read_token(secret_key, token, now=now)`, then, in one transaction, the account's
  saved nonce and address must equal the token's; the nonce is cleared as the account is
  activated, so the same link, used again, no longer matches. "Renvoyer le mail" saves a new
  nonce: the earlier link stops working and only the newest one activates.

`now` is the application's clock (the setting TODAY, the tests' fake clock): a token is read
with the clock it was made with, or its age is wrong.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

MAX_AGE = timedelta(hours=48)
_SALT = "activation-du-compte"


class LinkExpired(Exception):
    """A genuine link, older than 48 hours."""


class LinkInvalid(Exception):
    """Not a link this service made: changed, cut, or signed with another key."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def make_token(
    secret_key: str, account_id: int, email: str, nonce: str, now: datetime | None = None
) -> str:
    return _serializer(secret_key, now).dumps([account_id, email, nonce])


def read_token(
    secret_key: str, token: str, max_age: timedelta = MAX_AGE, now: datetime | None = None
) -> tuple[int, str, str]:
    """(account_id, email, nonce); LinkExpired or LinkInvalid. The signature is checked before
    the age, so only a genuine link is ever told to be expired."""
    try:
        payload = _serializer(secret_key, now).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise LinkExpired from error
    except BadData as error:
        raise LinkInvalid from error
    match payload:
        case [int() as account_id, str() as email, str() as nonce] if not isinstance(
            account_id, bool
        ):
            return account_id, email, nonce
    # Signed with our key and salt but not made by make_token: refused all the same.
    raise LinkInvalid


class _ClockSigner(TimestampSigner):
    """itsdangerous' timestamp signer, reading the application's clock instead of the system's."""

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp()) if self.now is not None else super().get_timestamp()


def _serializer(secret_key: str, now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=_SALT, signer=_ClockSigner, signer_kwargs={"now": now}
    )
