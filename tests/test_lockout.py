"""Sign-in lock (journeys §1): 5 failures in a row lock the account for 15 minutes."""

from datetime import datetime, timedelta

import pytest

from rules.clock import PARIS
from rules.lockout import (
    LOCK_DURATION,
    MAX_FAILURES,
    locked_message,
    locked_until,
    record_failure,
    record_success,
)

NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)


def new_account() -> dict:
    return {"failures": 0, "locked_until": None}


def fail(account: dict, times: int, now: datetime = NOW) -> None:
    for _ in range(times):
        record_failure(account, now)


def test_the_limits():
    assert MAX_FAILURES == 5
    assert timedelta(minutes=15) == LOCK_DURATION


def test_four_failures_do_not_lock():
    account = new_account()
    fail(account, 4)
    assert account["failures"] == 4
    assert locked_until(account, NOW) is None


def test_the_fifth_failure_locks_for_fifteen_minutes_and_resets_the_count():
    account = new_account()
    fail(account, 5)
    assert locked_until(account, NOW) == NOW + timedelta(minutes=15)
    assert account["failures"] == 0
    assert locked_until(account, NOW + timedelta(minutes=14, seconds=59)) is not None
    assert locked_until(account, NOW + timedelta(minutes=15)) is None


def test_the_end_of_the_lock_is_given_in_paris_time():
    account = new_account()
    fail(account, 5)
    assert locked_until(account, NOW).tzinfo is PARIS


def test_failures_during_a_lock_neither_count_nor_extend_it():
    account = new_account()
    fail(account, 5)
    fail(account, 3, NOW + timedelta(minutes=10))
    assert account["failures"] == 0
    assert locked_until(account, NOW + timedelta(minutes=15)) is None


def test_after_a_lock_five_new_failures_are_needed():
    account = new_account()
    fail(account, 5)
    after = NOW + timedelta(minutes=15)
    fail(account, 4, after)
    assert locked_until(account, after) is None
    fail(account, 1, after)
    assert locked_until(account, after) == after + timedelta(minutes=15)


def test_a_success_resets_the_count():
    account = new_account()
    fail(account, 4)
    record_success(account)
    assert account == {"failures": 0, "locked_until": None}
    fail(account, 4)
    assert locked_until(account, NOW) is None


def test_an_account_without_the_fields_counts_from_zero():
    account = {}
    fail(account, 5)
    assert locked_until(account, NOW) is not None


def test_the_limits_are_parameters():
    account = new_account()
    record_failure(account, NOW, max_failures=2, lock_duration=timedelta(minutes=1))
    assert locked_until(account, NOW) is None
    record_failure(account, NOW, max_failures=2, lock_duration=timedelta(minutes=1))
    assert locked_until(account, NOW) == NOW + timedelta(minutes=1)


def test_a_time_without_zone_is_refused():
    with pytest.raises(ValueError):
        record_failure(new_account(), datetime(2026, 9, 14, 18, 5))


def test_the_locked_message():
    assert locked_message(NOW + timedelta(minutes=15)) == (
        "Trop d'essais incorrects : votre compte est bloqué pendant 15 minutes. "
        "Vous pourrez vous connecter à nouveau à 18 h 20, ou utiliser « Mot de passe oublié ? »."
    )
