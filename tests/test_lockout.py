"""Wrong passwords (journeys §1) slow down the client that types them, at one account: 5 free,
then waits of 1, 2, 4… minutes, at most 30; past 50 failures from all clients, every client
waits from its first failure. Nobody else's failures make the owner's client wait."""

from datetime import datetime, timedelta

import pytest

from rules.clock import PARIS
from rules.lockout import (
    FAILED,
    LIMITS,
    Limits,
    cleared,
    client_digest,
    record_failure,
    record_success,
    wait_until,
    waiting_until,
)

NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)
OWNER, ATTACKER = "client-du-parent", "client-ailleurs"


def new_account() -> dict:
    return cleared()


def fail(account: dict, times: int, client: str = ATTACKER, now: datetime = NOW, **limits):
    for _ in range(times):
        record_failure(account, client, now, Limits(**limits) if limits else LIMITS)


def test_the_limits():
    assert LIMITS.free_failures == 5
    assert LIMITS.first_wait == timedelta(minutes=1)
    assert LIMITS.longest_wait == timedelta(minutes=30)
    assert LIMITS.alarm_failures == 50
    assert cleared() == {"failures": 0, "clients": {}}


def test_four_failures_make_nobody_wait():
    account = new_account()
    fail(account, 4)
    assert account["failures"] == 4
    assert wait_until(account, ATTACKER, NOW) is None


def test_the_fifth_failure_makes_that_client_wait_one_minute_and_not_the_owner():
    account = new_account()
    fail(account, 5)
    assert wait_until(account, ATTACKER, NOW) == NOW + timedelta(minutes=1)
    assert wait_until(account, OWNER, NOW) is None
    assert wait_until(account, ATTACKER, NOW + timedelta(seconds=59)) is not None
    assert wait_until(account, ATTACKER, NOW + timedelta(minutes=1)) is None


def test_each_failure_after_a_wait_doubles_the_next_up_to_thirty_minutes():
    account = new_account()
    fail(account, 5)
    moment, waits = NOW, []
    for _ in range(7):
        moment = wait_until(account, ATTACKER, moment)
        fail(account, 1, now=moment)
        waits.append(wait_until(account, ATTACKER, moment) - moment)
    assert [wait // timedelta(minutes=1) for wait in waits] == [2, 4, 8, 16, 30, 30, 30]


def test_a_huge_count_still_waits_thirty_minutes():
    account = {"failures": 0, "clients": {ATTACKER: {"failures": 10_000, "last": NOW.isoformat()}}}
    fail(account, 1)
    assert wait_until(account, ATTACKER, NOW) == NOW + timedelta(minutes=30)


def test_the_end_of_a_wait_is_given_in_paris_time():
    account = new_account()
    fail(account, 5)
    assert wait_until(account, ATTACKER, NOW).tzinfo is PARIS


def test_failures_during_a_wait_neither_count_nor_extend_it():
    account = new_account()
    fail(account, 5)
    fail(account, 3, now=NOW + timedelta(seconds=30))
    assert account["failures"] == 5
    assert account["clients"][ATTACKER]["failures"] == 5
    assert wait_until(account, ATTACKER, NOW + timedelta(minutes=1)) is None


def test_the_owners_right_password_clears_only_the_owners_count():
    account = new_account()
    fail(account, 4, OWNER)
    fail(account, 5, ATTACKER)
    record_success(account, OWNER, NOW)
    assert account["failures"] == 0
    assert OWNER not in account["clients"]
    assert wait_until(account, ATTACKER, NOW) == NOW + timedelta(minutes=1)
    fail(account, 4, OWNER)
    assert wait_until(account, OWNER, NOW) is None


def test_past_the_alarm_every_client_waits_from_its_first_failure():
    account = new_account()
    for number in range(12):
        fail(account, 4, f"client-{number}")
    assert account["failures"] == 48
    assert all(wait_until(account, f"client-{number}", NOW) is None for number in range(12))
    fail(account, 1, "client-12")
    assert wait_until(account, "client-12", NOW) is None
    fail(account, 1, "client-13")  # the fiftieth
    assert wait_until(account, "client-13", NOW) == NOW + timedelta(minutes=1)
    # A client that has not failed never waits: the owner can still sign in.
    assert wait_until(account, OWNER, NOW) is None
    # The owner's right password ends the alarm.
    record_success(account, OWNER, NOW)
    fail(account, 1, "client-14")
    assert wait_until(account, "client-14", NOW) is None


def test_a_clients_count_is_forgotten_a_day_after_its_last_failure():
    account = new_account()
    fail(account, 4, OWNER)
    fail(account, 1, ATTACKER, now=NOW + timedelta(hours=24))
    assert set(account["clients"]) == {ATTACKER}
    fail(account, 4, OWNER, now=NOW + timedelta(hours=24))
    assert wait_until(account, OWNER, NOW + timedelta(hours=24)) is None


def test_an_account_remembers_its_most_recent_clients_only():
    account = new_account()
    for number in range(60):
        fail(account, 1, f"client-{number}", now=NOW + timedelta(seconds=number))
    assert len(account["clients"]) == LIMITS.clients_kept
    assert "client-59" in account["clients"] and "client-0" not in account["clients"]


def test_waiting_until_is_the_last_wait_of_any_client():
    account = new_account()
    assert waiting_until(account, NOW) is None
    fail(account, 5, OWNER)
    fail(account, 6, ATTACKER)
    assert waiting_until(account, NOW) == NOW + timedelta(minutes=1)
    later = NOW + timedelta(minutes=1)
    fail(account, 1, ATTACKER, now=later)
    assert waiting_until(account, later) == later + timedelta(minutes=2)
    assert waiting_until(account, later + timedelta(minutes=2)) is None


def test_an_account_without_the_fields_counts_from_zero():
    account = {}
    fail(account, 5)
    assert wait_until(account, ATTACKER, NOW) is not None


def test_the_limits_are_parameters():
    account = new_account()
    fail(account, 1, free_failures=2, first_wait=timedelta(seconds=10))
    assert wait_until(account, ATTACKER, NOW) is None
    fail(account, 1, free_failures=2, first_wait=timedelta(seconds=10))
    assert wait_until(account, ATTACKER, NOW) == NOW + timedelta(seconds=10)


def test_a_time_without_zone_is_refused():
    with pytest.raises(ValueError):
        record_failure(new_account(), ATTACKER, datetime(2026, 9, 14, 18, 5))


def test_a_client_is_kept_as_a_digest_under_the_secret_key():
    digest = client_digest("clé", "203.0.113.7")
    assert len(digest) == 32 and "203.0.113.7" not in digest
    assert digest == client_digest(b"cl\xc3\xa9", "203.0.113.7")
    assert digest != client_digest("autre clé", "203.0.113.7")
    assert digest != client_digest("clé", "203.0.113.8")
    assert digest == client_digest("clé", "::ffff:203.0.113.7")


def test_an_ipv6_client_is_its_64_network():
    same = client_digest("clé", "2001:db8:1:2::1")
    assert same == client_digest("clé", "2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert same != client_digest("clé", "2001:db8:1:3::1")


def test_an_address_that_is_not_one_still_has_a_digest():
    assert client_digest("clé", None) == client_digest("clé", "")
    assert len(client_digest("clé", "unix-socket")) == 32


def test_the_one_message_says_to_wait_without_telling_the_account_exists():
    assert FAILED == (
        "Identifiant ou mot de passe incorrect. Après plusieurs essais incorrects, patientez "
        "quelques minutes avant de réessayer : pendant ce délai, même le bon mot de passe est "
        "refusé."
    )
