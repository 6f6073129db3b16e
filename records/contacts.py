"""The contact details a parent declares (journeys §6, the fiche de renseignements; reused by the
scholarship request, §7): e-mail, mobile phone and postal address.

They are the parent's, not a child's: they are kept on the ACCOUNT record ("comptes"), so they
hold for every child of the account. The school's roster records are never changed by the
parent: the school's file stays what the school sent.

- The e-mail is the account's CONFIRMED address only (`records/email_changes.py`, issue 12):
  the one every mail goes to. An address typed in the fiche or a request that is not it waits
  for its confirmation link (`email_to_confirm`) and is used only once confirmed. The
  school's roster address is the school's: it is never used for the parent's mail. An e-mail
  declared empty forgets the confirmed address (the parent chose to be told by SMS).
- The mobile: the account's own "phone", changed once the parent proved the new one with a
  code sent there.
- The postal address: under "contact_details" ("address", and "changed_at" for the last
  change); none until the parent gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from outside.storage import Tx
from records import email_changes
from records.accounts import ACCOUNTS
from rules.addresses import Address
from rules.clock import in_paris

KEY = "contact_details"


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str  # E.164
    address: Address | None
    # A new address typed, waiting for its confirmation link: never written to.
    email_to_confirm: str = ""

    def as_dict(self) -> dict:
        """As a scholarship request and its journey keep it (their "contact")."""
        data = {
            "email": self.email,
            "phone": self.phone,
            "address": self.address.as_dict() if self.address else None,
        }
        if self.email_to_confirm:
            data["email_to_confirm"] = self.email_to_confirm
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Contact:
        address = data.get("address")
        return cls(
            email=data.get("email") or "",
            phone=data.get("phone") or "",
            address=Address.from_dict(address) if address else None,
            email_to_confirm=data.get("email_to_confirm") or "",
        )


def contact_of(tx: Tx, account: dict) -> Contact:
    """The account's contact details as saved now (the `account` given may be older)."""
    return _contact(tx, _account(tx, account["id"]))


def save_contact(tx: Tx, account_id: int, email: str, address: Address, now: datetime) -> Contact:
    """Declare the postal address (already checked) and the e-mail: "" forgets the confirmed
    address, the confirmed one itself cancels a new one waiting; any other address is kept only
    by its confirmation link (`views/email_confirmation.py` sends it as the form is read: an
    address with no link waiting is not kept). The phone is kept."""
    tx.lock(f"compte:{account_id}")
    account = _account(tx, account_id)
    if not email:
        email_changes.remove_email(tx, account_id)
    elif email == email_changes.confirmed_email(account):
        email_changes.cancel(tx, account_id)
    return _declare(tx, account_id, now, address=address.as_dict())


def change_phone(tx: Tx, account_id: int, phone: str, now: datetime) -> Contact:
    """Change the mobile, once the parent proved it is theirs with a code sent there: the
    account's own "phone" (issue 12: the one « Mon compte », the notices of a password
    change and the recovery read), so no other number is kept beside it."""
    return _declare(tx, account_id, now, phone=phone)


def _declare(
    tx: Tx, account_id: int, now: datetime, address: dict | None = None, phone: str = ""
) -> Contact:
    # The details are merged into what the account holds: read under the account's lock, so
    # the fiche and a request's first step saving at once keep each other's details.
    tx.lock(f"compte:{account_id}")
    account = _account(tx, account_id)
    declared = {**account.get(KEY, {}), "changed_at": in_paris(now).isoformat()}
    if address is not None:
        declared["address"] = address
    changes = {KEY: declared}
    if phone:
        changes["phone"] = phone
    tx.update(ACCOUNTS, account_id, changes)
    return _contact(tx, {**account, **changes})


def _account(tx: Tx, account_id: int) -> dict:
    found = tx.get(ACCOUNTS, account_id)
    if found is None:
        raise LookupError(f"aucun compte n° {account_id}")
    return found


def _contact(tx: Tx, account: dict) -> Contact:
    declared = account.get(KEY) or {}
    return Contact(
        email=email_changes.confirmed_email(account),
        phone=account.get("phone") or "",
        address=Address.from_dict(declared["address"]) if declared.get("address") else None,
        email_to_confirm=email_changes.pending_email(account),
    )
