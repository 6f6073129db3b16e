"""ÉduConnect accounts (journeys §0, §1, §2): finding the responsables a parent is on the
rosters as, creating their one account, and signing in.

An account ("comptes") belongs to one person, who may be a responsable in several schools: it
holds the doc ids of all those responsable records. Every identifiant ever given is also kept in
"identifiants_utilises", so none is given twice, even after an account is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from functools import cache

from tinydb import Query, TinyDB

from outside.storage import Store
from records.roster import ELEVES, ETABLISSEMENTS, RESPONSABLES
from rules.clock import in_paris
from rules.identifiers import base_identifier, first_free
from rules.lockout import (
    LOCK_DURATION,
    MAX_FAILURES,
    locked_until,
    record_failure,
    record_success,
)
from rules.names import normalize_name
from rules.passwords import hash_password, verify_password

ACCOUNTS = "comptes"
USED_IDENTIFIERS = "identifiants_utilises"

STATES = ("actif", "notifié", "non activé", "bloqué")
METHODS = ("auto-inscription", "franceconnect", "notification")


class AccountExists(Exception):
    """One of these responsables already has an account (kept in `account`, with its "id")."""

    def __init__(self, account: dict):
        super().__init__(f"le compte {account['identifiant']} existe déjà")
        self.account = account


class SignInOutcome(Enum):
    OK = "ok"
    LOCKED = "locked"
    FAILED = "failed"


@dataclass(frozen=True)
class SignIn:
    """OK with the `account`, LOCKED with the end of the lock (`until`), or FAILED."""

    outcome: SignInOutcome
    account: dict | None = None
    until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is SignInOutcome.OK


# -- Responsables and their children -------------------------------------------------------------


def find_responsables(store: Store, telephone_e164: str, nom: str, prenom: str) -> list[dict]:
    """Every responsable record, in every school, with this phone and this name (§2.1)."""
    with store.reading() as db:
        return _find_responsables(db, telephone_e164, nom, prenom)


def _find_responsables(db: TinyDB, telephone_e164: str, nom: str, prenom: str) -> list[dict]:
    wanted = (normalize_name(nom), normalize_name(prenom))
    found = db.table(RESPONSABLES).search(Query().telephone == telephone_e164)
    return [
        _with_id(doc)
        for doc in found
        if (normalize_name(doc["nom"]), normalize_name(doc["prenom"])) == wanted
    ]


def children_of(store: Store, responsable_ids: list[int]) -> list[dict]:
    """The distinct élèves of these responsables, by school then first name."""
    with store.reading() as db:
        ines = {ine for doc in _responsables(db, responsable_ids) for ine in doc.get("eleves", [])}
        schools = {doc["uai"]: doc["nom"] for doc in db.table(ETABLISSEMENTS).all()}
        eleves = db.table(ELEVES).search(Query().ine.one_of(sorted(ines)))
    children = [
        {
            "prenom": eleve["prenom"],
            "nom": eleve["nom"],
            "ine": eleve["ine"],
            "classe": eleve["classe"],
            "niveau": eleve["niveau"],
            "date_naissance": eleve["date_naissance"],
            "uai": eleve["uai"],
            "etablissement_nom": schools.get(eleve["uai"], eleve["uai"]),
        }
        for eleve in eleves
    ]
    return sorted(children, key=_school_then_first_name)


def _school_then_first_name(child: dict) -> tuple:
    return (
        normalize_name(child["etablissement_nom"]),
        child["uai"],
        normalize_name(child["prenom"]),
        child["ine"],
    )


def _responsables(db: TinyDB, responsable_ids: list[int]) -> list[dict]:
    table = db.table(RESPONSABLES)
    return [doc for number in set(responsable_ids) if (doc := table.get(doc_id=number))]


# -- Accounts ------------------------------------------------------------------------------------


def account_of(store: Store, responsable_ids: list[int]) -> dict | None:
    """The account holding any of these responsables."""
    with store.reading() as db:
        return _account_of(db, responsable_ids)


def find_by_id(store: Store, account_id: int) -> dict | None:
    """The account with this doc id (the one a signed-in session keeps)."""
    with store.reading() as db:
        found = db.table(ACCOUNTS).get(doc_id=account_id)
    return _with_id(found) if found else None


def find_by_identifiant(store: Store, identifiant: str) -> dict | None:
    """The account with this identifiant, however it was typed ("  M.Durand1 ")."""
    typed = (identifiant or "").strip().casefold()
    if not typed:
        return None
    with store.reading() as db:
        found = db.table(ACCOUNTS).get(Query().identifiant.test(lambda x: x.casefold() == typed))
    return _with_id(found) if found else None


def create_account(
    store: Store,
    responsable_ids: list[int],
    prenom: str,
    nom: str,
    telephone: str,
    password_hash: str | None,
    method: str,
    now: datetime,
    franceconnect_sub: str | None = None,
) -> dict:
    """An active account for these responsables, with a new identifiant (§0).

    Everything is read and written in one transaction, so two registrations at once, in any
    processes, can neither both take one identifiant nor both give an account to one person.
    """
    if method not in METHODS:
        raise ValueError(f"méthode d'activation inconnue : {method}")
    if not responsable_ids:
        raise ValueError("un compte appartient à au moins un responsable")
    moment = in_paris(now).isoformat()
    with store.transaction() as db:
        if len(_responsables(db, responsable_ids)) != len(set(responsable_ids)):
            raise ValueError(f"responsable inconnu parmi {sorted(set(responsable_ids))}")
        existing = _account_of(db, responsable_ids)
        if existing is None and franceconnect_sub:
            found = db.table(ACCOUNTS).get(Query().franceconnect_sub == franceconnect_sub)
            existing = _with_id(found) if found else None
        if existing is not None:
            raise AccountExists(existing)
        return _new_account(
            db,
            responsable_ids,
            prenom,
            nom,
            telephone,
            password_hash,
            method,
            moment,
            franceconnect_sub,
        )


def _new_account(
    db: TinyDB,
    responsable_ids: list[int],
    prenom: str,
    nom: str,
    telephone: str,
    password_hash: str | None,
    method: str,
    moment: str,
    franceconnect_sub: str | None = None,
    state: str = "actif",
) -> dict:
    """Insert an account with a newly reserved identifiant, in the caller's transaction: active,
    or "notifié" when a school distributes it (records.notifications), activated later."""
    identifiant = _reserve_identifier(db, prenom, nom, moment)
    account = {
        "identifiant": identifiant,
        "password_hash": password_hash,
        "state": state,
        "method": method,
        "franceconnect_sub": franceconnect_sub,
        # The roster's address is the school's; the account's is the one the parent confirms.
        "email": None,
        "email_confirmed": False,
        "responsables": sorted(set(responsable_ids)),
        "prenom": prenom,
        "nom": nom,
        "telephone": telephone,
        "failures": 0,
        "locked_until": None,
        "activated_at": moment if state == "actif" else None,
        "created_at": moment,
    }
    number = db.table(ACCOUNTS).insert(account)
    return {**account, "id": number}


def find_by_franceconnect_sub(store: Store, sub: str) -> dict | None:
    """The account this FranceConnect identity was linked to at its first connection."""
    with store.reading() as db:
        found = db.table(ACCOUNTS).get(Query().franceconnect_sub == sub)
    return _with_id(found) if found else None


def activate_with_franceconnect(
    store: Store,
    responsable_ids: list[int],
    prenom: str,
    nom: str,
    telephone: str,
    sub: str,
    now: datetime,
) -> dict:
    """Link a FranceConnect identity to the account of these responsables (§3): the existing
    account if the parent has one (it becomes active if it was not), else a new one with no
    ÉduConnect password. A `sub` already linked elsewhere raises AccountExists."""
    moment = in_paris(now).isoformat()
    with store.transaction() as db:
        table = db.table(ACCOUNTS)
        other = table.get(Query().franceconnect_sub == sub)
        existing = _account_of(db, responsable_ids)
        if other is not None and (existing is None or other.doc_id != existing["id"]):
            raise AccountExists(_with_id(other))
        if existing is not None and existing.get("franceconnect_sub") not in (None, sub):
            # Already linked to another FranceConnect identity: never switched silently.
            raise AccountExists(existing)
        if existing is not None:
            changes = {"franceconnect_sub": sub}
            if existing["state"] != "actif":
                changes.update(state="actif", method="franceconnect", activated_at=moment)
            table.update(changes, doc_ids=[existing["id"]])
            return {**existing, **changes}
    return create_account(
        store, responsable_ids, prenom, nom, telephone, None, "franceconnect", now, sub
    )


def _account_of(db: TinyDB, responsable_ids: list[int]) -> dict | None:
    wanted = set(responsable_ids)
    found = db.table(ACCOUNTS).get(
        Query().responsables.test(lambda held: bool(wanted.intersection(held)))
    )
    return _with_id(found) if found else None


def _reserve_identifier(db: TinyDB, prenom: str, nom: str, moment: str) -> str:
    used = db.table(USED_IDENTIFIERS)
    # The accounts' identifiants too, in case one was ever written without being recorded.
    taken = {doc["identifiant"] for doc in used.all()}
    taken |= {doc["identifiant"] for doc in db.table(ACCOUNTS).all()}
    identifiant = first_free(base_identifier(prenom, nom), taken)
    used.insert({"identifiant": identifiant, "reserved_at": moment})
    return identifiant


def _with_id(doc) -> dict:
    return {**doc, "id": doc.doc_id}


# -- Signing in ----------------------------------------------------------------------------------


def sign_in(
    store: Store,
    identifiant: str,
    password: str,
    now: datetime,
    max_failures: int = MAX_FAILURES,
    lock_duration: timedelta = LOCK_DURATION,
) -> SignIn:
    """Check an identifiant and password (§1), counting failures towards the lock.

    The password is verified before the transaction: argon2 takes a fifth of a second, and the
    transaction holds the lock of the whole database. The failure count is then read again and
    written inside one transaction, so tries made at the same time are all counted.
    """
    now = in_paris(now)
    account = find_by_identifiant(store, identifiant)
    if account is None or not account.get("password_hash"):
        return unknown_identifiant(password)
    return check_counted(
        store, ACCOUNTS, account, "password_hash", password, now, max_failures, lock_duration
    )


def unknown_identifiant(password: str) -> SignIn:
    # As long as a real check, so the answer's delay does not tell who has an account.
    verify_password(_dummy_hash(), password)
    return SignIn(SignInOutcome.FAILED)


def check_counted(
    store: Store,
    table_name: str,
    account: dict,
    hash_field: str,
    password: str,
    now: datetime,
    max_failures: int = MAX_FAILURES,
    lock_duration: timedelta = LOCK_DURATION,
) -> SignIn:
    """Check the password against the hash in `hash_field` of an account of `table_name`
    (parents' "comptes" with their password or their temporary one, staff's "personnels"),
    counting the failure or the success towards the lock (rules/lockout.py)."""
    now = in_paris(now)
    until = locked_until(account, now)
    if until is not None:
        return SignIn(SignInOutcome.LOCKED, until=until)
    right = verify_password(account[hash_field], password)
    with store.transaction() as db:
        table = db.table(table_name)
        current = table.get(doc_id=account["id"])
        if current is None or current.get(hash_field) != account[hash_field]:
            # Deleted or given a new password while this one was being checked.
            return SignIn(SignInOutcome.FAILED)
        current = _with_id(current)
        until = locked_until(current, now)
        if until is not None:
            return SignIn(SignInOutcome.LOCKED, until=until)
        if current.get("state") == "bloqué":
            # Blocked by the school: refused without counting, as an unknown identifiant is.
            return SignIn(SignInOutcome.FAILED)
        if right:
            record_success(current)
        else:
            record_failure(current, now, max_failures, lock_duration)
        changes = {"failures": current["failures"], "locked_until": current["locked_until"]}
        table.update(changes, doc_ids=[current["id"]])
    if right:
        return SignIn(SignInOutcome.OK, account=current)
    until = locked_until(current, now)
    if until is not None:
        return SignIn(SignInOutcome.LOCKED, until=until)
    return SignIn(SignInOutcome.FAILED)


@cache
def _dummy_hash() -> str:
    """A hash made with the same cost as real ones, for identifiants that have none."""
    return hash_password("aucun compte ne porte ce mot de passe")
