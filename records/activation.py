"""The first login of an account a school distributed by letter (journeys §4): children the
parent says are not theirs, and the activation that the link sent by e-mail completes.

- "signalements": one record per child a parent said they are not the legal guardian of, for
  the school to check: {uai, responsable_id, ine, at}. The child leaves the responsable record's
  "eleves" at once, for its "eleves_detaches", so the account no longer shows it.
- On the account, "pending_activation": {nonce, email, password_hash, requested_at}, written at
  the e-mail step. The link carries the nonce; it works once, since confirming clears it, and
  only while it is the latest: a mail sent again, a new first login with the temporary
  password, or a new letter from the school (notified after the request) leave it superseded.
  The new password waits here, hashed, so the link may be opened in another browser, after the
  one-hour journey is over: the journey's state is not needed any more.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from outside.storage import Tx
from outside.storage.tx import stored
from records import journeys
from records.accounts import ACCOUNTS, list_state
from records.roster import RESPONSABLES, relist
from rules.account_states import AccountState
from rules.activation_links import new_nonce
from rules.clock import in_paris
from rules.lockout import cleared

REPORTS = "signalements"
PENDING = "pending_activation"
WAITING = AccountState.NOTIFIED  # the only state a first login activates


class LinkOutcome(Enum):
    VALID = "valid"  # this link activates the account
    USED = "used"  # the account is active: this link or another one did it
    SUPERSEDED = "superseded"  # a newer link, or none any more, is expected
    REFUSED = "refused"  # unknown or blocked account


@dataclass(frozen=True)
class LinkCheck:
    outcome: LinkOutcome
    account: dict | None = None


def _lock_account(tx: Tx, account_id: int) -> dict | None:
    """The account, read once no other transaction can change its activation before this one
    ends: a link confirmed at the same moment as a new mail or a new first login sees the
    other's result."""
    tx.lock(f"compte:{account_id}")
    return tx.get(ACCOUNTS, account_id)


def chosen_in_progress(tx: Tx, account_id: int, now: datetime) -> tuple[str, str] | None:
    """The account's activation in progress once its new password is chosen (the journey a
    first login started, views/activation.py): its journey id and that password's hash; None
    before, after its lifetime, or once a new first login started the steps again. Read without
    locks (`peek`): what it finds decides nothing before the password is checked."""
    kind = journeys.Kind.NOTIFICATION
    found = journeys.for_account(tx, account_id, kind, now, peek=True)
    state = journeys.load(tx, found, kind=kind, now=now, peek=True)
    if state is None or not state.get("password_hash"):
        return None
    return found, state["password_hash"]


def forget_pending(tx: Tx, account_id: int) -> None:
    """A new first login starts the steps again: any link sent before no longer works."""
    if _lock_account(tx, account_id) is not None:
        tx.update(ACCOUNTS, account_id, {PENDING: None})


def detach_children(
    tx: Tx, responsable_ids: list[int], ines: list[str], now: datetime
) -> list[dict]:
    """Take these children away from these responsable records and report each to its school
    (§4: « Je ne suis pas le représentant légal de cet élève »). Returns the reports written."""
    moment = in_paris(now).isoformat()
    leaving = set(ines)
    reports = []
    for number in sorted(set(responsable_ids)):
        # The record's children are read and written back whole: two browsers detaching at
        # once must not each undo the other's change.
        tx.lock(f"responsable:{number}")
        doc = tx.get(RESPONSABLES, number)
        if doc is None:
            continue
        detached = [ine for ine in doc.get("eleves", []) if ine in leaving]
        if not detached:
            continue
        changes = {
            "eleves": [ine for ine in doc["eleves"] if ine not in leaving],
            "eleves_detaches": sorted(set(doc.get("eleves_detaches", [])) | set(detached)),
        }
        tx.update(RESPONSABLES, number, changes)
        relist(tx, [{**doc, **changes}])
        for ine in detached:
            report = {"uai": doc["uai"], "responsable_id": number, "ine": ine, "at": moment}
            tx.insert(REPORTS, report)
            reports.append(report)
    return reports


def reports_of(tx: Tx, uai: str) -> list[dict]:
    """The school's reports, newest first."""
    # As written: the storage's id means nothing to the school.
    found = [stored(doc) for doc in tx.find(REPORTS, uai=uai)]
    return sorted(found, key=lambda report: report["at"], reverse=True)


def known_email(tx: Tx, responsable_ids: list[int]) -> str | None:
    """The address the school has for this person, offered at the e-mail step (the parent
    confirms it or types another)."""
    found = [tx.get(RESPONSABLES, number) for number in sorted(set(responsable_ids))]
    return next((doc["email"] for doc in found if doc and doc.get("email")), None)


def await_confirmation(
    tx: Tx, account_id: int, email: str, password_hash: str, now: datetime
) -> str | None:
    """Keep the new password and the address until the link comes back; returns the nonce the
    link must carry, or None when the account no longer waits for its first login. Each call
    makes a new nonce: only the link sent last works."""
    nonce = new_nonce()
    doc = _lock_account(tx, account_id)
    if doc is None or doc["state"] != WAITING:
        return None
    pending = {
        "nonce": nonce,
        "email": email,
        "password_hash": password_hash,
        "requested_at": in_paris(now).isoformat(),
    }
    tx.update(ACCOUNTS, account_id, {PENDING: pending})
    return nonce


def check_link(tx: Tx, account_id: int, email: str, nonce: str) -> LinkCheck:
    """What a link with this content would do now, without doing it."""
    account = tx.get(ACCOUNTS, account_id)
    return LinkCheck(_verdict(account, email, nonce), account)


def confirm(tx: Tx, account_id: int, email: str, nonce: str, now: datetime) -> LinkCheck:
    """Activate the account with the password and address waiting for this link: state
    ACTIVE, the address confirmed, the temporary password gone (it no longer signs in)."""
    moment = in_paris(now).isoformat()
    account = _lock_account(tx, account_id)
    outcome = _verdict(account, email, nonce)
    if outcome is not LinkOutcome.VALID:
        return LinkCheck(outcome, account)
    changes = {
        "state": AccountState.ACTIVE,
        "password_hash": account[PENDING]["password_hash"],
        "email": email,
        "email_confirmed": True,
        "activated_at": moment,
        "temporary_password_hash": None,
        "temporary_password_expires": None,
        PENDING: None,
        **cleared(),
    }
    tx.update(ACCOUNTS, account_id, changes)
    list_state(tx, {**account, **changes})
    return LinkCheck(LinkOutcome.VALID, {**account, **changes})


def _verdict(account: dict | None, email: str, nonce: str) -> LinkOutcome:
    if account is None or account["state"] not in (WAITING, AccountState.ACTIVE):
        return LinkOutcome.REFUSED
    if account["state"] == AccountState.ACTIVE:
        return LinkOutcome.USED
    pending = account.get(PENDING)
    if not pending or not hmac.compare_digest(pending["nonce"].encode(), nonce.encode()):
        return LinkOutcome.SUPERSEDED
    if pending["email"] != email:
        return LinkOutcome.SUPERSEDED
    notified_at = account.get("notified_at")
    if notified_at and datetime.fromisoformat(notified_at) > datetime.fromisoformat(
        pending["requested_at"]
    ):
        # The school sent a new letter since: the parent starts again with it.
        return LinkOutcome.SUPERSEDED
    return LinkOutcome.VALID
