"""A new e-mail address waiting for its confirmation link (« Mon compte », journeys §5; the fiche
and the scholarship request, §6 and §7), and the account's one confirmed address.

The confirmed address is the account's "email" with "email_confirmed" true (set by the
activation link too, `records/activation.py`): the only address any mail to the family goes to.
On the account:
- "email_change": {"email", "nonce", "sent_at", "requested_at"} while a new address waits for
  its link; each mail sent makes a new nonce, so only the newest link works; confirming clears
  it, so a link works once.
- "email_mails": {"since", "count"}: the confirmation mails of the last 24 hours
  (`rules/email_links.py`); kept when a change is cancelled, so cancelling does not lift the cap.
Every change is made under the account's lock (as `records/contacts.py` and the activation do).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from outside.storage import Tx
from records.accounts import ACCOUNTS
from rules import email_links
from rules.account_states import AccountState
from rules.clock import in_paris

PENDING = "email_change"
MAILS = "email_mails"


class Outcome(Enum):
    VALID = "valid"  # this link confirms the address
    USED = "used"  # the address is confirmed already: this link did it
    SUPERSEDED = "superseded"  # a newer link, another address, or a cancelled change
    REFUSED = "refused"  # no such account, or not an active one


@dataclass(frozen=True)
class LinkCheck:
    outcome: Outcome
    account: dict | None = None
    old_email: str = ""  # the confirmed address the new one replaced, once confirmed


def confirmed_email(account: dict | None) -> str:
    """The address mails may go to: "" when the account has none confirmed."""
    if account and account.get("email_confirmed") and account.get("email"):
        return account["email"]
    return ""


def pending_email(account: dict | None) -> str:
    """The new address waiting for its link: "" when none."""
    pending = (account or {}).get(PENDING)
    return pending["email"] if pending else ""


def mails_today(account: dict, now: datetime) -> int:
    return email_links.mails_in_day(account.get(MAILS), now)


def await_confirmation(tx: Tx, account_id: int, email: str, now: datetime) -> dict | None:
    """Record that a link is sent to `email` now; returns the account as changed (its
    PENDING holds the nonce the link must carry), or None for an account that cannot change
    its address. A link sent before, to this address or another, stops working."""
    account = _lock(tx, account_id)
    if account is None or account.get("state") != AccountState.ACTIVE:
        return None
    moment = in_paris(now).isoformat()
    before = account.get(PENDING) or {}
    changes = {
        PENDING: {
            "email": email,
            "nonce": email_links.new_nonce(),
            "sent_at": moment,
            # When the parent first asked for this address, kept across resent mails.
            "requested_at": before.get("requested_at", moment)
            if before.get("email") == email
            else moment,
        },
        MAILS: email_links.counted(account.get(MAILS), now),
    }
    tx.update(ACCOUNTS, account_id, changes)
    return {**account, **changes}


def cancel(tx: Tx, account_id: int) -> None:
    """The new address is given up: its link stops working."""
    if _lock(tx, account_id) is not None:
        tx.update(ACCOUNTS, account_id, {PENDING: None})


def remove_email(tx: Tx, account_id: int) -> None:
    """The parent wants no e-mail any more (they are told by SMS): the confirmed address and
    any new one waiting are forgotten."""
    if _lock(tx, account_id) is not None:
        tx.update(ACCOUNTS, account_id, {"email": None, "email_confirmed": False, PENDING: None})


def check_link(tx: Tx, account_id: int, email: str, nonce: str) -> LinkCheck:
    """What a link with this content would do now, without doing it."""
    account = tx.get(ACCOUNTS, account_id)
    return LinkCheck(_verdict(account, email, nonce), account)


def confirm(tx: Tx, account_id: int, email: str, nonce: str, now: datetime) -> LinkCheck:
    """The address of this link becomes the account's confirmed one."""
    account = _lock(tx, account_id)
    outcome = _verdict(account, email, nonce)
    if outcome is not Outcome.VALID:
        return LinkCheck(outcome, account)
    changes = {
        "email": email,
        "email_confirmed": True,
        "email_confirmed_at": in_paris(now).isoformat(),
        PENDING: None,
    }
    tx.update(ACCOUNTS, account_id, changes)
    return LinkCheck(Outcome.VALID, {**account, **changes}, confirmed_email(account))


def _verdict(account: dict | None, email: str, nonce: str) -> Outcome:
    if account is None or account.get("state") != AccountState.ACTIVE:
        return Outcome.REFUSED
    pending = account.get(PENDING)
    if (
        pending
        and pending["email"] == email
        and hmac.compare_digest(pending["nonce"].encode(), nonce.encode())
    ):
        return Outcome.VALID
    if confirmed_email(account) == email:
        return Outcome.USED
    return Outcome.SUPERSEDED


def _lock(tx: Tx, account_id: int) -> dict | None:
    tx.lock(f"compte:{account_id}")
    return tx.get(ACCOUNTS, account_id)
