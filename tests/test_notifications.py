"""Accounts distributed by the school (journeys §4): notifying gives an account an identifiant
and a temporary password, stored hashed, valid 3 months; the first login checks it, with the
sign-in's lock."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest

from commands.demo import DEMO_ROSTER
from records import accounts, journeys, notifications
from records.accounts import ACCOUNTS, USED_IDENTIFIERS, SignInOutcome, find_by_identifier
from records.notifications import (
    ALREADY_ACTIVE,
    BLOCKED,
    NO_EMAIL,
    OTHER_SCHOOL,
    UNKNOWN,
    Child,
    Recipient,
    School,
    Skipped,
    TemporaryCheck,
    TemporaryOutcome,
)
from records.roster import RESPONSABLES, import_roster
from rules.clock import PARIS
from rules.lockout import Limits, wait_until
from rules.passwords import hash_password, verify_password
from rules.roster import parse_roster_bytes
from tests import backends
from tests.backends import database_text
from tests.test_accounts import cost_of

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
# Where the sign-ins of these tests come from (a digest of an address, as the views give it).
HERE = "client-ici"
# A cheap argon2 cost for these tests: verifying reads the cost from the hash.
CONCORDE, PALMISTES = "0691234A", "0973123Z"


@pytest.fixture
def demo(new_store):
    with new_store.writing() as tx:
        import_roster(tx, parse_roster_bytes(DEMO_ROSTER.read_bytes(), NOW.date()).rows)
    return new_store


def in_one_transaction(function):
    """`function(tx, …)` called with a store instead, in a write transaction of its own, as a
    view's POST calls it."""

    def call(store, *args, **kwargs):
        with store.writing() as tx:
            return function(tx, *args, **kwargs)

    return call


notify = in_one_transaction(notifications.notify)
create_account = in_one_transaction(accounts.create_account)


def check_temporary(store, identifiant, password, now, client=HERE, **limits):
    with store.writing() as tx:
        return notifications.check_temporary(tx, identifiant, password, now, client, **limits)


def sign_in(store, identifiant, password, now):
    with store.writing() as tx:
        return accounts.sign_in(tx, identifiant, password, now, HERE)


def rid(store, prenom: str, uai: str = CONCORDE) -> int:
    """The doc id of the demo responsable with this first name in this school."""
    with store.reading() as tx:
        found = [doc["id"] for doc in tx.find(RESPONSABLES, uai=uai) if doc["prenom"] == prenom]
    assert len(found) == 1
    return found[0]


def send(store, ids, how="courrier", now=NOW, **options):
    return notify(store, ids, "secretariat1", how, now, **options)


def account(store, identifiant):
    with store.reading() as tx:
        return find_by_identifier(tx, identifiant)


def every(store, table: str) -> list[dict]:
    with store.reading() as tx:
        return list(tx.scan(table))


# -- Notifying -----------------------------------------------------------------------------------


def test_a_letter_holds_everything_it_shows(demo):
    sophie = rid(demo, "Sophie")
    [letter] = send(demo, [sophie])
    assert letter.etablissement == School(nom="Collège Concorde", uai=CONCORDE)
    assert letter.date == date(2026, 9, 14)
    assert letter.responsable == Recipient(
        civilite="Mme",
        prenom="Sophie",
        nom="Lefèvre-D'Almeida",
        email="sophie.lefevre-dalmeida@example.org",
    )
    assert letter.children == (
        Child("Hugo", "Lefèvre-D'Almeida", "4eB"),
        Child("Léa", "Lefèvre-D'Almeida", "6eA"),
    )
    assert letter.identifiant == "s.lefevredalmeida1"
    assert len(letter.temporary_password) == 12
    assert letter.valid_until == date(2026, 12, 14)
    assert letter.responsable_id == sophie
    # The password never shows in a log or a traceback.
    assert letter.temporary_password not in repr(letter)


def test_the_account_is_created_notified_with_only_the_hash(demo):
    [letter] = send(demo, [rid(demo, "Sophie")], how="courriel")
    saved = account(demo, "s.lefevredalmeida1")
    assert saved["id"] == letter.account_id
    assert saved["state"] == "notifié" and saved["method"] == "notification"
    assert saved["password_hash"] is None and saved["activated_at"] is None
    assert saved["temporary_password_hash"].startswith("$argon2id$")
    assert verify_password(saved["temporary_password_hash"], letter.temporary_password)
    assert saved["temporary_password_expires"] == "2026-12-14"
    assert saved["notified_at"] == NOW.isoformat()
    assert (saved["notified_by"], saved["notified_how"]) == ("secretariat1", "courriel")
    assert (saved["first_name"], saved["last_name"], saved["phone"]) == (
        "Sophie",
        "Lefèvre-D'Almeida",
        "+33612345678",
    )
    # The identifiant is reserved as self-registration reserves it: never given twice.
    used = [doc["identifier"] for doc in every(demo, USED_IDENTIFIERS)]
    assert used == ["s.lefevredalmeida1"]
    assert letter.temporary_password not in database_text(demo)


