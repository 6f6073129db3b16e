"""« Ajouter des élèves depuis un autre compte » (journeys §5): a signed-in parent gives the
identifiant and password (temporary or not) of a second account of theirs; its responsables, so
its children, move to the parent's account, and the other account is closed.

Decided:
- The password is checked as the login form checks it (records.notifications.check_temporary,
  then records.accounts.sign_in), with the same waits per account and client
  (rules/lockout.py): a wrong password counts as a failed sign-in and gets the same answer. A
  blocked account is told as blocked only to whoever types its right password (its wrong
  passwords are counted as any other); an expired temporary password likewise.
- Same person: rules/same_person.py, on every name each account is known by.
- The closed account (state CLOSED, « fermé ») keeps its identifiant, so no one is ever given it
  again (records.accounts reserves identifiants for ever anyway), and nothing that signs in: no
  password, no temporary password, no pending activation link, no FranceConnect link, no
  responsable. Its sessions end. It keeps "merged_into" (the account's id) and "closed_at".
- Its FranceConnect link moves to the account if the account has none; otherwise it is
  dropped (the account keeps its own). Its scholarship requests move with the children.
- Journaled (records/audit.py, "fusion-comptes") in the journal of every school of the two
  accounts' children: who (the account's identifiant) and both identifiants.
- Two merges at once (A takes B while B takes A, or two tabs taking B): the responsables of both
  accounts, then both accounts, are locked in one order before anything is checked, as a
  registration and a letter lock them; the second merge reads the first one's result and is
  refused (the other account is then closed, or this one is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from outside.storage import Tx
from records import accounts, audit, bourse_requests, notifications, sessions
from records.accounts import ACCOUNTS
from records.notifications import TemporaryOutcome
from records.roster import RESPONSABLES
from rules.account_states import AccountState
from rules.clock import in_paris
from rules.lockout import LIMITS, Limits, cleared, record_failure, record_success, wait_until
from rules.passwords import verify_password
from rules.same_person import same_person

ACTION = "fusion-comptes"


class Refusal(Enum):
    WRONG = "wrong"  # wrong identifiant or password, or a client kept waiting
    EXPIRED = "expired"  # the right temporary password, too late
    SAME = "same"  # the account signed in
    OTHER_PERSON = "other_person"
    BLOCKED = "blocked"  # the other account, blocked by a school
    NOT_OPEN = "not_open"  # the account signed in is blocked or was closed meanwhile


@dataclass(frozen=True)
class Merge:
    """A merge done (`refusal` None) or refused. Done: the account as it is now, the other as it
    was before being closed (its contacts, to tell it), the children it brought, and whether its
    FranceConnect link moved."""

    refusal: Refusal | None = None
    account: dict | None = None
    other: dict | None = None
    children: list[dict] = field(default_factory=list)
    franceconnect_moved: bool = False

    @property
    def ok(self) -> bool:
        return self.refusal is None


def merge(
    tx: Tx,
    account_id: int,
    identifier: str,
    password: str,
    now: datetime,
    client: str,
    limits: Limits = LIMITS,
) -> Merge:
    """Move the children of the account `identifier` (if `password` opens it and it is the
    same person's) to the account `account_id`, and close it; or say why not."""
    now = in_paris(now)
    account = tx.get(ACCOUNTS, account_id)
    typed = accounts.find_by_identifier(tx, identifier)
    if account is not None and typed is not None and typed["id"] == account["id"]:
        return Merge(Refusal.SAME)
    if typed is None:
        # As long as a real check: the answer's delay does not tell who has an account.
        accounts.unknown_identifiant(password)
        return Merge(Refusal.WRONG)
    account, typed = _lock_both(tx, account_id, typed["id"])
    if account is None or account["state"] != AccountState.ACTIVE:
        return Merge(Refusal.NOT_OPEN)
    if typed is None:
        accounts.unknown_identifiant(password)
        return Merge(Refusal.WRONG)
    if typed["state"] == AccountState.BLOCKED:
        return Merge(_blocked(tx, typed, password, now, client, limits))
    other, refusal = _open(tx, identifier, password, now, client, limits)
    if refusal:
        return Merge(refusal)
    if not same_person(names_of(tx, account), names_of(tx, other)):
        return Merge(Refusal.OTHER_PERSON)
    return _move(tx, account, other, now)


def _lock_both(tx: Tx, account_id: int, other_id: int) -> tuple[dict | None, dict | None]:
    """Both accounts read again under their locks: their responsables first, then the accounts,
    each kind in one order (a registration and a letter lock them the same way)."""
    for _ in range(3):
        seen = [tx.get(ACCOUNTS, number) for number in (account_id, other_id)]
        people = sorted({number for doc in seen if doc for number in doc["responsable_ids"]})
        accounts.lock_responsables(tx, people)
        for number in sorted((account_id, other_id)):
            tx.lock(f"compte:{number}")
        account, other = tx.get(ACCOUNTS, account_id), tx.get(ACCOUNTS, other_id)
        now_people = {n for doc in (account, other) if doc for n in doc["responsable_ids"]}
        if now_people <= set(people):
            break
    return account, other


def _open(
    tx: Tx, identifier: str, password: str, now: datetime, client: str, limits: Limits
) -> tuple[dict | None, Refusal | None]:
    """The other account if the password opens it, as the login form checks it (§1, §4)."""
    first = notifications.check_temporary(tx, identifier, password, now, client, limits)
    if first.ok:
        return first.account, None
    if first.outcome is TemporaryOutcome.EXPIRED:
        return None, Refusal.EXPIRED
    if first.outcome is TemporaryOutcome.FAILED:
        return None, Refusal.WRONG
    result = accounts.sign_in(tx, identifier, password, now, client, limits)
    return (result.account, None) if result.ok else (None, Refusal.WRONG)


def _blocked(
    tx: Tx, account: dict, password: str, now: datetime, client: str, limits: Limits
) -> Refusal:
    """A blocked account (already locked): BLOCKED only for its right password, typed by a
    client not kept waiting; a wrong one is counted as at the login form."""
    hashes = [account.get(name) for name in ("password_hash", "temporary_password_hash")]
    hashes = [value for value in hashes if value]
    if not hashes:
        accounts.unknown_identifiant(password)
        return Refusal.WRONG
    right = any([verify_password(value, password) for value in hashes])
    if wait_until(account, client, now) is not None:
        return Refusal.WRONG
    current = dict(account)
    (record_success if right else record_failure)(current, client, now, limits)
    tx.update(
        ACCOUNTS, account["id"], {"failures": current["failures"], "clients": current["clients"]}
    )
    return Refusal.BLOCKED if right else Refusal.WRONG


def names_of(tx: Tx, account: dict) -> list[tuple[str, str]]:
    """Every name an account is known by: its own, and its roster records'."""
    names = [(account.get("last_name") or "", account.get("first_name") or "")]
    for doc in _responsables(tx, account["responsable_ids"]):
        names.append((doc["nom"], doc["prenom"]))
    return names


def _responsables(tx: Tx, numbers: list[int]) -> list[dict]:
    return [doc for number in sorted(set(numbers)) if (doc := tx.get(RESPONSABLES, number))]


def _move(tx: Tx, account: dict, other: dict, now: datetime) -> Merge:
    moment = now.isoformat()
    brought = accounts.children_of(tx, other["responsable_ids"])
    moved_sub = other.get("franceconnect_sub") if not account.get("franceconnect_sub") else None
    closed = {
        "state": AccountState.CLOSED,
        "responsable_ids": [],
        "password_hash": None,
        "temporary_password_hash": None,
        "temporary_password_expires": None,
        "pending_activation": None,
        # Written before the account takes it: the link is unique.
        "franceconnect_sub": None,
        "franceconnect_linked_at": None,
        "merged_into": account["id"],
        "closed_at": moment,
        **cleared(),
    }
    tx.update(ACCOUNTS, other["id"], closed)
    changes = {
        "responsable_ids": sorted(set(account["responsable_ids"]) | set(other["responsable_ids"]))
    }
    if moved_sub:
        changes["franceconnect_sub"] = moved_sub
        changes["franceconnect_linked_at"] = other.get("franceconnect_linked_at")
    tx.update(ACCOUNTS, account["id"], changes)
    accounts.list_state(tx, {**account, **changes})
    for request in tx.find(bourse_requests.REQUESTS, account_id=other["id"]):
        tx.update(bourse_requests.REQUESTS, request["id"], {"account_id": account["id"]})
    sessions.end_all(tx, account_id=other["id"])
    merged = {**account, **changes}
    _journal(tx, merged, other, now)
    return Merge(account=merged, other=other, children=brought, franceconnect_moved=bool(moved_sub))


def _journal(tx: Tx, account: dict, other: dict, now: datetime) -> None:
    detail = (
        f"Le compte {other['identifier']} est fermé : ses élèves sont rattachés au compte "
        f"{account['identifier']}, à la demande de son titulaire."
    )
    uais = sorted({doc["uai"] for doc in _responsables(tx, account["responsable_ids"])})
    for uai in uais:
        audit.record(tx, {"identifier": account["identifier"], "uai": uai}, ACTION, detail, now)
