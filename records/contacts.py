"""The contact details a parent declares (journeys §6, the fiche de renseignements; reused by the
scholarship request, §7): e-mail, mobile phone and postal address.

They are the parent's, not a child's: they are kept on the ACCOUNT record ("comptes") under
"coordonnees", so they hold for every child of the account. The school's roster records are
never changed by the parent: the school's file stays what the school sent.

Each detail the parent has not declared yet falls back, one by one, on what the service already
knows: the e-mail confirmed on the account, else one on the parent's roster records; the mobile
the account was made with. There is no postal address until the parent gives one. An e-mail
declared empty stays empty (the parent chose to be told by SMS): it never falls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from outside.storage import Tx
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


def contact_of(tx: Tx, account: dict) -> Contact:
    """The account's contact details as saved now (the `account` given may be older)."""
    return _contact(tx, _account(tx, account["id"]))


def save_contact(
    tx: Tx, account_id: int, courriel: str, adresse: Address, now: datetime
) -> Contact:
    """Declare the e-mail and the postal address (already checked); the phone is kept."""
    return _declare(tx, account_id, now, courriel=courriel, adresse=adresse.as_dict())


def change_phone(tx: Tx, account_id: int, telephone_e164: str, now: datetime) -> Contact:
    """Declare the mobile phone, once the parent proved it is theirs with a code sent there."""
    return _declare(tx, account_id, now, telephone=telephone_e164)


def _declare(tx: Tx, account_id: int, now: datetime, **details) -> Contact:
    # The details are merged into what the account holds: read under the account's lock, so
    # the fiche and a request's first step saving at once keep each other's details.
    tx.lock(f"compte:{account_id}")
    account = _account(tx, account_id)
    declared = {**account.get(KEY, {}), **details, "modifiees_le": in_paris(now).isoformat()}
    tx.update(ACCOUNTS, account_id, {KEY: declared})
    return _contact(tx, {**account, KEY: declared})


def _account(tx: Tx, account_id: int) -> dict:
    found = tx.get(ACCOUNTS, account_id)
    if found is None:
        raise LookupError(f"aucun compte n° {account_id}")
    return found


def _contact(tx: Tx, account: dict) -> Contact:
    declared = account.get(KEY) or {}
    return Contact.from_dict(
        {
            "courriel": (
                declared["courriel"] if "courriel" in declared else _known_email(tx, account)
            ),
            "telephone": declared.get("telephone") or account.get("telephone"),
            "adresse": declared.get("adresse"),
        }
    )


def _known_email(tx: Tx, account: dict) -> str:
    """The account's own e-mail, else the first one on its roster records (lowest id first, so
    the answer does not change from one page to the next)."""
    if account.get("email"):
        return account["email"]
    for number in sorted(account.get("responsables", [])):
        doc = tx.get(RESPONSABLES, number)
        if doc and doc.get("email"):
            return doc["email"]
    return ""