def test_the_default_cost_is_the_passwords(demo):
    notify(demo, [rid(demo, "Karim")], "secretariat1", "courrier", NOW)
    temporary = account(demo, "k.benali1")["temporary_password_hash"]
    assert cost_of(temporary) == cost_of(hash_password("Cartable-Rouge-2026"))


def test_each_letter_gets_its_own_password_and_identifiant(demo):
    letters = send(demo, [rid(demo, "Sophie"), rid(demo, "Julien"), rid(demo, "Karim")])
    assert [letter.identifiant for letter in letters] == [
        "s.lefevredalmeida1",
        "j.lefevredalmeida1",
        "k.benali1",
    ]
    assert len({letter.temporary_password for letter in letters}) == 3
    assert letters.skipped == []
    assert isinstance(letters, list)


def test_an_identifiant_already_used_is_not_given_again(demo):
    with demo.writing() as tx:
        tx.insert(USED_IDENTIFIERS, {"identifier": "k.benali1", "reserved_at": "x"})
    [letter] = send(demo, [rid(demo, "Karim")])
    assert letter.identifiant == "k.benali2"


def test_one_person_in_two_schools_gets_one_account(demo):
    concorde, palmistes = rid(demo, "François"), rid(demo, "François", PALMISTES)
    [first] = send(demo, [concorde])
    assert account(demo, "f.dasilva1")["responsable_ids"] == sorted([concorde, palmistes])
    # Each school's letter shows that school's children only: its staff prints it.
    assert first.children == (Child("Lucas", "Da Silva", "5eA"),)

    [second] = send(demo, [palmistes], uai=PALMISTES)
    assert second.identifiant == "f.dasilva1" and second.account_id == first.account_id
    assert second.etablissement == School(nom="Collège des Palmistes", uai=PALMISTES)
    assert second.children == (Child("Emma", "Da Silva", "3eB"),)
    assert len(every(demo, ACCOUNTS)) == 1


def test_both_records_of_one_person_at_once_share_one_password(demo):
    concorde, palmistes = rid(demo, "François"), rid(demo, "François", PALMISTES)
    first, second = send(demo, [concorde, palmistes])
    assert (first.etablissement.uai, second.etablissement.uai) == (CONCORDE, PALMISTES)
    assert first.identifiant == second.identifiant == "f.dasilva1"
    assert first.temporary_password == second.temporary_password
    assert check_temporary(demo, "f.dasilva1", second.temporary_password, NOW).ok


def test_notifying_again_replaces_the_temporary_password(demo):
    sophie = rid(demo, "Sophie")
    [first] = send(demo, [sophie])
    for _ in range(3):
        check_temporary(demo, "s.lefevredalmeida1", "faux", NOW)
    later = NOW + timedelta(days=20)
    [second] = send(demo, [sophie], how="courriel", now=later)
    assert second.identifiant == first.identifiant and second.account_id == first.account_id
    assert second.temporary_password != first.temporary_password
    assert second.date == date(2026, 10, 4) and second.valid_until == date(2027, 1, 4)
    saved = account(demo, "s.lefevredalmeida1")
    assert saved["temporary_password_expires"] == "2027-01-04"
    assert saved["notified_how"] == "courriel" and saved["failures"] == 0
    assert check_temporary(demo, "s.lefevredalmeida1", first.temporary_password, later).outcome is (
        TemporaryOutcome.FAILED
    )
    assert check_temporary(demo, "s.lefevredalmeida1", second.temporary_password, later).ok


def test_an_active_account_gets_no_letter(demo):
    sophie = rid(demo, "Sophie")
    create_account(
        demo, [sophie], "Sophie", "Lefèvre-D'Almeida", "+33612345678", None, "franceconnect", NOW
    )
    before = account(demo, "s.lefevredalmeida1")
    letters = send(demo, [sophie, rid(demo, "Karim")])
    assert [letter.identifiant for letter in letters] == ["k.benali1"]
    assert letters.skipped == [Skipped(sophie, "Mme Sophie Lefèvre-D'Almeida", ALREADY_ACTIVE)]
    assert account(demo, "s.lefevredalmeida1") == before


