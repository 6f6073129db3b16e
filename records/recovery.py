"""What « Identifiant oublié ? » and « Mot de passe oublié ? » (journeys §5) read and write.

- The accounts a mobile number or a confirmed address belongs to (by key: the responsables'
  "telephone", the accounts' "email").
- Whom « Mot de passe oublié ? » speaks to for an identifiant typed (`ways_of`): an active
  account's ways, else a decoy's.
- The per-day caps per number and per address: the SMS quota of records/journeys.py
  ("sms_envoyes", a keyed digest per number, counted under its lock in the request's
  transaction). The mails to one address count in the same table under "courriel:<address>";
  the decoys of unknown identifiants under "leurre:…", so a real number's quota is never spent
  by them.
- On the account, "password_reset": {nonce, email, requested_at}, written when the link is
  mailed; the link carries the nonce and works once (`use_link` clears it), and only the last
  one sent.
- `set_password`: the new password, the sign-in waits lifted, the pending link forgotten, every
  session of the account ended.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from outside.storage import Tx
from records import contacts, journeys, sessions
from records.accounts import ACCOUNTS, find_by_identifier
from records.roster import RESPONSABLES
from rules import recovery as rules
from rules.account_states import AccountState
from rules.activation_links import new_nonce
from rules.clock import in_paris
from rules.lockout import cleared
from rules.phones import mask_mobile

ACTIVE = AccountState.ACTIVE
RESET = "password_reset"


def active_accounts_of_phone(tx: Tx, numbers: list[str]) -> list[dict]:
    """The active accounts of the responsables with one of these mobiles (E.164), by
    identifiant."""
    ids = sorted(
        {doc["id"] for number in numbers for doc in tx.find(RESPONSABLES, telephone=number)}
    )
    found = {doc["id"]: doc for doc in tx.find_any(ACCOUNTS, "responsable_ids", ids)} if ids else {}
    return _active(found.values())


def active_accounts_of_email(tx: Tx, address: str) -> list[dict]:
    """The active accounts whose confirmed address is this one (typed as normalised by
    rules.emails)."""
    found = tx.find(ACCOUNTS, email=address)
    return _active(doc for doc in found if doc.get("email_confirmed"))


def _active(accounts) -> list[dict]:
    return sorted(
        (doc for doc in accounts if doc.get("state") == ACTIVE), key=lambda doc: doc["identifier"]
    )


def telephone_of(tx: Tx, account: dict) -> str | None:
    """The mobile a code goes to: the one on file for the account (records.contacts: declared
    by the parent, else the account's), else its responsables'."""
    on_file = contacts.contact_of(tx, account).phone
    if on_file:
        return on_file
    for number in account.get("responsable_ids", []):
        doc = tx.get(RESPONSABLES, number)
        if doc and doc.get("telephone"):
            return doc["telephone"]
    return None


def confirmed_email(account: dict) -> str | None:
    return account["email"] if account.get("email") and account.get("email_confirmed") else None


def ways_of(tx: Tx, typed: str, secret_key: str | bytes) -> dict:
    """Who « Mot de passe oublié ? » speaks to for the identifiant typed, and the ways it may
    reach them: its account's mobile and confirmed address when it is active and has one, else
    a decoy's (rules/recovery.py: the same pages, nothing sent)."""
    account = find_by_identifier(tx, typed)
    if account is not None and account["state"] == ACTIVE:
        telephone = telephone_of(tx, account)
        email = confirmed_email(account)
        if telephone or email:
            return {
                "decoy": False,
                "account_id": account["id"],
                "identifier": account["identifier"],
                "last_name": account["last_name"],
                "first_name": account["first_name"],
                "phone": telephone,
                "email": email,
                "masked_phone": mask_mobile(telephone) if telephone else None,
                "masked_email": rules.mask_email(email) if email else None,
            }
    decoy = rules.decoy(secret_key, typed)
    return {
        "decoy": True,
        "account_id": None,
        "identifier": typed.strip()[:100],
        "last_name": "",
        "first_name": "",
        "phone": decoy["telephone"],
        "email": None,
        "masked_phone": mask_mobile(decoy["telephone"]),
        "masked_email": decoy["masked_email"],
    }


# Per-day caps ----------------------------------------------------------------------------------


def sent_today(tx: Tx, key: str, now: datetime) -> int:
    """The messages sent to `key` (an E.164 number, or `mail_key(address)`) in the last 24
    hours; the key's count stays locked until the transaction ends."""
    return journeys.sms_sent_today(tx, key, now)


def record_sent(tx: Tx, key: str, now: datetime) -> None:
    journeys.record_sms(tx, key, now)


def mail_key(address: str) -> str:
    return f"courriel:{address.casefold()}"


def decoy_key(kind: str, identifier: str) -> str:
    return f"leurre:{kind}:{(identifier or '').strip().casefold()}"


# The link --------------------------------------------------------------------------------------


def _lock(tx: Tx, account_id: int) -> dict | None:
    # The lock activation and sign-in take on an account (records.activation, accounts).
    tx.lock(f"compte:{account_id}")
    return tx.get(ACCOUNTS, account_id)


def await_link(tx: Tx, account_id: int, email: str, now: datetime) -> str | None:
    """A new nonce for the link about to be mailed to `email` (any link sent before stops
    working); None if the account is no longer active."""
    account = _lock(tx, account_id)
    if account is None or account.get("state") != ACTIVE:
        return None
    nonce = new_nonce()
    pending = {"nonce": nonce, "email": email, "requested_at": in_paris(now).isoformat()}
    tx.update(ACCOUNTS, account_id, {RESET: pending})
    return nonce


def check_link(tx: Tx, account_id: int, nonce: str) -> dict | None:
    """The account this link would let choose a password, without spending it."""
    return _valid(tx.get(ACCOUNTS, account_id), nonce)


def use_link(tx: Tx, account_id: int, nonce: str) -> dict | None:
    """Spend the link: the account, or None when it is not (or no longer) valid."""
    account = _valid(_lock(tx, account_id), nonce)
    if account is not None:
        tx.update(ACCOUNTS, account_id, {RESET: None})
    return account


def _valid(account: dict | None, nonce: str) -> dict | None:
    if account is None or account.get("state") != ACTIVE:
        return None
    pending = account.get(RESET)
    if not pending or not hmac.compare_digest(pending["nonce"].encode(), nonce.encode()):
        return None
    if pending["email"] != confirmed_email(account):
        # The address changed since: the link went to one the account no longer has.
        return None
    return account


# The new password ------------------------------------------------------------------------------


def set_password(tx: Tx, account_id: int, password_hash: str, now: datetime) -> dict | None:
    """Give the active account this password: its sign-in waits lifted, a pending link
    forgotten, every session of the account ended. None when it is no longer active."""
    account = _lock(tx, account_id)
    if account is None or account.get("state") != ACTIVE:
        return None
    changes = {
        "password_hash": password_hash,
        "password_changed_at": in_paris(now).isoformat(),
        RESET: None,
        **cleared(),
    }
    tx.update(ACCOUNTS, account_id, changes)
    sessions.end_all(tx, account_id=account_id)
    return {**account, **changes}
