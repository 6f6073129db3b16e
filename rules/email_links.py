"""The link that confirms a new e-mail address of an account (« Mon compte », journeys §5; also
an address typed in the fiche or in a scholarship request): signed, timestamped, single use,
as the activation link (`rules/activation_links.py`), whose token it is, for another purpose.

The token holds the account's id, the new address and a nonce; its salt is not the activation
link's, so neither link is ever read as the other. Single use is the caller's: the nonce is
kept on the account with the address (`records/email_changes.py`) and cleared on confirmation.

How many confirmation mails an account may have sent: the setting EMAIL_CHANGE_MAILS_PER_DAY in
24 hours, counted on the account (`mails_in_day`, `counted`), and a minute between two (the
delay of `sms_codes.can_resend`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules import activation_links
from rules.clock import in_paris
from rules.signed_links import LinkExpired, LinkInvalid, new_nonce

__all__ = ["LinkExpired", "LinkInvalid", "counted", "make_token", "mails_in_day", "new_nonce"]

PURPOSE = "changement-de-courriel"
DAY = timedelta(days=1)


def make_token(
    secret_key: str, account_id: int, email: str, nonce: str, now: datetime | None = None
) -> str:
    return activation_links.make_token(secret_key, account_id, email, nonce, now, PURPOSE)


def read_token(
    secret_key: str, token: str, max_age: timedelta, now: datetime | None = None
) -> tuple[int, str, str]:
    """(account_id, email, nonce); LinkExpired or LinkInvalid."""
    return activation_links.read_token(secret_key, token, max_age, now, PURPOSE)


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