def test_a_notified_parent_who_registers_alone_activates_the_letters_account(demo):
    """Issue 12, item 5: the letter lost or expired, Karim uses « Je n'ai pas encore
    d'identifiant » (as the expired-letter message tells him to): the letter's account becomes
    active with his new password, under the same identifiant; the letter's password is done."""
    karim = rid(demo, "Karim")
    (letter,) = send(demo, [karim])
    password_hash = hash_password("Cartable-Rouge-2026")
    activated = create_account(
        demo, [karim], "Karim", "Benali", "+33623456789", password_hash, "auto-inscription", NOW
    )
    assert activated["identifier"] == letter.identifiant == "k.benali1"
    assert activated["id"] == account(demo, "k.benali1")["id"]
    assert len(every(demo, ACCOUNTS)) == 1
    found = account(demo, "k.benali1")
    assert (found["state"], found["method"], found["activated_at"]) == (
        "actif",
        "auto-inscription",
        NOW.isoformat(),
    )
    assert found["temporary_password_hash"] is None
    assert not check_temporary(demo, "k.benali1", letter.temporary_password, NOW).ok
    assert sign_in(demo, "k.benali1", "Cartable-Rouge-2026", NOW).ok


def start_activation(store, account_id: int, password_hash: str | None, now=NOW) -> str:
    """An activation journey as a first login starts it (views/activation.py), kept under the
    account, its new password chosen (hashed) or not yet."""
    with store.writing() as tx:
        return journeys.start(
            tx,
            journeys.Kind.NOTIFICATION,
            {"step": "enfants", "account_id": account_id, "password_hash": password_hash},
            now,
            account_id=account_id,
        )


def test_the_password_an_activation_in_progress_chose_resumes_it(demo):
    """Issue 12, item 6: the session holding the activation ended; the new password chosen at
    its first step signs in to it again (counted as the letter's would be), nothing else."""
    (letter,) = send(demo, [rid(demo, "Karim")])
    account_id = letter.account_id
    journey = start_activation(demo, account_id, hash_password("Cartable-Rouge-2026"))
    check_temporary(demo, "k.benali1", "Pas-le-bon-2026", NOW)
    assert account(demo, "k.benali1")["failures"] == 1
    resumed = check_temporary(demo, "k.benali1", "Cartable-Rouge-2026", NOW)
    assert resumed.outcome is TemporaryOutcome.RESUMED
    assert (resumed.journey_id, resumed.account["id"]) == (journey, account_id)
    assert account(demo, "k.benali1")["failures"] == 0
    # The letter's own password starts again, as before.
    assert check_temporary(demo, "k.benali1", letter.temporary_password, NOW).ok
    # Past the journey's lifetime, nothing to resume.
    later = NOW + journeys.JOURNEY_LIFETIME + timedelta(seconds=1)
    outcome = check_temporary(demo, "k.benali1", "Cartable-Rouge-2026", later).outcome
    assert outcome is TemporaryOutcome.FAILED


def test_only_the_accounts_latest_activation_with_a_chosen_password_resumes(demo):
    (letter,) = send(demo, [rid(demo, "Karim")])
    start_activation(demo, letter.account_id, hash_password("Cartable-Rouge-2026"))
    # A new first login started the steps again: the password chosen before is no key.
    start_activation(demo, letter.account_id, None, NOW + timedelta(minutes=1))
    outcome = check_temporary(demo, "k.benali1", "Cartable-Rouge-2026", NOW).outcome
    assert outcome is TemporaryOutcome.FAILED
    # Another account's activation is no key either.
    (other,) = send(demo, [rid(demo, "Sophie")])
    start_activation(demo, other.account_id, hash_password("Cartable-Vert-2026"))
    outcome = check_temporary(demo, "k.benali1", "Cartable-Vert-2026", NOW).outcome
    assert outcome is TemporaryOutcome.FAILED


def test_an_active_or_blocked_account_is_not_taken_over_by_a_registration(demo):
    sophie, karim = rid(demo, "Sophie"), rid(demo, "Karim")
    create_account(
        demo, [sophie], "Sophie", "Lefèvre-D'Almeida", "+33612345678", None, "franceconnect", NOW
    )
    send(demo, [karim])
    with demo.writing() as tx:
        tx.update(ACCOUNTS, find_by_identifier(tx, "k.benali1")["id"], {"state": "bloqué"})
    for ids, prenom, nom, phone in (
        ([sophie], "Sophie", "Lefèvre-D'Almeida", "+33612345678"),
        ([karim], "Karim", "Benali", "+33623456789"),
    ):
        with pytest.raises(accounts.AccountExists):
            create_account(demo, ids, prenom, nom, phone, "hash", "auto-inscription", NOW)


