"""The links the service mails (an account's activation, a new address's confirmation, a
forgotten password): a payload signed with the application's secret key and timestamped by
itsdangerous, readable by anyone, changed by no one. Each purpose signs with a salt of its own,
so no link is ever read as another's. The signature alone cannot make a link single use: the
caller does, with a nonce kept on the account and cleared once the link is used.

`now` is the application's clock (the setting TODAY, the tests' fake clock): a token is read
with the clock it was made with, or its age is wrong.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer


class LinkExpired(Exception):
    """A genuine link, past its lifetime."""


class LinkInvalid(Exception):
    """Not a link this service made for this purpose: changed, cut, or signed with another key."""


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def sign(secret_key: str, purpose: str, payload: list, now: datetime | None = None) -> str:
    return _serializer(secret_key, purpose, now).dumps(payload)


def unsign(
    secret_key: str, purpose: str, token: str, max_age: timedelta, now: datetime | None = None
):
    """The payload; LinkExpired or LinkInvalid. The signature is checked before the age, so
    only a genuine link is ever told to be expired."""
    try:
        return _serializer(secret_key, purpose, now).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except SignatureExpired as error:
        raise LinkExpired from error
    except BadData as error:
        raise LinkInvalid from error


class _ClockSigner(TimestampSigner):
    """itsdangerous' timestamp signer, reading the application's clock instead of the system's."""

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp()) if self.now is not None else super().get_timestamp()


def _serializer(secret_key: str, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=purpose, signer=_ClockSigner, signer_kwargs={"now": now}
    )
