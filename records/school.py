"""What a school's staff see of its families (journeys §4): each responsable of the school with
its children there and its ÉduConnect account, searched, filtered and counted for the back
office, and the help action "Débloquer le compte".

Every function takes the staff member's UAI and returns nothing of another school: a responsable
of another school is "not found", the same as one that does not exist.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from tinydb import Query, TinyDB

from outside.storage import Store
from records.accounts import ACCOUNTS
from records.activation import reports_of
from records.roster import ELEVES, ETABLISSEMENTS, RESPONSABLES
from rules.lockout import locked_until
from rules.names import normalize_name

NO_ACCOUNT = "non activé"


@dataclass(frozen=True)
class Family:
    responsable: dict  # the roster's record, with its "id"
    children: list[dict]  # its élèves in this school
    account: dict | None  # its ÉduConnect account, with its "id", if it has one

    @property
    def id(self) -> int:
        return self.responsable["id"]

    @property
    def name(self) -> str:
        parent = self.responsable
        return f"{parent['civilite']} {parent['prenom']} {parent['nom']}"

    @property
    def state(self) -> str:
        return self.account["state"] if self.account else NO_ACCOUNT

    @property
    def classes(self) -> list[str]:
        return sorted({child["classe"] for child in self.children}, key=class_order)

    def locked_until(self, now: datetime) -> datetime | None:
        """The end of the lock after wrong passwords, if the account is locked now."""
        return locked_until(self.account, now) if self.account else None

    def matches(self, text: str) -> bool:
        """Whether `text` is part of the name of the responsable or of one of its children,
        compared as names are ("da silva" finds "Da Silva", "lea" finds "Léa")."""
        wanted = normalize_name(text)
        people = [self.responsable, *self.children]
        return any(
            wanted in normalize_name(f"{person['prenom']} {person['nom']}")
            or wanted in normalize_name(f"{person['nom']} {person['prenom']}")
            for person in people
        )


def class_order(classe: str) -> tuple:
    """6e first, then 5e, 4e and 3e, as a school lists its classes."""
    level = int(classe[0]) if classe[:1].isdigit() else 0
    return (-level, classe)


def school_name(store: Store, uai: str) -> str:
    with store.reading() as db:
        found = db.table(ETABLISSEMENTS).get(Query().uai == uai)
    return found["nom"] if found else uai


def families(store: Store, uai: str) -> list[Family]:
    """Every responsable of the school, by name."""
    with store.reading() as db:
        return _families(db, uai)


def family(store: Store, uai: str, responsable_id: int) -> Family | None:
    """One responsable of the school; None if unknown or of another school."""
    return next((found for found in families(store, uai) if found.id == responsable_id), None)


def search(found: list[Family], text: str = "", classe: str = "", state: str = "") -> list:
    """The families matching every criterion given (an empty one matches all)."""
    return [
        one
        for one in found
        if (not text.strip() or one.matches(text))
        and (not classe or classe in one.classes)
        and (not state or one.state == state)
    ]


def classes(found: list[Family]) -> list[str]:
    return sorted({classe for one in found for classe in one.classes}, key=class_order)


def statistics(found: list[Family]) -> tuple[list[tuple[str, Counter]], Counter]:
    """Account states per class, and for the whole school. A responsable with children in two
    classes counts in both, and once in the total."""
    per_class: dict[str, Counter] = {classe: Counter() for classe in classes(found)}
    for one in found:
        for classe in one.classes:
            per_class[classe][one.state] += 1
    return list(per_class.items()), Counter(one.state for one in found)


def reports(store: Store, uai: str) -> list[dict]:
    """The children parents said, at their first login, were not theirs (newest first), each
    with its "eleve" and its "responsable" records when the school still has them."""
    found = reports_of(store, uai)
    with store.reading() as db:
        eleves = {doc["ine"]: dict(doc) for doc in db.table(ELEVES).search(Query().uai == uai)}
        responsables = db.table(RESPONSABLES)
        return [
            {
                **report,
                "eleve": eleves.get(report["ine"]),
                "responsable": responsables.get(doc_id=report["responsable_id"]),
            }
            for report in found
        ]


def unblock(store: Store, uai: str, responsable_id: int) -> dict | None:
    """Clear the lock after wrong passwords and lift a block, in one transaction. Returns the
    account as it was, or None when the responsable is not the school's or has no account.

    A blocked account goes back to the state it had reached: active if it was ever activated,
    else notified if it holds a temporary password, else not activated."""
    with store.transaction() as db:
        responsable = db.table(RESPONSABLES).get(doc_id=responsable_id)
        if responsable is None or responsable["uai"] != uai:
            return None
        account = _account(db, responsable_id)
        if account is None:
            return None
        changes = {"failures": 0, "locked_until": None}
        if account["state"] == "bloqué":
            changes["state"] = _state_before_block(account)
        db.table(ACCOUNTS).update(changes, doc_ids=[account["id"]])
    return account


def _state_before_block(account: dict) -> str:
    if account.get("activated_at"):
        return "actif"
    return "notifié" if account.get("temporary_password_hash") else NO_ACCOUNT


def _families(db: TinyDB, uai: str) -> list[Family]:
    eleves = {doc["ine"]: dict(doc) for doc in db.table(ELEVES).search(Query().uai == uai)}
    accounts = {}
    for doc in db.table(ACCOUNTS).all():
        for number in doc.get("responsables", []):
            accounts[number] = {**doc, "id": doc.doc_id}
    found = []
    for doc in db.table(RESPONSABLES).search(Query().uai == uai):
        children = [eleves[ine] for ine in doc.get("eleves", []) if ine in eleves]
        children.sort(key=lambda child: normalize_name(child["prenom"]))
        found.append(Family({**doc, "id": doc.doc_id}, children, accounts.get(doc.doc_id)))
    return sorted(
        found,
        key=lambda one: (
            normalize_name(one.responsable["nom"]),
            normalize_name(one.responsable["prenom"]),
            one.id,
        ),
    )


def _account(db: TinyDB, responsable_id: int) -> dict | None:
    found = db.table(ACCOUNTS).get(Query().responsables.any([responsable_id]))
    return {**found, "id": found.doc_id} if found else None