def test_an_account_blocked_by_the_school_gets_no_letter(demo):
    sophie = rid(demo, "Sophie")
    [first] = send(demo, [sophie])
    with demo.writing() as tx:
        tx.update(ACCOUNTS, first.account_id, {"state": "bloqué"})
    letters = send(demo, [sophie])
    assert letters == [] and letters.skipped[0].reason == BLOCKED


def test_unknown_and_other_schools_responsables_get_no_letter(demo):
    emma = rid(demo, "François", PALMISTES)
    letters = send(demo, [999, emma, rid(demo, "Karim")], uai=CONCORDE)
    assert [letter.identifiant for letter in letters] == ["k.benali1"]
    assert letters.skipped == [
        Skipped(999, "", UNKNOWN),
        Skipped(emma, "M. François Da Silva", OTHER_SCHOOL),
    ]


def test_by_email_only_where_an_address_is_known(demo):
    karim = rid(demo, "Karim")
    letters = send(demo, [karim, rid(demo, "Aminata")], how="courriel")
    assert [letter.identifiant for letter in letters] == ["a.ndiaye1"]
    assert letters.skipped == [Skipped(karim, "M. Karim Benali", NO_EMAIL)]
    assert account(demo, "k.benali1") is None
    [by_post] = send(demo, [karim])
    assert by_post.responsable.email is None


def test_a_responsable_given_twice_gets_one_letter(demo):
    karim = rid(demo, "Karim")
    assert len(send(demo, [karim, karim])) == 1


def test_an_unknown_way_is_refused(demo):
    with pytest.raises(ValueError):
        send(demo, [rid(demo, "Karim")], how="sms")


def test_a_time_without_zone_is_refused(demo):
    with pytest.raises(ValueError):
        send(demo, [rid(demo, "Karim")], now=datetime(2026, 9, 14, 10, 0))


def test_an_account_activated_while_the_passwords_are_hashed_is_skipped(demo, monkeypatch):
    sophie = rid(demo, "Sophie")
    [first] = send(demo, [sophie])
    real = notifications.hash_password

    def hash_while_activated(password):
        # Joins the transaction notifying: what another request would have committed by then.
        with demo.writing() as tx:
            tx.update(ACCOUNTS, first.account_id, {"state": "actif"})
        return real(password)

    monkeypatch.setattr(notifications, "hash_password", hash_while_activated)
    letters = send(demo, [sophie])
    assert letters == [] and letters.skipped[0].reason == ALREADY_ACTIVE


@pytest.mark.skipif(
    not backends.on_postgresql(),
    reason="TinyDB's write transaction holds the file lock: two never run at once",
)
def test_two_schools_notifying_one_person_at_once_give_one_account(demo, monkeypatch):
    concorde, palmistes = rid(demo, "François"), rid(demo, "François", PALMISTES)
    both_planned = threading.Barrier(2, timeout=10)
    real = notifications.hash_password

    def hash_once_both_planned(password):
        # Each school has seen that François has no account yet.
        both_planned.wait()
        return real(password)

    monkeypatch.setattr(notifications, "hash_password", hash_once_both_planned)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(send, demo, [concorde], uai=CONCORDE)
        second = pool.submit(send, demo, [palmistes], uai=PALMISTES)
        [one], [other] = first.result(), second.result()
    assert one.account_id == other.account_id and one.identifiant == "f.dasilva1"
    [saved] = every(demo, ACCOUNTS)
    assert saved["responsable_ids"] == sorted([concorde, palmistes])
    # The school that wrote last holds the password that works.
    works = [
        letter
        for letter in (one, other)
        if check_temporary(demo, "f.dasilva1", letter.temporary_password, NOW).ok
    ]
    assert len(works) == 1


# -- The first login -----------------------------------------------------------------------------


@pytest.fixture
def letter(demo):
    return send(demo, [rid(demo, "Sophie")])[0]


def test_the_temporary_password_opens_the_first_login(demo, letter):
    result = check_temporary(demo, "  S.LefevreDalmeida1 ", letter.temporary_password, NOW)
    assert result.ok and result.outcome is TemporaryOutcome.OK
    assert result.account["id"] == letter.account_id and result.account["state"] == "notifié"


def test_a_wrong_password_fails_and_counts(demo, letter):
    result = check_temporary(demo, "s.lefevredalmeida1", "Faux", NOW)
    assert result == TemporaryCheck(TemporaryOutcome.FAILED)
    assert account(demo, "s.lefevredalmeida1")["failures"] == 1


