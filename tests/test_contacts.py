"""The contact details a parent declares (records/contacts.py): kept on the account, the phone
falling back on the account's, never written to the school's roster; the e-mail is the account's
confirmed address only (issue 12), a new one waiting for its link beside it."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from records import accounts, email_changes
from records.contacts import Contact, change_phone, contact_of, save_contact
from records.roster import RESPONSABLES
from rules.addresses import Address
from rules.clock import PARIS
from tests.parents import account_for

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
LILAS = Address("12 rue des Lilas", "", "69001", "Lyon")


def read(store, fn, *args):
    with store.reading() as tx:
        return fn(tx, *args)


def written(store, fn, *args):
    with store.writing() as tx:
        return fn(tx, *args)


@pytest.fixture
def sophie(db):
    return account_for(db, "Lefèvre-D'Almeida", "Sophie", "+33612345678")


@pytest.fixture
def karim(db):
    # No e-mail on the roster.
    return account_for(db, "Benali", "Karim", "+33623456789")


def roster(db) -> list[dict]:
    with db.reading() as tx:
        return list(tx.scan(RESPONSABLES))


def confirm_email(db, account: dict, email: str) -> None:
    with db.writing() as tx:
        tx.update(accounts.ACCOUNTS, account["id"], {"email": email, "email_confirmed": True})


def test_defaults_from_the_account_never_the_rosters_email(db, sophie):
    # Issue 12: the school's roster has Sophie's address, but she never confirmed it.
    assert read(db, contact_of, sophie) == Contact("", "+33612345678", None)


def test_the_accounts_confirmed_email_only(db, sophie):
    with db.writing() as tx:
        tx.update(accounts.ACCOUNTS, sophie["id"], {"email": "sophie@exemple.fr"})
    # Written but not confirmed: no mail may go there.
    assert read(db, contact_of, sophie).email == ""
    confirm_email(db, sophie, "sophie@exemple.fr")
    # The account as read before the change is enough: the details are read again.
    assert read(db, contact_of, sophie).email == "sophie@exemple.fr"


def test_no_email_known(db, karim):
    assert read(db, contact_of, karim) == Contact("", "+33623456789", None)


def test_a_new_email_waits_beside_the_confirmed_one(db, karim):
    confirm_email(db, karim, "karim@exemple.fr")
    written(db, email_changes.await_confirmation, karim["id"], "karim@nouveau.fr", NOW)
    contact = read(db, contact_of, karim)
    assert contact == Contact("karim@exemple.fr", "+33623456789", None, "karim@nouveau.fr")
    assert contact.as_dict()["email_to_confirm"] == "karim@nouveau.fr"
    assert Contact.from_dict(contact.as_dict()) == contact


def test_saving_the_address_and_the_confirmed_email(db, karim):
    confirm_email(db, karim, "karim@exemple.fr")
    before = roster(db)
    saved = written(db, save_contact, karim["id"], "karim@exemple.fr", LILAS, NOW)
    assert saved == Contact("karim@exemple.fr", "+33623456789", LILAS)
    assert read(db, contact_of, karim) == saved
    assert roster(db) == before
    stored = read(db, accounts.find_by_id, karim["id"])["contact_details"]
    # The e-mail lives on the account only, where its confirmation put it.
    assert stored == {"address": LILAS.as_dict(), "changed_at": "2026-09-14T10:00:00+02:00"}


def test_an_email_typed_without_its_link_is_not_kept(db, karim):
    saved = written(db, save_contact, karim["id"], "karim@exemple.fr", LILAS, NOW)
    assert saved == Contact("", "+33623456789", LILAS)
    account = read(db, accounts.find_by_id, karim["id"])
    assert account["email"] is None
    assert not {"courriel", "email"} & set(account["contact_details"])


def test_typing_the_confirmed_email_again_cancels_the_new_one(db, karim):
    confirm_email(db, karim, "karim@exemple.fr")
    written(db, email_changes.await_confirmation, karim["id"], "karim@nouveau.fr", NOW)
    saved = written(db, save_contact, karim["id"], "karim@exemple.fr", LILAS, NOW)
    assert saved == Contact("karim@exemple.fr", "+33623456789", LILAS)


def test_an_empty_email_forgets_the_confirmed_and_the_waiting_one(db, karim):
    confirm_email(db, karim, "karim@exemple.fr")
    written(db, email_changes.await_confirmation, karim["id"], "karim@nouveau.fr", NOW)
    saved = written(db, save_contact, karim["id"], "", LILAS, NOW)
    assert saved == Contact("", "+33623456789", LILAS)
    account = read(db, accounts.find_by_id, karim["id"])
    assert account["email"] is None and account["email_confirmed"] is False


def test_changing_the_phone_keeps_the_rest(db, karim):
    confirm_email(db, karim, "karim@exemple.fr")
    written(db, save_contact, karim["id"], "karim@exemple.fr", LILAS, NOW)
    changed = written(db, change_phone, karim["id"], "+33670000101", NOW)
    assert changed == Contact("karim@exemple.fr", "+33670000101", LILAS)
    assert read(db, contact_of, karim) == changed
    # Issue 12: one mobile, the account's own (« Mon compte » and the recovery read it).
    changed_account = read(db, accounts.find_by_id, karim["id"])
    assert changed_account["phone"] == "+33670000101"
    assert set(changed_account["contact_details"]) == {"address", "changed_at"}


def test_the_address_and_the_phone_saved_at_once_are_both_kept(db, karim):
    # The fiche's phone change and a request's first step, sent at the same moment: each reads
    # the account's details under its lock, so neither writes over the other.
    confirm_email(db, karim, "karim@exemple.fr")
    start = threading.Barrier(2)

    def declare(fn, *args):
        start.wait()
        return written(db, fn, karim["id"], *args, NOW)

    with ThreadPoolExecutor(max_workers=2) as pool:
        phone = pool.submit(declare, change_phone, "+33670000101")
        address = pool.submit(declare, save_contact, "karim@exemple.fr", LILAS)
        phone.result(), address.result()
    assert read(db, contact_of, karim) == Contact("karim@exemple.fr", "+33670000101", LILAS)


def test_a_phone_alone_leaves_the_email_as_it_was(db, sophie):
    confirm_email(db, sophie, "sophie@exemple.fr")
    written(db, change_phone, sophie["id"], "+33670000101", NOW)
    assert read(db, contact_of, sophie) == Contact("sophie@exemple.fr", "+33670000101", None)


def test_saving_for_no_account(db):
    with pytest.raises(LookupError):
        written(db, save_contact, 999, "karim@exemple.fr", LILAS, NOW)
    with pytest.raises(LookupError):
        written(db, change_phone, 999, "+33670000101", NOW)


def test_dict_round_trip():
    contact = Contact("karim@exemple.fr", "+33670000101", LILAS)
    assert contact.as_dict() == {
        "email": "karim@exemple.fr",
        "phone": "+33670000101",
        "address": LILAS.as_dict(),
    }
    assert Contact.from_dict(contact.as_dict()) == contact
    assert Contact.from_dict({"email": "a@b.fr", "phone": "+33670000101"}).address is None
