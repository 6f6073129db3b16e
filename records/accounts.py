"""ÉduConnect accounts (journeys §0, §1, §2): finding the responsables a parent is on the
rosters as, creating their one account, and signing in.

An account ("comptes") belongs to one person, who may be a responsable in several schools: it
holds the doc ids of all those responsable records ("responsable_ids"). Every identifier ever
given is also kept in "identifiants_utilises", so none is given twice, even after an account is
deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cache

from outside.storage import Tx
from records.roster import ELEVES, ETABLISSEMENTS, RESPONSABLES
from rules.account_states import LISTED, AccountState
from rules.clock import in_paris
from rules.identifiers import base_identifier
from rules.lockout import LIMITS, Limits, cleared, record_failure, record_success, wait_until
from rules.names import normalize_name
from rules.passwords import hash_password, verify_password

ACCOUNTS = "comptes"
USED_IDENTIFIERS = "identifiants_utilises"

STATES = LISTED
METHODS = ("auto-inscription", "franceconnect", "notification")

# The lock a password check takes on the account it counts against, per table.
_SIGN_IN_LOCKS = {ACCOUNTS: "compte", "personnels": "personnel"}


class AccountExists(Exception):
    """One of these responsables already has an account (kept in `account`, with its "id")."""

    def __init__(self, account: dict):
        super().__init__(f"le compte {account['identifier']} existe déjà")
        self.account = account


class SignInOutcome(Enum):
    OK = "ok"
    # A wrong password, an unknown identifiant, or a client kept waiting: one answer for all.
    FAILED = "failed"


@dataclass(frozen=True)
class SignIn:
    """OK with the `account`, or FAILED."""

    outcome: SignInOutcome
    account: dict | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is SignInOutcome.OK


# -- Responsables and their children -------------------------------------------------------------


def find_responsables(tx: Tx, phone: str, last_name: str, first_name: str) -> list[dict]:
    """Every responsable record, in every school, with this phone and this name (§2.1)."""
    wanted = (normalize_name(last_name), normalize_name(first_name))
    return [
        doc
        for doc in tx.find(RESPONSABLES, telephone=phone)
        if (normalize_name(doc["nom"]), normalize_name(doc["prenom"])) == wanted
    ]


def children_of(tx: Tx, responsable_ids: list[int]) -> list[dict]:
    """The distinct élèves of these responsables, by school then first name."""
    ines = {ine for doc in _responsables(tx, responsable_ids) for ine in doc.get("eleves", [])}
    eleves = tx.find_any(ELEVES, "ine", sorted(ines))
    uais = sorted({eleve["uai"] for eleve in eleves})
    schools = {doc["uai"]: doc["nom"] for doc in tx.find_any(ETABLISSEMENTS, "uai", uais)}
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


def _responsables(tx: Tx, responsable_ids: list[int]) -> list[dict]:
    return [doc for number in sorted(set(responsable_ids)) if (doc := tx.get(RESPONSABLES, number))]


# -- Accounts ------------------------------------------------------------------------------------


def list_state(tx: Tx, account: dict) -> None:
    """Keep the account's state on each of its responsable records, where the back office's
    list filters by it (rules/family_list.py) without reading the accounts. Called by every
    write of an account's "state" or "responsable_ids", in its transaction."""
    for number in account["responsable_ids"]:
        tx.update(RESPONSABLES, number, {"etat_compte": account["state"]})


def account_of(tx: Tx, responsable_ids: list[int]) -> dict | None:
    """The account holding any of these responsables."""
    return _account_of(tx, responsable_ids)


def find_by_id(tx: Tx, account_id: int) -> dict | None:
    """The account with this doc id (the one a signed-in session keeps)."""
    return tx.get(ACCOUNTS, account_id)


def find_by_identifier(tx: Tx, identifier: str) -> dict | None:
    """The account with this identifier, however it was typed ("  M.Durand1 ")."""
    typed = (identifier or "").strip().casefold()
    if not typed:
        return None
    return tx.find_one(ACCOUNTS, identifier_key=typed)


def create_account(
    tx: Tx,
    responsable_ids: list[int],
    first_name: str,
    last_name: str,
    phone: str,
    password_hash: str | None,
    method: str,
    now: datetime,
    franceconnect_sub: str | None = None,
) -> dict:
    """An active account for these responsables, with a new identifiant (§0); or, when the
    school has already sent them a letter (an account « notifié »), that account activated with
    this password: same identifiant, the letter's temporary password no longer signs in.

    The responsables are locked before their account is looked for, and the identifiant's
    number is taken under a lock of its own, so two registrations at once, in any processes,
    can neither both take one identifiant nor both give an account to one person.
    """
    if method not in METHODS:
        raise ValueError(f"méthode d'activation inconnue : {method}")
    if not responsable_ids:
        raise ValueError("un compte appartient à au moins un responsable")
    moment = in_paris(now).isoformat()
    lock_responsables(tx, responsable_ids)
    if len(_responsables(tx, responsable_ids)) != len(set(responsable_ids)):
        raise ValueError(f"responsable inconnu parmi {sorted(set(responsable_ids))}")
    existing = _account_of(tx, responsable_ids)
    if existing is None and franceconnect_sub:
        existing = find_by_franceconnect_sub(tx, franceconnect_sub)
    if existing is not None and existing["state"] == AccountState.NOTIFIED and password_hash:
        return _activate_notified(tx, existing, phone, password_hash, method, moment)
    if existing is not None:
        raise AccountExists(existing)
    return _new_account(
        tx,
        responsable_ids,
        first_name,
        last_name,
        phone,
        password_hash,
        method,
        moment,
        franceconnect_sub,
    )


