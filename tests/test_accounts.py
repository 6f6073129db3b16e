"""Accounts (journeys §0, §1, §2): responsables found by phone and name across schools, their
children, one account per person with an identifiant never reused, and signing in."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest

from commands.demo import DEMO_ROSTER
from outside.storage.tx import Store, stored
from records import accounts
from records.accounts import (
    AccountExists,
    SignIn,
    SignInOutcome,
    account_of,
    children_of,
    create_account,
    find_by_id,
    find_by_identifier,
    find_responsables,
    sign_in,
)
from records.roster import RESPONSABLES, import_roster
from rules.clock import PARIS
from rules.lockout import Limits, wait_until
from rules.passwords import hash_password
from rules.roster import parse_roster_bytes
from tests.backends import database_text, reading, writing
from tests.processes import create_durand, racers

NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)
# Two clients (digests of addresses): the parent's own, and one somewhere else.
HOME, ELSEWHERE = "client-maison", "client-ailleurs"
PASSWORD = "Vacances-Ete2026!"
# A cheap argon2 cost for the accounts of these tests: verifying reads the cost from the hash.
FIXED_HASH = hash_password(PASSWORD)


def cost_of(hashed: str) -> str:
    """The "m=…,t=…,p=…" part of an argon2 hash."""
    return hashed.split("$")[3]


@pytest.fixture
def demo(new_store) -> Store:
    report = parse_roster_bytes(DEMO_ROSTER.read_bytes(), date(2026, 9, 14))
    assert report.errors == []
    with new_store.writing() as tx:
        import_roster(tx, report.rows)
    return new_store


def ids(records: list[dict]) -> list[int]:
    return [record["id"] for record in records]


def sophie(store: Store) -> list[dict]:
    return reading(store, find_responsables, "+33612345678", "Lefèvre-D'Almeida", "Sophie")


def register(store: Store, responsables: list[dict], password_hash=FIXED_HASH, **changes) -> dict:
    first = responsables[0]
    arguments = {
        "first_name": first["prenom"],
        "last_name": first["nom"],
        "phone": first["telephone"],
        "password_hash": password_hash,
        "method": "auto-inscription",
        "now": NOW,
        **changes,
    }
    return writing(store, create_account, ids(responsables), **arguments)


def try_password(
    store: Store, identifiant: str, password: str, now: datetime, client: str = HOME, **limits
):
    """One sign-in from `client`, as a request makes it: in a transaction of its own."""
    return writing(store, sign_in, identifiant, password, now, client, **limits)


def by_identifiant(store: Store, identifiant: str) -> dict | None:
    return reading(store, find_by_identifier, identifiant)


# -- Finding responsables and children -----------------------------------------------------------


def test_a_responsable_is_found_by_phone_and_name_typed_loosely(demo):
    found = reading(demo, find_responsables, "+33612345678", "LEFEVRE DALMEIDA", " sophie ")
    assert len(found) == 1
    assert found[0]["prenom"] == "Sophie" and found[0]["uai"] == "0691234A"
    assert isinstance(found[0]["id"], int)
    assert found == sophie(demo)


@pytest.mark.parametrize(
    "telephone, nom, prenom",
    [
        ("+33612345679", "Lefèvre-D'Almeida", "Sophie"),  # another phone
        ("+33612345678", "Lefèvre", "Sophie"),  # part of the name
        ("+33612345678", "Lefèvre-D'Almeida", "Julien"),  # the other parent's name
        ("0612345678", "Lefèvre-D'Almeida", "Sophie"),  # not E.164
    ],
)
def test_no_match_without_the_same_phone_and_the_whole_name(demo, telephone, nom, prenom):
    assert reading(demo, find_responsables, telephone, nom, prenom) == []


def test_a_parent_in_two_schools_is_found_in_both(demo):
    found = reading(demo, find_responsables, "+33645127833", "da silva", "francois")
    assert sorted(record["uai"] for record in found) == ["0691234A", "0973123Z"]


def test_children_across_two_schools(demo):
    francois = reading(demo, find_responsables, "+33645127833", "Da Silva", "François")
    assert reading(demo, children_of, ids(francois)) == [
        {
            "prenom": "Lucas",
            "nom": "Da Silva",
            "ine": "0691400654P",
            "classe": "5eA",
            "niveau": "5e",
            "date_naissance": "2014-08-30",
            "uai": "0691234A",
            "etablissement_nom": "Collège Concorde",
        },
        {
            "prenom": "Emma",
            "nom": "Da Silva",
            "ine": "0971200135S",
            "classe": "3eB",
            "niveau": "3e",
            "date_naissance": "2012-04-17",
            "uai": "0973123Z",
            "etablissement_nom": "Collège des Palmistes",
        },
    ]


def test_children_are_distinct_and_sorted_by_first_name_within_a_school(demo):
    julien = reading(demo, find_responsables, "+33781452290", "Lefèvre-D'Almeida", "Julien")
    both_parents = ids(sophie(demo)) + ids(julien)
    with demo.reading() as tx:
        assert [child["prenom"] for child in children_of(tx, both_parents)] == ["Hugo", "Léa"]
        assert children_of(tx, []) == []
        assert children_of(tx, [9999]) == []


# -- Creating accounts ---------------------------------------------------------------------------


def test_an_account_is_created_active_with_a_new_identifiant(demo):
    responsables = sophie(demo)
    account = register(demo, responsables)
    assert account["identifier"] == "s.lefevredalmeida1"
    assert account == {
        "id": account["id"],
        "identifier": "s.lefevredalmeida1",
        "identifier_key": "s.lefevredalmeida1",
        "password_hash": FIXED_HASH,
        "state": "actif",
        "method": "auto-inscription",
        "franceconnect_sub": None,
        "email": None,
        "email_confirmed": False,
        "responsable_ids": ids(responsables),
        "first_name": "Sophie",
        "last_name": "Lefèvre-D'Almeida",
        "phone": "+33612345678",
        "failures": 0,
        "clients": {},
        "activated_at": "2026-09-14T18:05:00+02:00",
        "created_at": "2026-09-14T18:05:00+02:00",
    }
    with demo.reading() as tx:
        assert account_of(tx, ids(responsables)) == account
        assert find_by_identifier(tx, "s.lefevredalmeida1") == account


def test_account_of_finds_the_account_by_any_of_its_responsables(demo):
    francois = reading(demo, find_responsables, "+33645127833", "Da Silva", "François")
    account = register(
        demo, francois, method="franceconnect", password_hash=None, franceconnect_sub="sub-francois"
    )
    assert account["identifier"] == "f.dasilva1"
    assert account["franceconnect_sub"] == "sub-francois"
    with demo.reading() as tx:
        assert account_of(tx, [francois[1]["id"]])["id"] == account["id"]
        assert account_of(tx, [francois[0]["id"], 9999])["id"] == account["id"]
        assert account_of(tx, ids(sophie(demo))) is None
        assert account_of(tx, []) is None


def test_one_account_per_person(demo):
    francois = reading(demo, find_responsables, "+33645127833", "Da Silva", "François")
    first = register(demo, francois[:1])
    with pytest.raises(AccountExists) as caught:
        register(demo, francois)  # one of the two already has an account
    assert caught.value.account["id"] == first["id"]
    with pytest.raises(AccountExists):
        register(demo, francois[:1])


def test_a_franceconnect_identity_is_linked_to_one_account_only(demo):
    register(demo, sophie(demo), franceconnect_sub="sub-1", method="franceconnect")
    julien = reading(demo, find_responsables, "+33781452290", "Lefèvre-D'Almeida", "Julien")
    with pytest.raises(AccountExists):
        register(demo, julien, franceconnect_sub="sub-1", method="franceconnect")


def test_same_base_gets_the_next_number(demo):
    with demo.writing() as tx:
        other = tx.insert(
            RESPONSABLES,
            {
                **stored(tx.get(RESPONSABLES, sophie(demo)[0]["id"])),
                "telephone": "+33600000001",
                "prenom": "Sarah",
            },
        )
    register(demo, sophie(demo))
    sarah = register(
        demo,
        [{"id": other, "prenom": "Sarah", "nom": "Lefevre Dalmeida", "telephone": "+33600000001"}],
    )
    assert sarah["identifier"] == "s.lefevredalmeida2"


def test_an_identifiant_is_never_given_again_even_after_the_account_is_deleted(demo):
    first = register(demo, sophie(demo))
    with demo.writing() as tx:
        tx.delete(accounts.ACCOUNTS, first["id"])
    again = register(demo, sophie(demo))
    assert again["identifier"] == "s.lefevredalmeida2"
    with demo.reading() as tx:
        used = [doc["identifier"] for doc in tx.scan(accounts.USED_IDENTIFIERS)]
    assert used == ["s.lefevredalmeida1", "s.lefevredalmeida2"]


def test_an_identifiant_given_before_the_counter_is_not_given_again(demo):
    # A database whose counter is behind what was given (written by hand, or by an old version).
    with demo.writing() as tx:
        tx.insert(accounts.USED_IDENTIFIERS, {"identifier": "s.lefevredalmeida1"})
    assert register(demo, sophie(demo))["identifier"] == "s.lefevredalmeida2"


def test_bad_requests_write_nothing(demo):
    before = database_text(demo)
    jean = ("Jean", "Durand", "+33600000000", None, "franceconnect", NOW)
    with pytest.raises(ValueError):
        register(demo, sophie(demo), method="courrier")
    with pytest.raises(ValueError):
        writing(demo, create_account, [9999], *jean)
    with pytest.raises(ValueError):
        writing(demo, create_account, [], *jean)
    with pytest.raises(ValueError):
        register(demo, sophie(demo), now=datetime(2026, 9, 14, 18, 5))
    assert database_text(demo) == before


def durands(store: Store, count: int) -> list[int]:
    """`count` responsables named Marc Durand, each with a phone of his own."""
    with store.writing() as tx:
        return tx.insert_many(
            RESPONSABLES,
            [
                {
                    "uai": "0691234A",
                    "nom": "Durand",
                    "prenom": "Marc",
                    "telephone": f"+336{n + 1:08d}",
                    "eleves": [],
                }
                for n in range(count)
            ],
        )


def test_four_processes_registering_the_same_name_at_once_get_four_identifiants(
    database, new_store
):
    made = durands(new_store, 4)
    context = racers()
    start = context.Event()
    workers = [context.Process(target=create_durand, args=(database, n, NOW, start)) for n in made]
    for process in workers:
        process.start()
    start.set()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0

    with new_store.reading() as tx:
        created = list(tx.scan(accounts.ACCOUNTS))
    assert sorted(account["identifier"] for account in created) == [
        "m.durand1",
        "m.durand2",
        "m.durand3",
        "m.durand4",
    ]
    assert sorted(account["responsable_ids"][0] for account in created) == made


def test_twenty_registrations_of_one_name_at_once_get_twenty_identifiants(new_store):
    made = durands(new_store, 20)
    with ThreadPoolExecutor(max_workers=20) as pool:
        given = list(
            pool.map(
                lambda number: writing(
                    new_store,
                    create_account,
                    [number],
                    "Marc",
                    "Durand",
                    f"+336{number:08d}",
                    None,
                    "franceconnect",
                    NOW,
                )["identifier"],
                made,
            )
        )
    assert sorted(given) == sorted(f"m.durand{n}" for n in range(1, 21))
    with new_store.reading() as tx:
        used = [doc["identifier"] for doc in tx.scan(accounts.USED_IDENTIFIERS)]
    assert sorted(used) == sorted(given)


def test_one_person_registering_twice_at_once_gets_one_account(demo):
    def attempt(_):
        try:
            return register(demo, sophie(demo))["id"]
        except AccountExists as error:
            return ("existe", error.account["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(attempt, range(8)))
    created = [answer for answer in answers if not isinstance(answer, tuple)]
    assert len(created) == 1
    assert all(answer == ("existe", created[0]) for answer in answers if answer != created[0])
    with demo.reading() as tx:
        assert [doc["id"] for doc in tx.scan(accounts.ACCOUNTS)] == created


# -- Finding and signing in ----------------------------------------------------------------------


def test_an_account_is_found_by_its_id(demo):
    account = register(demo, sophie(demo))
    with demo.reading() as tx:
        assert find_by_id(tx, account["id"]) == account
        assert find_by_id(tx, account["id"] + 1) is None


def test_an_identifiant_is_found_however_typed(demo):
    account = register(demo, sophie(demo))
    assert by_identifiant(demo, "  S.LefevreDalmeida1 ")["id"] == account["id"]
    assert by_identifiant(demo, "s.lefevredalmeida2") is None
    assert by_identifiant(demo, "s.lefevredalmeida") is None
    assert by_identifiant(demo, "") is None


def test_the_right_password_signs_in(demo):
    account = register(demo, sophie(demo), password_hash=hash_password(PASSWORD))
    result = try_password(demo, " S.LEFEVREDALMEIDA1", PASSWORD, NOW)
    assert result.outcome is SignInOutcome.OK and result.ok
    assert result.account["id"] == account["id"]


def test_a_wrong_password_fails(demo):
    register(demo, sophie(demo))
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD + "x", NOW) == SignIn(
        SignInOutcome.FAILED
    )
    assert by_identifiant(demo, "s.lefevredalmeida1")["failures"] == 1


def test_an_unknown_identifiant_spends_one_password_check(demo, monkeypatch):
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    assert try_password(demo, "personne1", PASSWORD, NOW) == SignIn(SignInOutcome.FAILED)
    assert len(checked) == 1 and checked[0].startswith("$argon2id$")
    # The stand-in hash costs what a real one does (the production cost: tests/test_settings.py).
    assert cost_of(checked[0]) == cost_of(hash_password(PASSWORD))


def test_signing_in_refuses_a_time_without_zone(demo):
    with pytest.raises(ValueError):
        try_password(demo, "personne1", PASSWORD, datetime(2026, 9, 14, 18, 5))


def test_an_account_without_a_password_cannot_sign_in_with_one(demo):
    register(
        demo,
        sophie(demo),
        password_hash=None,
        method="franceconnect",
        franceconnect_sub="sub-sophie",
    )
    assert try_password(demo, "s.lefevredalmeida1", "", NOW).outcome is SignInOutcome.FAILED


def test_an_account_blocked_by_the_school_cannot_sign_in(demo):
    account = register(demo, sophie(demo))
    with demo.writing() as tx:
        tx.update(accounts.ACCOUNTS, account["id"], {"state": "bloqué"})
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD, NOW).outcome is SignInOutcome.FAILED


def test_five_failures_make_that_client_wait_and_not_the_owner(demo):
    register(demo, sophie(demo))
    for _ in range(5):
        assert try_password(demo, "s.lefevredalmeida1", "faux", NOW, ELSEWHERE) == SignIn(
            SignInOutcome.FAILED
        )
    # The client that failed waits a minute, even with the right password, and no try counts.
    during = NOW + timedelta(seconds=59)
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD, during, ELSEWHERE) == SignIn(
        SignInOutcome.FAILED
    )
    assert try_password(demo, "s.lefevredalmeida1", "faux", during, ELSEWHERE).outcome is (
        SignInOutcome.FAILED
    )
    assert by_identifiant(demo, "s.lefevredalmeida1")["failures"] == 5
    # The owner, from home, signs in meanwhile.
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD, NOW, HOME).ok
    # After the minute, the other client may try again.
    after = NOW + timedelta(minutes=1)
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD, after, ELSEWHERE).ok


def test_a_client_that_keeps_failing_waits_longer_each_time(demo):
    register(demo, sophie(demo))
    for _ in range(5):
        try_password(demo, "s.lefevredalmeida1", "faux", NOW, ELSEWHERE)
    moment, waits = NOW, []
    for _ in range(3):
        moment = wait_until(by_identifiant(demo, "s.lefevredalmeida1"), ELSEWHERE, moment)
        try_password(demo, "s.lefevredalmeida1", "faux", moment, ELSEWHERE)
        end = wait_until(by_identifiant(demo, "s.lefevredalmeida1"), ELSEWHERE, moment)
        waits.append(end - moment)
    assert waits == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]


def test_a_waiting_client_still_spends_one_password_check(demo, monkeypatch):
    register(demo, sophie(demo))
    for _ in range(5):
        try_password(demo, "s.lefevredalmeida1", "faux", NOW, ELSEWHERE)
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda h, p: checked.append(h) or real(h, p))
    waiting = try_password(demo, "s.lefevredalmeida1", PASSWORD, NOW, ELSEWHERE)
    unknown = try_password(demo, "personne1", PASSWORD, NOW, ELSEWHERE)
    # Answered as an unknown identifiant is, after as long a check.
    assert waiting == unknown == SignIn(SignInOutcome.FAILED)
    assert len(checked) == 2


def test_a_success_resets_the_failures(demo):
    register(demo, sophie(demo))
    for _ in range(4):
        try_password(demo, "s.lefevredalmeida1", "faux", NOW)
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD, NOW).ok
    assert by_identifiant(demo, "s.lefevredalmeida1")["failures"] == 0
    for _ in range(4):
        assert try_password(demo, "s.lefevredalmeida1", "faux", NOW).outcome is (
            SignInOutcome.FAILED
        )
    assert try_password(demo, "s.lefevredalmeida1", PASSWORD, NOW).ok


def test_the_lock_limits_are_parameters(demo):
    register(demo, sophie(demo))
    limits = {"limits": Limits(free_failures=2, first_wait=timedelta(seconds=10))}
    for _ in range(2):
        try_password(demo, "s.lefevredalmeida1", "faux", NOW, **limits)
    account = by_identifiant(demo, "s.lefevredalmeida1")
    assert wait_until(account, HOME, NOW) == NOW + timedelta(seconds=10)


def test_wrong_passwords_at_once_are_all_counted(demo):
    register(demo, sophie(demo))
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda _: try_password(demo, "s.lefevredalmeida1", "faux", NOW), range(12)))
    # The fifth counted makes the client wait; the tries after it are refused without counting.
    account = by_identifiant(demo, "s.lefevredalmeida1")
    assert account["failures"] == 5
    assert wait_until(account, HOME, NOW) == NOW + timedelta(minutes=1)


def test_the_database_never_holds_a_password_in_clear(demo):
    register(demo, sophie(demo))
    try_password(demo, "s.lefevredalmeida1", PASSWORD, NOW)
    try_password(demo, "s.lefevredalmeida1", "Autre-Essai-2026!", NOW)
    text = database_text(demo)
    assert PASSWORD not in text and "Autre-Essai-2026!" not in text
    assert json.loads(text)["comptes"]
