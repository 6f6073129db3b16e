"""Server-side journey state, SMS sent per number, and blocks after wrong birth dates."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from outside.storage import open_store
from outside.storage.tx import Store
from records import journeys
from records.journeys import (
    Kind,
    UnknownJourney,
    block,
    blocked_until,
    clear_failed_submissions,
    finish,
    journey_key,
    load,
    record_failed_submission,
    record_sms,
    responsables_key,
    save,
    sms_sent_today,
    start,
)
from rules.clock import PARIS
from tests.backends import database_text, reading, writing
from tests.processes import guess, guess_in_process, racers

NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)
SOPHIE = "+33612345678"


@pytest.fixture
def store(new_store) -> Store:
    return new_store


def later(**delta) -> datetime:
    return NOW + timedelta(**delta)


# -- Journeys ------------------------------------------------------------------------------------


def test_a_journey_keeps_its_state_under_a_random_id(store):
    first = writing(
        store, start, Kind.REGISTRATION, {"telephone": SOPHIE, "responsables": [1]}, NOW
    )
    second = writing(store, start, Kind.REGISTRATION, {}, NOW)
    assert first != second
    assert len(first) >= 43 and all(c.isalnum() or c in "-_" for c in first)
    with store.reading() as tx:
        assert load(tx, first) == {
            "telephone": SOPHIE,
            "responsables": [1],
            "kind": Kind.REGISTRATION,
        }
        assert load(tx, second) == {"kind": Kind.REGISTRATION}
    # A write transaction reads it too (after locking it).
    assert writing(store, load, second) == {"kind": Kind.REGISTRATION}


def test_an_unknown_or_missing_id_has_no_journey(store):
    writing(store, start, Kind.REGISTRATION, {}, NOW)
    for tx_of in (store.reading, store.writing):
        with tx_of() as tx:
            assert load(tx, "inconnu") is None
            assert load(tx, None) is None
            assert load(tx, "") is None
            # What a forged session may hold instead of an id.
            assert load(tx, 12) is None
            assert load(tx, ["a"]) is None


def test_a_journey_of_another_kind_is_not_loaded_when_a_kind_is_asked(store):
    journey = writing(store, start, Kind.FRANCECONNECT, {}, NOW)
    with store.reading() as tx:
        assert load(tx, journey, kind=Kind.REGISTRATION) is None
        assert load(tx, journey, kind=Kind.FRANCECONNECT) == {"kind": Kind.FRANCECONNECT}


def test_save_replaces_the_state_but_never_the_kind(store):
    journey = writing(store, start, Kind.REGISTRATION, {"step": 1, "old": True}, NOW)
    writing(store, save, journey, {"step": 2, "kind": Kind.FRANCECONNECT})
    assert reading(store, load, journey) == {"step": 2, "kind": Kind.REGISTRATION}


def test_saving_a_journey_that_does_not_exist_says_so(store):
    with pytest.raises(UnknownJourney):
        writing(store, save, "inconnu", {"step": 2})


def test_a_finished_journey_is_gone(store):
    journey = writing(store, start, Kind.REGISTRATION, {}, NOW)
    writing(store, finish, journey)
    assert reading(store, load, journey) is None
    writing(store, finish, journey)  # twice is harmless


def test_a_journey_lasts_one_hour_on_the_services_clock(store):
    journey = writing(store, start, Kind.REGISTRATION, {}, NOW)
    with store.reading() as tx:
        assert load(tx, journey, now=later(minutes=59)) is not None
        assert load(tx, journey, now=later(hours=1)) is not None
        assert load(tx, journey, now=later(hours=1, seconds=1)) is None
        assert load(tx, journey, now=later(minutes=10), max_age=timedelta(minutes=5)) is None


def age(store: Store, journey: str, seconds: float) -> None:
    """Make the journey started `seconds` ago on the real clock."""
    with store.writing() as tx:
        doc = tx.find_one(journeys.JOURNEYS, journey_id=journey)
        tx.update(
            journeys.JOURNEYS,
            doc["id"],
            {
                "started_timestamp": doc["started_timestamp"] - seconds,
                "expires_ts": doc["expires_ts"] - seconds,
            },
        )


def test_a_journey_lasts_one_hour_on_the_real_clock_when_no_time_is_given(store):
    # The service's clock may be set to another day: the journey must still be usable.
    journey = writing(store, start, Kind.REGISTRATION, {}, datetime(2020, 1, 1, tzinfo=PARIS))
    assert reading(store, load, journey) is not None
    age(store, journey, 59 * 60)
    assert reading(store, load, journey) is not None
    age(store, journey, 2 * 60)
    assert reading(store, load, journey) is None


def test_an_accounts_journey_is_found_again_by_its_account_and_kind(store):
    journey = writing(
        store, start, Kind.SCHOLARSHIP, {"step": "foyer"}, NOW, timedelta(hours=4), account_id=7
    )
    writing(store, start, Kind.SCHOLARSHIP, {"step": "banque"}, NOW, timedelta(hours=4))  # nobody's
    writing(store, start, Kind.NOTIFICATION, {}, NOW, account_id=7)  # another kind
    with store.reading() as tx:
        assert journeys.for_account(tx, 7, Kind.SCHOLARSHIP, later(hours=3, minutes=59)) == journey
        assert load(tx, journey, kind=Kind.SCHOLARSHIP) == {
            "step": "foyer",
            "kind": Kind.SCHOLARSHIP,
        }
        assert journeys.for_account(tx, 8, Kind.SCHOLARSHIP, NOW) is None
        assert journeys.for_account(tx, 7, Kind.SCHOLARSHIP, later(hours=4, seconds=1)) is None
    with store.writing() as tx:
        assert journeys.for_account(tx, 7, Kind.SCHOLARSHIP, NOW) == journey


def test_a_new_journey_of_an_account_replaces_the_one_in_progress(store):
    first = writing(store, start, Kind.SCHOLARSHIP, {"step": "foyer"}, NOW, account_id=7)
    second = writing(
        store, start, Kind.SCHOLARSHIP, {"step": "coordonnees"}, later(minutes=1), account_id=7
    )
    with store.reading() as tx:
        assert journeys.for_account(tx, 7, Kind.SCHOLARSHIP, later(minutes=2)) == second
        owned = tx.find(journeys.JOURNEYS, account_id=7, kind=Kind.SCHOLARSHIP)
        assert [doc["journey_id"] for doc in owned] == [second]
        # The first stays usable by its id, in the session holding it.
        assert load(tx, first) == {"step": "foyer", "kind": Kind.SCHOLARSHIP}
    writing(store, finish, second)
    assert reading(store, journeys.for_account, 7, Kind.SCHOLARSHIP, later(minutes=2)) is None


def test_a_journey_may_be_started_for_longer(store):
    journey = writing(store, start, Kind.SCHOLARSHIP, {}, NOW, lifetime=timedelta(hours=4))
    with store.reading() as tx:
        assert load(tx, journey, now=later(hours=3, minutes=59)) is not None
        assert load(tx, journey, now=later(hours=4, seconds=1)) is None
    age(store, journey, 2 * 3600)
    assert reading(store, load, journey) is not None
    age(store, journey, 2 * 3600 + 1)
    assert reading(store, load, journey) is None


def purge(store: Store, table: str, now_ts: float | None = None) -> int:
    """What `flask db purge` does to a table."""
    with store.writing() as tx:
        return tx.purge_expired(table, time.time() if now_ts is None else now_ts)


def test_a_journey_ends_on_both_clocks_for_the_purge(store):
    # On the real clock when the service's clock is behind (setting TODAY)…
    past = writing(store, start, Kind.REGISTRATION, {}, datetime(2020, 1, 1, tzinfo=PARIS))
    # …and on the service's clock when it is ahead.
    ahead = writing(store, start, Kind.REGISTRATION, {}, datetime(2100, 1, 1, tzinfo=PARIS))
    with store.reading() as tx:
        ends = {
            journey: tx.find_one(journeys.JOURNEYS, journey_id=journey)["expires_ts"]
            for journey in (past, ahead)
        }
    assert time.time() + 3599 < ends[past] <= time.time() + 3600
    assert ends[ahead] == datetime(2100, 1, 1, 1, tzinfo=PARIS).timestamp()


def test_starting_a_journey_drops_nothing_the_purge_drops_the_expired_ones(store):
    now = datetime.now(PARIS)  # the purge reads the real clock
    old = writing(store, start, Kind.REGISTRATION, {}, now)
    longer = writing(store, start, Kind.SCHOLARSHIP, {}, now, lifetime=timedelta(hours=4))
    age(store, old, 3601)
    age(store, longer, 3601)
    fresh = writing(store, start, Kind.REGISTRATION, {}, now)
    with store.reading() as tx:
        assert len(list(tx.scan(journeys.JOURNEYS))) == 3
    assert purge(store, journeys.JOURNEYS) == 1
    with store.reading() as tx:
        kept = [doc["journey_id"] for doc in tx.scan(journeys.JOURNEYS)]
    assert kept == [longer, fresh]


def test_guesses_of_one_journey_at_once_are_counted_one_by_one(store):
    journey = writing(store, start, Kind.REGISTRATION, {"tries": 0}, NOW)
    with ThreadPoolExecutor(max_workers=16) as pool:
        counted = list(pool.map(lambda _: guess(store, journey), range(16)))
    assert counted.count(True) == 3
    assert reading(store, load, journey)["tries"] == 3


def test_guesses_from_several_processes_are_counted_one_by_one(store, database):
    journey = writing(store, start, Kind.REGISTRATION, {"tries": 0}, NOW)
    context = racers()
    start_event, counted = context.Event(), context.Value("i", 0)
    workers = [
        context.Process(target=guess_in_process, args=(database, journey, start_event, counted))
        for _ in range(6)
    ]
    for process in workers:
        process.start()
    start_event.set()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert counted.value == 3
    assert reading(store, load, journey)["tries"] == 3


# -- SMS sent per number -------------------------------------------------------------------------


def test_sms_are_counted_per_number(store):
    assert reading(store, sms_sent_today, SOPHIE, NOW) == 0
    assert writing(store, sms_sent_today, SOPHIE, NOW) == 0
    for minute in range(5):
        writing(store, record_sms, SOPHIE, later(minutes=minute))
    writing(store, record_sms, "+33781452290", NOW)
    for tx_of in (store.reading, store.writing):
        with tx_of() as tx:
            assert sms_sent_today(tx, SOPHIE, later(minutes=5)) == 5
            assert sms_sent_today(tx, "+33781452290", later(minutes=5)) == 1
            assert sms_sent_today(tx, "+33600000000", later(minutes=5)) == 0


def test_only_the_last_24_hours_count(store):
    writing(store, record_sms, SOPHIE, NOW)
    writing(store, record_sms, SOPHIE, later(hours=2))
    with store.reading() as tx:
        assert sms_sent_today(tx, SOPHIE, later(hours=23, minutes=59)) == 2
        assert sms_sent_today(tx, SOPHIE, later(hours=24)) == 1
        assert sms_sent_today(tx, SOPHIE, later(hours=26)) == 0
        assert sms_sent_today(tx, SOPHIE, later(hours=3), window=timedelta(hours=2)) == 1


def test_old_entries_of_the_number_are_dropped_when_writing(store):
    writing(store, record_sms, SOPHIE, NOW)
    writing(store, record_sms, "+33781452290", NOW)
    writing(store, record_sms, SOPHIE, later(hours=1))
    writing(store, record_sms, SOPHIE, later(hours=24, minutes=30))
    with store.reading() as tx:
        assert len(list(tx.scan(journeys.SMS_SENT))) == 3


def test_the_purge_drops_the_sms_that_no_longer_count(store):
    now = datetime.now(PARIS)  # the purge reads the real clock
    writing(store, record_sms, SOPHIE, now)
    writing(store, record_sms, "+33781452290", now + timedelta(hours=1))
    a_day_later = now + timedelta(hours=24, minutes=30)
    assert purge(store, journeys.SMS_SENT, a_day_later.timestamp()) == 1
    with store.reading() as tx:
        assert sms_sent_today(tx, "+33781452290", a_day_later) == 1


def test_the_phone_number_is_not_kept_in_clear(store):
    writing(store, record_sms, SOPHIE, NOW)
    text = database_text(store)
    assert "612345678" not in text
    (entry,) = json.loads(text)["sms_envoyes"]
    assert set(entry) == {"id", "digest", "sent_at", "expires_ts"} and len(entry["digest"]) == 64


def test_the_digest_is_keyed_per_database(store, tmp_path):
    # Another database beside the test's: a TinyDB file (on either backend, the key is made
    # by the records, not the engine).
    digests = []
    for other in (store, open_store(str(tmp_path / "other.json"))):
        writing(other, record_sms, SOPHIE, NOW)
        with other.reading() as tx:
            digests.append(next(tx.scan(journeys.SMS_SENT))["digest"])
    assert digests[0] != digests[1]


def test_sms_asked_for_at_once_stay_within_the_quota(store):
    def send_if_allowed(_):
        with store.writing() as tx:
            if sms_sent_today(tx, SOPHIE, NOW) >= 5:
                return False
            time.sleep(0.01)  # the SMS being sent, while others ask
            record_sms(tx, SOPHIE, NOW)
            return True

    with ThreadPoolExecutor(max_workers=20) as pool:
        sent = list(pool.map(send_if_allowed, range(20)))
    assert sent.count(True) == 5
    assert reading(store, sms_sent_today, SOPHIE, NOW) == 5
    with store.reading() as tx:
        assert len(list(tx.scan(journeys.KEYS))) == 1


# -- Blocks after wrong birth dates --------------------------------------------------------------


def test_a_block_lasts_until_its_end(store):
    writing(store, block, "parcours:abc", later(minutes=30))
    with store.reading() as tx:
        assert blocked_until(tx, "parcours:abc", later(minutes=29)) == later(minutes=30)
        assert blocked_until(tx, "parcours:abc", later(minutes=30)) is None
        assert blocked_until(tx, "parcours:autre", NOW) is None
    assert writing(store, blocked_until, "parcours:abc", NOW) == later(minutes=30)


def test_a_shorter_block_does_not_shorten_a_running_one(store):
    writing(store, block, "k", later(minutes=30))
    writing(store, block, "k", later(minutes=10))
    assert reading(store, blocked_until, "k", later(minutes=20)) == later(minutes=30)
    writing(store, block, "k", later(minutes=40))
    assert reading(store, blocked_until, "k", later(minutes=35)) == later(minutes=40)


def test_the_key_of_a_set_of_responsables_ignores_order_and_repeats():
    assert responsables_key([7, 3, 7]) == responsables_key([3, 7]) == "responsables:3,7"
    assert responsables_key([3]) != responsables_key([3, 7])
    assert journey_key("abc") == "parcours:abc"


def test_the_third_failed_submission_blocks_the_journey_and_the_responsables(store):
    keys = [journey_key("abc"), responsables_key([3, 7])]
    assert writing(store, record_failed_submission, keys, NOW) is None
    assert writing(store, record_failed_submission, keys, NOW) is None
    assert reading(store, blocked_until, keys[0], NOW) is None
    assert writing(store, record_failed_submission, keys, NOW) == later(minutes=30)
    with store.reading() as tx:
        for key in keys:
            assert blocked_until(tx, key, later(minutes=29)) == later(minutes=30)
            assert blocked_until(tx, key, later(minutes=30)) is None


def test_a_new_journey_does_not_give_new_tries_for_the_same_responsables(store):
    responsables = responsables_key([3, 7])
    writing(store, record_failed_submission, [journey_key("first"), responsables], NOW)
    writing(store, record_failed_submission, [journey_key("first"), responsables], NOW)
    until = writing(store, record_failed_submission, [journey_key("second"), responsables], NOW)
    assert until == later(minutes=30)
    with store.reading() as tx:
        assert blocked_until(tx, journey_key("second"), NOW) == until
        assert blocked_until(tx, responsables, NOW) == until


def test_after_a_block_three_new_tries_and_right_dates_clear_the_count(store):
    keys = [journey_key("abc")]
    for _ in range(3):
        writing(store, record_failed_submission, keys, NOW)
    after = later(minutes=30)
    assert writing(store, record_failed_submission, keys, after) is None
    assert writing(store, record_failed_submission, keys, after) is None
    writing(store, clear_failed_submissions, keys)
    assert writing(store, record_failed_submission, keys, after) is None
    assert writing(store, record_failed_submission, keys, after) is None
    assert writing(store, record_failed_submission, keys, after) == after + timedelta(minutes=30)


def test_the_block_limits_are_parameters(store):
    keys = ["k"]
    until = writing(
        store, record_failed_submission, keys, NOW, max_failed=1, duration=timedelta(minutes=5)
    )
    assert until == later(minutes=5)


def test_wrong_dates_submitted_at_once_block_after_the_third(store):
    def submit(number):
        # Journeys of their own, one set of responsables: as the children step checks, then
        # counts, in one transaction.
        keys = [journey_key(f"j{number % 4}"), responsables_key([3, 7])]
        with store.writing() as tx:
            if any(blocked_until(tx, key, NOW) for key in sorted(keys)):
                return "refused"
            return record_failed_submission(tx, keys, NOW) or "counted"

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(submit, range(40)))
    assert answers.count("counted") == 2
    assert answers.count(later(minutes=30)) == 1
    assert answers.count("refused") == 37
    assert reading(store, blocked_until, responsables_key([3, 7]), NOW) == later(minutes=30)


def test_times_without_a_zone_are_refused(store):
    naive = datetime(2026, 9, 14, 18, 5)
    for call in (
        lambda tx: start(tx, Kind.REGISTRATION, {}, naive),
        lambda tx: load(tx, "inconnu", now=naive),
        lambda tx: sms_sent_today(tx, SOPHIE, naive),
        lambda tx: record_sms(tx, SOPHIE, naive),
        lambda tx: block(tx, "k", naive),
        lambda tx: blocked_until(tx, "k", naive),
        lambda tx: record_failed_submission(tx, ["k"], naive),
    ):
        with pytest.raises(ValueError), store.writing() as tx:
            call(tx)