def test_five_failures_make_the_client_wait_as_the_sign_in_does(demo, letter):
    for _ in range(5):
        assert check_temporary(demo, "s.lefevredalmeida1", "faux", NOW) == TemporaryCheck(
            TemporaryOutcome.FAILED
        )
    until = wait_until(account(demo, "s.lefevredalmeida1"), HERE, NOW)
    assert until == NOW + timedelta(minutes=1)
    right = letter.temporary_password
    during = NOW + timedelta(seconds=59)
    assert check_temporary(demo, "s.lefevredalmeida1", right, during).outcome is (
        TemporaryOutcome.FAILED
    )
    # Another client opens the letter meanwhile; this one, once its wait is over.
    assert check_temporary(demo, "s.lefevredalmeida1", right, during, "client-maison").ok
    assert check_temporary(demo, "s.lefevredalmeida1", right, until).ok
    assert account(demo, "s.lefevredalmeida1")["failures"] == 0


def test_the_lock_limits_are_parameters(demo, letter):
    limits = Limits(free_failures=1, first_wait=timedelta(minutes=2))
    result = check_temporary(demo, "s.lefevredalmeida1", "faux", NOW, limits=limits)
    assert result == TemporaryCheck(TemporaryOutcome.FAILED)
    until = wait_until(account(demo, "s.lefevredalmeida1"), HERE, NOW)
    assert until == NOW + timedelta(minutes=2)


def test_the_password_works_until_the_end_of_its_last_day(demo, letter):
    last = datetime(2026, 12, 14, 23, 59, tzinfo=PARIS)
    assert check_temporary(demo, "s.lefevredalmeida1", letter.temporary_password, last).ok
    after = datetime(2026, 12, 15, 0, 0, tzinfo=PARIS)
    expired = check_temporary(demo, "s.lefevredalmeida1", letter.temporary_password, after)
    assert expired == TemporaryCheck(TemporaryOutcome.EXPIRED)


def test_only_the_right_password_is_told_it_expired(demo, letter):
    after = datetime(2027, 1, 5, 9, 0, tzinfo=PARIS)
    result = check_temporary(demo, "s.lefevredalmeida1", "faux", after)
    assert result.outcome is TemporaryOutcome.FAILED


def test_other_identifiants_go_to_the_normal_sign_in_without_a_check(demo, letter, monkeypatch):
    create_account(
        demo, [rid(demo, "Karim")], "Karim", "Benali", "+33623456789", None, "franceconnect", NOW
    )
    checked = []
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h))
    for identifiant in ("k.benali1", "personne1", ""):
        result = check_temporary(demo, identifiant, letter.temporary_password, NOW)
        assert result == TemporaryCheck(TemporaryOutcome.NOT_TEMPORARY)
    # The normal sign-in spends the one password check, so the delay tells nothing.
    assert checked == []


def test_after_activation_the_temporary_password_no_longer_works(demo, letter):
    with demo.writing() as tx:
        tx.update(
            ACCOUNTS,
            letter.account_id,
            {"state": "actif", "temporary_password_hash": None, "password_hash": None},
        )
    result = check_temporary(demo, "s.lefevredalmeida1", letter.temporary_password, NOW)
    assert result.outcome is TemporaryOutcome.NOT_TEMPORARY
    # Nor as a normal password: a notified account has none until its first login ends.
    signed = sign_in(demo, "s.lefevredalmeida1", letter.temporary_password, NOW)
    assert signed.outcome is SignInOutcome.FAILED


def test_the_temporary_password_is_not_a_normal_password(demo, letter):
    result = sign_in(demo, "s.lefevredalmeida1", letter.temporary_password, NOW)
    assert result.outcome is SignInOutcome.FAILED


def test_a_letter_sent_again_during_the_check_fails_the_old_password(demo, letter, monkeypatch):
    real = accounts.verify_password

    def verify_while_notified_again(hashed, password):
        monkeypatch.setattr(accounts, "verify_password", real)
        send(demo, [letter.responsable_id])
        return real(hashed, password)

    monkeypatch.setattr(accounts, "verify_password", verify_while_notified_again)
    result = check_temporary(demo, "s.lefevredalmeida1", letter.temporary_password, NOW)
    assert result.outcome is TemporaryOutcome.FAILED


def test_the_database_never_holds_a_temporary_password_in_clear(demo, letter):
    check_temporary(demo, "s.lefevredalmeida1", letter.temporary_password, NOW)
    text = database_text(demo)
    assert letter.temporary_password not in text
    assert json.loads(text)[ACCOUNTS]
