"""The back office's list of responsables read a page at a time by the database
(`school.families_page`, `school.class_names`) gives what the school's families read whole give
(`school.families` and `school.search`), on the demo roster and after every write that changes
what the list shows: accounts made, notified, activated, blocked and unblocked, merged; children
detached; a pupil changing class or school; and migration 5 on records from before it. On the
engine TEST_BACKEND chooses."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from outside.storage.migrations import MIGRATIONS
from records import accounts, activation, merge, notifications, school
from records.accounts import STATES
from records.roster import import_roster
from rules.clock import PARIS
from rules.family_list import NO_ACCOUNT
from rules.passwords import hash_password
from rules.roster import parse_roster_bytes
from tests.roster_lines import TODAY, line
from tests.test_admin_views import csv_file

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
CONCORDE, PALMISTES = "0691234A", "0973123Z"
PASSWORD = "Rentree-Scolaire-2026!"
TEXTS = ["", "  ", "lea", "LÉA", "da silva", "dasilva", "silva fran", "benali", "x", "'", "é"]


@pytest.fixture
def demo(seeded, store):
    return store


def listed(store, uai: str, text: str, classe: str, state: str) -> list[int]:
    with store.reading() as tx:
        return listed_in(tx, uai, text, classe, state)


def listed_in(tx, uai: str, text: str, classe: str, state: str) -> list[int]:
    total, found = school.families_page(tx, uai, 0, 1000, text, classe, state)
    assert total == len(found)
    return [one.id for one in found]


def assert_listed_as_read_whole(store, uai: str = CONCORDE) -> None:
    """Every search, class and state (and all together) pages as the families read whole.
    All in one read: the ~400 pages of a school, each a transaction of its own, took a second
    on PostgreSQL."""
    with store.reading() as tx:
        whole = school.families(tx, uai)
        assert school.class_names(tx, uai) == school.classes(whole)
        classes = ["", *school.classes(whole), "9eZ"]
        for text, classe, state in itertools.product(TEXTS, classes, ["", *STATES]):
            expected = [one.id for one in school.search(whole, text, classe, state)]
            assert listed_in(tx, uai, text, classe, state) == expected, (text, classe, state)


def responsable_ids(store, prenom: str, uai: str | None = None) -> list[int]:
    with store.reading() as tx:
        found = [
            doc
            for school_uai in ([uai] if uai else [CONCORDE, PALMISTES])
            for doc in tx.find("responsables", uai=school_uai)
            if doc["prenom"] == prenom
        ]
    return [doc["id"] for doc in found]


def create(store, prenom: str, ids: list[int], password_hash: str | None = None) -> dict:
    with store.writing() as tx:
        first = tx.get("responsables", ids[0])
        return accounts.create_account(
            tx,
            ids,
            prenom,
            first["nom"],
            first["telephone"],
            password_hash,
            "auto-inscription",
            NOW,
        )


def notify(store, prenom: str) -> dict:
    with store.writing() as tx:
        letters = notifications.notify(
            tx, responsable_ids(store, prenom, CONCORDE), "secretariat", "courrier", NOW, CONCORDE
        )
    assert letters
    with store.reading() as tx:
        return accounts.account_of(tx, responsable_ids(store, prenom, CONCORDE))


def state_listed(store, prenom: str) -> str:
    with store.reading() as tx:
        (doc,) = [
            tx.get("responsables", number) for number in responsable_ids(store, prenom, CONCORDE)
        ]
    return doc["etat_compte"]


def test_the_demo_school_as_read_whole(demo):
    assert_listed_as_read_whole(demo, CONCORDE)
    assert_listed_as_read_whole(demo, PALMISTES)


def test_an_account_made_then_blocked_and_unblocked(demo):
    account = create(demo, "Sophie", responsable_ids(demo, "Sophie"), hash_password(PASSWORD))
    assert state_listed(demo, "Sophie") == "actif"
    assert_listed_as_read_whole(demo)
    with demo.writing() as tx:
        # No step of the service blocks an account yet: the back office's tests write it so.
        tx.update("comptes", account["id"], {"state": "bloqué"})
        accounts.list_state(tx, {**account, "state": "bloqué"})
    assert_listed_as_read_whole(demo)
    with demo.writing() as tx:
        school.unblock(tx, CONCORDE, responsable_ids(demo, "Sophie")[0])
    assert state_listed(demo, "Sophie") == "actif"
    assert_listed_as_read_whole(demo)


def test_notified_then_activated_by_the_letter_s_link(demo):
    account = notify(demo, "Karim")
    assert state_listed(demo, "Karim") == "notifié"
    assert_listed_as_read_whole(demo)
    with demo.writing() as tx:
        nonce = activation.await_confirmation(
            tx, account["id"], "karim@example.org", hash_password(PASSWORD), NOW
        )
        confirmed = activation.confirm(tx, account["id"], "karim@example.org", nonce, NOW)
    assert confirmed.outcome is activation.LinkOutcome.VALID
    assert state_listed(demo, "Karim") == "actif"
    assert_listed_as_read_whole(demo)


def test_notified_then_registered_or_franceconnected(demo):
    notify(demo, "Karim")
    create(demo, "Karim", responsable_ids(demo, "Karim"), hash_password(PASSWORD))
    assert state_listed(demo, "Karim") == "actif"
    account = notify(demo, "Aminata")
    with demo.writing() as tx:
        ids = account["responsable_ids"]
        accounts.activate_with_franceconnect(
            tx, ids, "Aminata", "N'Diaye", account["phone"], "sub-aminata", NOW
        )
    assert state_listed(demo, "Aminata") == "actif"
    assert_listed_as_read_whole(demo)


def test_two_accounts_of_one_person_merged(demo):
    """François Da Silva has a record at each school: one account each, then one."""
    concorde, palmistes = (responsable_ids(demo, "François", uai) for uai in (CONCORDE, PALMISTES))
    kept = create(demo, "François", concorde, hash_password(PASSWORD))
    other = create(demo, "François", palmistes, hash_password(PASSWORD))
    with demo.writing() as tx:
        done = merge.merge(tx, kept["id"], other["identifier"], PASSWORD, NOW, "client")
    assert done.ok
    with demo.reading() as tx:
        assert tx.get("comptes", other["id"])["responsable_ids"] == []
    assert_listed_as_read_whole(demo, CONCORDE)
    assert_listed_as_read_whole(demo, PALMISTES)


def test_children_detached_at_the_first_login(demo):
    ids = responsable_ids(demo, "Sophie")
    with demo.writing() as tx:
        activation.detach_children(tx, ids, ["0691500123K"], NOW)  # Léa
    assert listed(demo, CONCORDE, "lea", "", "") == responsable_ids(demo, "Julien")
    assert_listed_as_read_whole(demo)


def imported(store, *lines: str) -> None:
    report = parse_roster_bytes(csv_file(*lines), TODAY)
    assert report.ok, report.errors
    with store.writing() as tx:
        import_roster(tx, report.rows)


def test_a_pupil_changing_class_then_school(demo):
    imported(demo, line(classe="6eB"))  # Léa, with her mother Sophie
    assert "6eB" in listed_classes(demo, CONCORDE)
    assert_listed_as_read_whole(demo)
    # Léa goes to the Palmistes: her parents at the Concorde no longer list her there.
    imported(demo, line(uai=PALMISTES, etablissement_nom="Collège des Palmistes"))
    assert_listed_as_read_whole(demo, CONCORDE)
    assert_listed_as_read_whole(demo, PALMISTES)
    assert listed(demo, CONCORDE, "lea", "", "") == []


def listed_classes(store, uai: str) -> list[str]:
    with store.reading() as tx:
        return school.class_names(tx, uai)


def test_migration_5_lists_the_records_from_before_it(demo):
    notify(demo, "Karim")
    create(demo, "Sophie", responsable_ids(demo, "Sophie"), hash_password(PASSWORD))
    keys = ("tri_nom", "tri_prenom", "recherche", "classes", "etat_compte")
    with demo.writing() as tx:
        for doc in list(tx.scan("responsables")):
            tx.update("responsables", doc["id"], {name: None for name in keys})
        # The accounts as migration 5 found them; migration 7 renames their keys after it.
        for account in list(tx.scan("comptes")):
            tx.delete("comptes", account["id"])
            account["responsables"] = account.pop("responsable_ids")
            tx.restore("comptes", [account])
    for version in (5, 7):
        (migration,) = [one for one in MIGRATIONS if one.version == version]
        with demo.writing() as tx:
            migration.documents(tx)
    assert state_listed(demo, "Karim") == "notifié"
    assert state_listed(demo, "Julien") == NO_ACCOUNT
    assert_listed_as_read_whole(demo, CONCORDE)
    assert_listed_as_read_whole(demo, PALMISTES)