def _activate_notified(
    tx: Tx, account: dict, phone: str, password_hash: str, method: str, moment: str
) -> dict:
    """The letter's account, activated by the parent who proved the phone and the children's
    birth dates another way (the letter lost, or expired): its temporary password and an
    activation link waiting for confirmation stop working."""
    changes = {
        "state": AccountState.ACTIVE,
        "method": method,
        "password_hash": password_hash,
        "phone": phone,
        "activated_at": moment,
        "temporary_password_hash": None,
        "temporary_password_expires": None,
        "pending_activation": None,
        **cleared(),
    }
    tx.update(ACCOUNTS, account["id"], changes)
    list_state(tx, {**account, **changes})
    return {**account, **changes}


def lock_responsables(tx: Tx, responsable_ids: list[int]) -> None:
    """Serialise what decides whether these responsables get an account (looking for theirs,
    then making one) with every other transaction doing the same for any of them."""
    # In one order, so two transactions locking overlapping sets never wait for each other.
    for number in sorted(set(responsable_ids)):
        tx.lock(f"responsable:{number}")


def _new_account(
    tx: Tx,
    responsable_ids: list[int],
    first_name: str,
    last_name: str,
    phone: str,
    password_hash: str | None,
    method: str,
    moment: str,
    franceconnect_sub: str | None = None,
    state: AccountState = AccountState.ACTIVE,
) -> dict:
    """Insert an account with a newly reserved identifiant, in the caller's transaction: active,
    or "notifié" when a school distributes it (records.notifications), activated later."""
    identifiant = _reserve_identifier(tx, first_name, last_name, moment)
    account = {
        "identifier": identifiant,
        # How a typed identifiant finds the account, by key ("  S.Durand1 " is "s.durand1").
        "identifier_key": identifiant.casefold(),
        "password_hash": password_hash,
        "state": state,
        "method": method,
        "franceconnect_sub": franceconnect_sub,
        # The roster's address is the school's; the account's is the one the parent confirms.
        "email": None,
        "email_confirmed": False,
        "responsable_ids": sorted(set(responsable_ids)),
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        **cleared(),
        "activated_at": moment if state == AccountState.ACTIVE else None,
        "created_at": moment,
    }
    if franceconnect_sub:
        account["franceconnect_linked_at"] = moment
    number = tx.insert(ACCOUNTS, account)
    list_state(tx, account)
    return {**account, "id": number}


def find_by_franceconnect_sub(tx: Tx, sub: str) -> dict | None:
    """The account this FranceConnect identity was linked to at its first connection."""
    if not sub:
        return None
    return tx.find_one(ACCOUNTS, franceconnect_sub=sub)


def activate_with_franceconnect(
    tx: Tx,
    responsable_ids: list[int],
    first_name: str,
    last_name: str,
    phone: str,
    sub: str,
    now: datetime,
) -> dict:
    """Link a FranceConnect identity to the account of these responsables (§3): the existing
    account if the parent has one (it becomes active if it was not), else a new one with no
    ÉduConnect password. A `sub` already linked elsewhere raises AccountExists."""
    moment = in_paris(now).isoformat()
    lock_responsables(tx, responsable_ids)
    other = find_by_franceconnect_sub(tx, sub)
    existing = _account_of(tx, responsable_ids)
    if other is not None and (existing is None or other["id"] != existing["id"]):
        raise AccountExists(other)
    if existing is not None and existing.get("franceconnect_sub") not in (None, sub):
        # Already linked to another FranceConnect identity: never switched silently.
        raise AccountExists(existing)
    if existing is not None:
        changes = {"franceconnect_sub": sub, "franceconnect_linked_at": moment}
        if existing["state"] != AccountState.ACTIVE:
            changes.update(state=AccountState.ACTIVE, method="franceconnect", activated_at=moment)
        tx.update(ACCOUNTS, existing["id"], changes)
        list_state(tx, {**existing, **changes})
        return {**existing, **changes}
    return create_account(
        tx, responsable_ids, first_name, last_name, phone, None, "franceconnect", now, sub
    )


def _account_of(tx: Tx, responsable_ids: list[int]) -> dict | None:
    found = tx.find_any(ACCOUNTS, "responsable_ids", sorted(set(responsable_ids)))
    return found[0] if found else None


