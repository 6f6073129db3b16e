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

from outside.storage import Tx
from records.accounts import ACCOUNTS, list_state
from records.activation import reports_of
from records.roster import (
    ETABLISSEMENTS,
    RESPONSABLES,
    eleves_by_ine,
    eleves_of,
    responsables_of,
)
from rules.account_states import AccountState
from rules.family_list import NO_ACCOUNT, children_at_school, searched
from rules.lockout import cleared, waiting_until
from rules.names import normalize_name


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
        """The end of the last wait after wrong passwords, if a client of the account waits
        now (the others may sign in)."""
        return waiting_until(self.account, now) if self.account else None

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


def school_name(tx: Tx, uai: str) -> str:
    found = tx.find_one(ETABLISSEMENTS, uai=uai)
    return found["nom"] if found else uai


def families(tx: Tx, uai: str) -> list[Family]:
    """Every responsable of the school, by name."""
    return _families(tx, uai)


def families_page(
    tx: Tx, uai: str, offset: int, limit: int, text: str = "", classe: str = "", state: str = ""
) -> tuple[int, list[Family]]:
    """How many of the school's families match every criterion given (an empty one matches
    all), and `limit` of them from `offset`, in the order of `families`: the same as `search`,
    read a page at a time by the keys rules/family_list.py keeps on the records."""
    wanted = searched(text)
    found = tx.find_page(
        RESPONSABLES,
        {"uai": uai},
        offset,
        limit,
        equal={"etat_compte": state} if state else None,
        elements={"classes": classe} if classe else None,
        parts={"recherche": wanted} if wanted is not None else None,
    )
    return found.total, _families_of(tx, found.docs)


def class_names(tx: Tx, uai: str) -> list[str]:
    """The classes of the school's families (`classes`), read from the list's keys."""
    return sorted(tx.listed_elements(RESPONSABLES, "classes", {"uai": uai}), key=class_order)


def family(tx: Tx, uai: str, responsable_id: int) -> Family | None:
    """One responsable of the school; None if unknown or of another school."""
    found = families_by_id(tx, uai, [responsable_id])
    return found[0] if found else None


def families_by_id(tx: Tx, uai: str, responsable_ids: list[int]) -> list[Family]:
    """These responsables of the school, in this order; those unknown or of another school are
    left out."""
    found = [tx.get(RESPONSABLES, number) for number in responsable_ids]
    return _families_of(tx, [doc for doc in found if doc is not None and doc["uai"] == uai])


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


def reports(tx: Tx, uai: str) -> list[dict]:
    """The children parents said, at their first login, were not theirs (newest first), each
    with its "eleve" and its "responsable" records when the school still has them."""
    found = reports_of(tx, uai)
    eleves = {
        ine: eleve
        for ine, eleve in eleves_by_ine(tx, [report["ine"] for report in found]).items()
        if eleve["uai"] == uai
    }
    return [
        {
            **report,
            "eleve": eleves.get(report["ine"]),
            "responsable": tx.get(RESPONSABLES, report["responsable_id"]),
        }
        for report in found
    ]


def unblock(tx: Tx, uai: str, responsable_id: int) -> dict | None:
    """Clear the waits after wrong passwords, for every client, and lift a block. Returns the
    account as it was, or None when the responsable is not the school's or has no account.

    A blocked account goes back to the state it had reached: active if it was ever activated,
    else notified if it holds a temporary password, else not activated."""
    responsable = tx.get(RESPONSABLES, responsable_id)
    if responsable is None or responsable["uai"] != uai:
        return None
    account = _account(tx, responsable_id)
    if account is None:
        return None
    # The counters a sign-in is changing now are read again once it is done.
    tx.lock(f"compte:{account['id']}")
    account = tx.get(ACCOUNTS, account["id"])
    if account is None:
        return None
    changes = cleared()
    if account["state"] == AccountState.BLOCKED:
        changes["state"] = _state_before_block(account)
    tx.update(ACCOUNTS, account["id"], changes)
    list_state(tx, {**account, **changes})
    return account


def _state_before_block(account: dict) -> AccountState:
    if account.get("activated_at"):
        return AccountState.ACTIVE
    if account.get("temporary_password_hash"):
        return AccountState.NOTIFIED
    return AccountState.NOT_ACTIVATED


def _families(tx: Tx, uai: str) -> list[Family]:
    eleves = {doc["ine"]: doc for doc in eleves_of(tx, uai)}
    responsables = responsables_of(tx, uai)
    accounts = _accounts_by_responsable(tx, [doc["id"] for doc in responsables])
    found = [_family(doc, eleves, accounts) for doc in responsables]
    return sorted(
        found,
        key=lambda one: (
            normalize_name(one.responsable["nom"]),
            normalize_name(one.responsable["prenom"]),
            one.id,
        ),
    )


def _families_of(tx: Tx, responsables: list[dict]) -> list[Family]:
    """These responsable records with their children and accounts, in the same order."""
    ines = [ine for doc in responsables for ine in doc.get("eleves", [])]
    eleves = eleves_by_ine(tx, ines)
    accounts = _accounts_by_responsable(tx, [doc["id"] for doc in responsables])
    return [_family(doc, eleves, accounts) for doc in responsables]


def _family(responsable: dict, eleves: dict[str, dict], accounts: dict[int, dict]) -> Family:
    """A responsable with its children among `eleves` (by INE) and its account in `accounts`
    (by responsable id)."""
    children = children_at_school(responsable, eleves)
    return Family(responsable, children, accounts.get(responsable["id"]))


def _accounts_by_responsable(tx: Tx, responsable_ids: list[int]) -> dict[int, dict]:
    """The account of each of these responsables that has one. An account holds every record
    of its parent (one per school), so some found hold other responsables too."""
    found = {}
    for doc in tx.find_any(ACCOUNTS, "responsable_ids", responsable_ids):
        for number in doc.get("responsable_ids", []):
            found[number] = doc
    return found


def _account(tx: Tx, responsable_id: int) -> dict | None:
    return tx.find_one(ACCOUNTS, responsable_ids=responsable_id)
