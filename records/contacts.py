"""The contact details a parent declares (journeys §6, the fiche de renseignements; reused by the
scholarship request, §7): e-mail, mobile phone and postal address.

They are the parent's, not a child's: they are kept on the ACCOUNT record ("comptes") under
"coordonnees", so they hold for every child of the account. The school's roster records are
never changed by the parent: the school's file stays what the school sent.

Each detail the parent has not declared yet falls back, one by one, on what the service already
knows: the e-mail confirmed on the account, else one on the parent's roster records; the mobile
the account was made with. There is no postal address until the parent gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tinydb import TinyDB

from outside.storage import Store
from records.accounts import ACCOUNTS
from records.roster import RESPONSABLES
from rules.addresses import Address
from rules.clock import in_paris

KEY = "coordonnees"


@dataclass(frozen=True)
class Contact:
    courriel: str
    telephone: str  # E.164
    adresse: Address | None

    def as_dict(self) -> dict:
        return {
            "courriel": self.courriel,
            "telephone": self.telephone,
            "adresse": self.adresse.as_dict() if self.adresse else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Contact:
        adresse = data.get("adresse")
        return cls(
            courriel=data.get("courriel") or "",
            telephone=data.get("telephone") or "",
            adresse=Address.from_dict(adresse) if adresse else None,
        )


def contact_of(store: Store, account: dict) -> Contact:
    """The account's contact details as saved now (the `account` given may be older)."""
    with store.reading() as db:
        return _contact(db, _account(db, account["id"]))


def save_contact(
    store: Store, account_id: int, courriel: str, adresse: Address, now: datetime
) -> Contact:
    """Declare the e-mail and the postal address (already checked); the phone is kept."""
    return _declare(store, account_id, now, courriel=courriel, adresse=adresse.as_dict())


def change_phone(store: Store, account_id: int, telephone_e164: str, now: datetime) -> Contact:
    """Declare the mobile phone, once the parent proved it is theirs with a code sent there."""
    return _declare(store, account_id, now, telephone=telephone_e164)


def _declare(store: Store, account_id: int, now: datetime, **details) -> Contact:
    with store.transaction() as db:
        account = _account(db, account_id)
        declared = {**account.get(KEY, {}), **details, "modifiees_le": in_paris(now).isoformat()}
        db.table(ACCOUNTS).update({KEY: declared}, doc_ids=[account_id])
        return _contact(db, {**account, KEY: declared})


def _account(db: TinyDB, account_id: int) -> dict:
    found = db.table(ACCOUNTS).get(doc_id=account_id)
    if found is None:
        raise LookupError(f"aucun compte n° {account_id}")
    return {**found, "id": found.doc_id}


def _contact(db: TinyDB, account: dict) -> Contact:
    declared = account.get(KEY) or {}
    return Contact.from_dict(
        {
            "courriel": declared.get("courriel") or _known_email(db, account),
            "telephone": declared.get("telephone") or account.get("telephone"),
            "adresse": declared.get("adresse"),
        }
    )


def _known_email(db: TinyDB, account: dict) -> str:
    """The account's own e-mail, else the first one on its roster records (lowest id first, so
    the answer does not change from one page to the next)."""
    if account.get("email"):
        return account["email"]
    table = db.table(RESPONSABLES)
    for number in sorted(account.get("responsables", [])):
        doc = table.get(doc_id=number)
        if doc and doc.get("email"):
            return doc["email"]
    return ""