def _reserve_identifier(tx: Tx, first_name: str, last_name: str, moment: str) -> str:
    """The base's next number never given (§0), recorded as used for ever."""
    base = base_identifier(first_name, last_name)
    tx.lock(f"identifiant:{base}")
    while True:
        identifiant = f"{base}{tx.next_number(f'identifiant:{base}')}"
        # The accounts' identifiants too, in case one was ever written without being recorded
        # (or given before the counter existed).
        taken = tx.find_one(USED_IDENTIFIERS, identifier=identifiant) or tx.find_one(
            ACCOUNTS, identifier_key=identifiant.casefold()
        )
        if taken is None:
            break
    tx.insert(USED_IDENTIFIERS, {"identifier": identifiant, "reserved_at": moment})
    return identifiant


# -- « Mon compte » -------------------------------------------------------------------------------


def responsable_identity(tx: Tx, account: dict) -> dict:
    """The civilité, nom and prénom the school knows the account's holder by (its first
    responsable record), or the account's own names when none is left."""
    found = _responsables(tx, account.get("responsable_ids") or [])
    if not found:
        return {"civilite": "", "nom": account["last_name"], "prenom": account["first_name"]}
    first = found[0]
    return {"civilite": first.get("civilite") or "", "nom": first["nom"], "prenom": first["prenom"]}


class CannotUnlink(Exception):
    """The account has no ÉduConnect password: unlinked, it could no longer be signed in to."""


def change_password(tx: Tx, account_id: int, password_hash: str, now: datetime) -> dict:
    """A new password for the account (« Mon compte »: the parent typed the current one)."""
    changes = {"password_hash": password_hash, "password_changed_at": in_paris(now).isoformat()}
    tx.update(ACCOUNTS, account_id, changes)
    return {**tx.get(ACCOUNTS, account_id)}


def unlink_franceconnect(tx: Tx, account_id: int) -> dict:
    """The account's FranceConnect identity unlinked (« Délier FranceConnect »); refused with
    CannotUnlink when the account has no password, as it would then be closed to its owner."""
    tx.lock(f"compte:{account_id}")
    account = tx.get(ACCOUNTS, account_id)
    if account is None or not account.get("password_hash"):
        raise CannotUnlink()
    changes = {"franceconnect_sub": None, "franceconnect_linked_at": None}
    tx.update(ACCOUNTS, account_id, changes)
    return {**account, **changes}


# -- Signing in ----------------------------------------------------------------------------------


def sign_in(
    tx: Tx,
    identifier: str,
    password: str,
    now: datetime,
    client: str,
    limits: Limits = LIMITS,
) -> SignIn:
    """Check an identifier and password (§1) typed from `client` (rules.lockout.client_digest),
    counting the failure towards that client's waits."""
    now = in_paris(now)
    account = find_by_identifier(tx, identifier)
    if account is None or not account.get("password_hash"):
        return unknown_identifiant(password)
    return check_counted(tx, ACCOUNTS, account, "password_hash", password, now, client, limits)


def unknown_identifiant(password: str) -> SignIn:
    # As long as a real check, so the answer's delay does not tell who has an account.
    verify_password(dummy_hash(), password)
    return SignIn(SignInOutcome.FAILED)


def check_counted(
    tx: Tx,
    table_name: str,
    account: dict,
    hash_field: str,
    password: str,
    now: datetime,
    client: str,
    limits: Limits = LIMITS,
    also_right: bool = False,
) -> SignIn:
    """Check the password against the hash in `hash_field` of an account of `table_name`
    (parents' "comptes" with their password or their temporary one, staff's "personnels"),
    counting the failure or the success of `client` (rules/lockout.py). `also_right`: the
    caller found the password right against another hash of the account (the new password of
    an activation in progress); it counts as the one in `hash_field` would.

    The password is read even when the client must wait, so that its answer comes as late as
    any other and says nothing more (FAILED). It is read before the account is locked: argon2
    takes a fifth of a second, and tries at the other accounts need not wait for it. The counts
    are then read again under the account's lock and written in the same transaction, so tries
    made at the same time are all counted.
    """
    now = in_paris(now)
    right = verify_password(account[hash_field], password) or also_right
    tx.lock(f"{_SIGN_IN_LOCKS[table_name]}:{account['id']}")
    current = tx.get(table_name, account["id"])
    if current is None or current.get(hash_field) != account[hash_field]:
        # Deleted or given a new password while this one was being checked.
        return SignIn(SignInOutcome.FAILED)
    if current.get("state") == AccountState.BLOCKED or wait_until(current, client, now) is not None:
        # Blocked by the school, or this client waits after its failures: refused whatever the
        # password, without counting, as an unknown identifiant is.
        return SignIn(SignInOutcome.FAILED)
    if right:
        record_success(current, client, now, limits)
    else:
        record_failure(current, client, now, limits)
    changes = {"failures": current["failures"], "clients": current["clients"]}
    tx.update(table_name, current["id"], changes)
    if right:
        return SignIn(SignInOutcome.OK, account=current)
    return SignIn(SignInOutcome.FAILED)


@cache
def dummy_hash() -> str:
    """A hash made with the same cost as real ones, for identifiants that have none."""
    return hash_password("aucun compte ne porte ce mot de passe")
