"""The contact details a parent declares (records/contacts.py): kept on the account, falling
back detail by detail on what the service knows, never written to the school's roster."""

from __future__ import annotations

from datetime import datetime

import pytest

from records import accounts
from records.contacts import Contact, change_phone, contact_of, save_contact
from records.roster import RESPONSABLES
from rules.addresses import Address
from rules.clock import PARIS

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
LILAS = Address("12 rue des Lilas", "", "69001", "Lyon")


def account_for(db, nom: str, prenom: str, telephone: str) -> dict:
    found = accounts.find_responsables(db, telephone, nom, prenom)
    return accounts.create_account(
        db, [one["id"] for one in found], prenom, nom, telephone, None, "auto-inscription", NOW
    )


@pytest.fixture
def sophie(db):
    return account_for(db, "Lefèvre-D'Almeida", "Sophie", "+33612345678")


@pytest.fixture
def karim(db):
    # No e-mail on the roster.
    return account_for(db, "Benali", "Karim", "+33623456789")


def roster(db) -> list[dict]:
    with db.reading() as read:
        return read.table(RESPONSABLES).all()


def test_defaults_from_the_roster_and_the_account(db, sophie):
    assert contact_of(db, sophie) == Contact(
        "sophie.lefevre-dalmeida@example.org", "+33612345678", None
    )


def test_the_accounts_own_email_comes_first(db, sophie):
    with db.transaction() as write:
        write.table(accounts.ACCOUNTS).update(
            {"email": "sophie@exemple.fr"}, doc_ids=[sophie["id"]]
        )
    # The account as read before the change is enough: the details are read again.
    assert contact_of(db, sophie).courriel == "sophie@exemple.fr"


def test_no_email_known(db, karim):
    assert contact_of(db, karim) == Contact("", "+33623456789", None)


def test_saving_the_email_and_address(db, karim):
    before = roster(db)
    saved = save_contact(db, karim["id"], "karim@exemple.fr", LILAS, NOW)
    assert saved == Contact("karim@exemple.fr", "+33623456789", LILAS)
    assert contact_of(db, karim) == saved
    assert roster(db) == before
    stored = accounts.find_by_id(db, karim["id"])["coordonnees"]
    assert stored == {
        "courriel": "karim@exemple.fr",
        "adresse": LILAS.as_dict(),
        "modifiees_le": "2026-09-14T10:00:00+02:00",
    }


def test_changing_the_phone_keeps_the_rest(db, karim):
    save_contact(db, karim["id"], "karim@exemple.fr", LILAS, NOW)
    changed = change_phone(db, karim["id"], "+33670000101", NOW)
    assert changed == Contact("karim@exemple.fr", "+33670000101", LILAS)
    assert contact_of(db, karim) == changed
    # The account's own phone (the one it was made with) is not the declared one.
    assert accounts.find_by_id(db, karim["id"])["telephone"] == "+33623456789"


def test_a_phone_alone_leaves_the_email_to_follow_the_defaults(db, sophie):
    change_phone(db, sophie["id"], "+33670000101", NOW)
    assert contact_of(db, sophie) == Contact(
        "sophie.lefevre-dalmeida@example.org", "+33670000101", None
    )


def test_saving_for_no_account(db):
    with pytest.raises(LookupError):
        save_contact(db, 999, "karim@exemple.fr", LILAS, NOW)
    with pytest.raises(LookupError):
        change_phone(db, 999, "+33670000101", NOW)


def test_dict_round_trip():
    contact = Contact("karim@exemple.fr", "+33670000101", LILAS)
    assert contact.as_dict() == {
        "courriel": "karim@exemple.fr",
        "telephone": "+33670000101",
        "adresse": LILAS.as_dict(),
    }
    assert Contact.from_dict(contact.as_dict()) == contact
    assert Contact.from_dict({"courriel": "a@b.fr", "telephone": "+33670000101"}).adresse is None
