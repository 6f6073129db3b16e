"""The link that confirms a new e-mail address of an account (« Mon compte », journeys §5; also
an address typed in the fiche or in a scholarship request): signed, timestamped, single use,
as the activation link (`rules/activation_links.py`), whose signer and errors it reuses.

The token holds the account's id, the new address and a nonce; its salt is not the activation
link's, so neither link is ever read as the other. Single use is the caller's: the nonce is
kept on the account with the address (`records/email_changes.py`) and cleared on confirmation.

How many confirmation mails an account may have sent: the setting EMAIL_CHANGE_MAILS_PER_DAY in
24 hours, counted on the account (`mails_in_day`, `counted`), and a minute between two (the
delay of `sms_codes.can_resend`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from rules.activation_links import LinkExpired, LinkInvalid, _ClockSigner, new_nonce
from rules.clock import in_paris

__all__ = ["LinkExpired", "LinkInvalid", "counted", "make_token", "mails_in_day", "new_nonce"]

_SALT = "changement-de-courriel"
DAY = timedelta(days=1)


def make_token(
    secret_key: str, account_id: int, email: str, nonce: str, now: datetime | None = None
) -> str:
    return _serializer(secret_key, now).dumps([account_id, email, nonce])


def read_token(
    secret_key: str, token: str, max_age: timedelta, now: datetime | None = None
) -> tuple[int, str, str]:
    """(account_id, email, nonce); LinkExpired (genuine but older than `max_age`) or
    LinkInvalid (changed, cut, signed with another key or for another purpose)."""
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
    raise LinkInvalid


def mails_in_day(counter: dict | None, now: datetime) -> int:
    """Mails counted in the 24 hours that began with the first of them; 0 once they are over.
    `counter` is {"since": iso, "count": n}, as `counted` returns it."""
    if not counter or in_paris(now) - datetime.fromisoformat(counter["since"]) >= DAY:
        return 0
    return counter["count"]


def counted(counter: dict | None, now: datetime) -> dict:
    """The counter with one more mail sent at `now`."""
    sent = mails_in_day(counter, now)
    since = counter["since"] if sent else in_paris(now).isoformat()
    return {"since": since, "count": sent + 1}


def _serializer(secret_key: str, now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key, salt=_SALT, signer=_ClockSigner, signer_kwargs={"now": now}
    )
