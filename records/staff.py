"""The school's staff accounts ("personnels", journeys §4): created on the command line, each
tied to one établissement, signing in under /admin with the parents' password and lock rules.

A staff identifiant is chosen by whoever creates the account ("secretariat.concorde"); it is
unique whatever its case, and kept apart from the parents' identifiants (another table, another
sign-in page).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from outside.storage import Duplicate, Tx
from records import sessions
from records.accounts import SignIn, check_counted, unknown_identifiant
from records.roster import ETABLISSEMENTS
from rules.clock import in_paris
from rules.lockout import cleared
from rules.passwords import hash_password

STAFF = "personnels"


class Role(StrEnum):
    DIRECTION = "direction"  # the school head: also decides the scholarship requests
    SECRETARIAT = "secretariat"


DIRECTION, SECRETARIAT = Role.DIRECTION, Role.SECRETARIAT
ROLES = tuple(Role)
ROLE_NAMES = {DIRECTION: "direction", SECRETARIAT: "secrétariat"}

# Letters, digits and the separators people put in logins; no spaces, so it can be typed as is.
IDENTIFIANT = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


class StaffExists(Exception):
    """A staff account already has this identifiant (compared without case)."""

    def __init__(self, identifier: str):
        super().__init__(f"le compte {identifier} existe déjà")
        self.identifier = identifier


def create_staff(
    tx: Tx, identifier: str, password: str, uai: str, role: str, now: datetime
) -> dict:
    """A new staff account; ValueError (in French) for a bad identifier, role or unknown UAI."""
    identifier = (identifier or "").strip()
    uai = (uai or "").strip().upper()
    if not IDENTIFIANT.match(identifier):
        raise ValueError(
            f"identifiant « {identifier} » refusé : de 3 à 64 lettres sans accent, chiffres, "
            "points, tirets ou soulignés"
        )
    if role not in ROLES:
        raise ValueError(f"rôle « {role} » inconnu : direction ou secretariat")
    if tx.find_one(ETABLISSEMENTS, uai=uai) is None:
        raise ValueError(f"établissement {uai} inconnu : importez d'abord sa liste d'élèves")
    if _by_identifier(tx, identifier) is not None:
        raise StaffExists(identifier)
    staff = {
        "identifier": identifier,
        # How it is found: the identifier is unique whatever its case.
        "identifier_key": identifier.casefold(),
        "password_hash": hash_password(password),
        "uai": uai,
        "role": role,
        **cleared(),
        "created_at": in_paris(now).isoformat(),
    }
    try:
        number = tx.insert(STAFF, staff)
    except Duplicate:
        # Created by another transaction since the check above.
        raise StaffExists(identifier) from None
    return {**staff, "id": number}


def find_staff_by_id(tx: Tx, staff_id: int) -> dict | None:
    return tx.get(STAFF, staff_id)


def find_staff_by_identifier(tx: Tx, identifier: str) -> dict | None:
    return _by_identifier(tx, identifier)


def sign_in_staff(tx: Tx, identifier: str, password: str, now: datetime, client: str) -> SignIn:
    """As `records.accounts.sign_in`: OK with the staff account in `account`, or FAILED; wrong
    passwords make the client that types them wait, as the parents' do (rules/lockout.py)."""
    staff = find_staff_by_identifier(tx, identifier)
    if staff is None:
        return unknown_identifiant(password)
    return check_counted(tx, STAFF, staff, "password_hash", password, now, client)


def set_password(tx: Tx, identifier: str, password: str) -> tuple[dict, int] | None:
    """Give the staff member a new password: the waits after wrong ones end and every
    session signed in with the old one ends. Returns the staff member and how many sessions
    ended, or None when the identifier is unknown."""
    found = _by_identifier(tx, identifier)
    if found is None:
        return None
    password_hash = hash_password(password)  # before the lock: argon2 takes a fifth of a second
    tx.lock(f"personnel:{found['id']}")
    changes = {"password_hash": password_hash, **cleared()}
    tx.update(STAFF, found["id"], changes)
    return {**found, **changes}, sessions.end_all(tx, staff_id=found["id"])


def _by_identifier(tx: Tx, identifier: str) -> dict | None:
    typed = (identifier or "").strip().casefold()
    if not typed:
        return None
    return tx.find_one(STAFF, identifier_key=typed)
