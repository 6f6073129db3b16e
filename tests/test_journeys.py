"""Server-side journey state, SMS sent per number, and blocks after wrong birth dates."""

import json
from datetime import datetime, timedelta

import pytest

from outside.storage import Store
from records import journeys
from records.journeys import (
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

NOW = datetime(2026, 9, 14, 18, 5, tzinfo=PARIS)
SOPHIE = "+33612345678"


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "db.json")


def later(**delta) -> datetime:
    return NOW + timedelta(**delta)


# -- Journeys ------------------------------------------------------------------------------------


def test_a_journey_keeps_its_state_under_a_random_id(store):
    first = start(store, "auto-inscription", {"telephone": SOPHIE, "responsables": [1]}, NOW)
    second = start(store, "auto-inscription", {}, NOW)
    assert first != second
    assert len(first) >= 43 and all(c.isalnum() or c in "-_" for c in first)
    assert load(store, first) == {
        "telephone": SOPHIE,
        "responsables": [1],
        "kind": "auto-inscription",
    }
    assert load(store, second) == {"kind": "auto-inscription"}


def test_an_unknown_or_missing_id_has_no_journey(store):
    start(store, "auto-inscription", {}, NOW)
    assert load(store, "inconnu") is None
    assert load(store, None) is None
    assert load(store, "") is None


def test_a_journey_of_another_kind_is_not_loaded_when_a_kind_is_asked(store):
    journey = start(store, "franceconnect", {}, NOW)
    assert load(store, journey, kind="auto-inscription") is None
    assert load(store, journey, kind="franceconnect") == {"kind": "franceconnect"}


def test_save_replaces_the_state_but_never_the_kind(store):
    journey = start(store, "auto-inscription", {"step": 1, "old": True}, NOW)
    save(store, journey, {"step": 2, "kind": "franceconnect"})
    assert load(store, journey) == {"step": 2, "kind": "auto-inscription"}


def test_saving_a_journey_that_does_not_exist_says_so(store):
    with pytest.raises(UnknownJourney):
        save(store, "inconnu", {"step": 2})


def test_a_finished_journey_is_gone(store):
    journey = start(store, "auto-inscription", {}, NOW)
    finish(store, journey)
    assert load(store, journey) is None
    finish(store, journey)  # twice is harmless


def test_a_journey_lasts_one_hour_on_the_services_clock(store):
    journey = start(store, "auto-inscription", {}, NOW)
    assert load(store, journey, now=later(minutes=59)) is not None
    assert load(store, journey, now=later(hours=1)) is not None
    assert load(store, journey, now=later(hours=1, seconds=1)) is None
    assert load(store, journey, now=later(minutes=10), max_age=timedelta(minutes=5)) is None


def age(store: Store, journey: str, seconds: float) -> None:
    """Make the journey started `seconds` ago on the real clock."""
    with store.transaction() as db:
        table = db.table(journeys.JOURNEYS)
        doc = table.get(lambda d: d["journey_id"] == journey)
        table.update(
            {"started_timestamp": doc["started_timestamp"] - seconds}, doc_ids=[doc.doc_id]
        )


def test_a_journey_lasts_one_hour_on_the_real_clock_when_no_time_is_given(store):
    # The service's clock may be set to another day: the journey must still be usable.
    journey = start(store, "auto-inscription", {}, datetime(2020, 1, 1, tzinfo=PARIS))
    assert load(store, journey) is not None
    age(store, journey, 59 * 60)
    assert load(store, journey) is not None
    age(store, journey, 2 * 60)
    assert load(store, journey) is None


def test_a_journey_may_be_started_for_longer(store):
    journey = start(store, "bourse", {}, NOW, lifetime=timedelta(hours=4))
    assert load(store, journey, now=later(hours=3, minutes=59)) is not None
    assert load(store, journey, now=later(hours=4, seconds=1)) is None
    age(store, journey, 2 * 3600)
    start(store, "auto-inscription", {}, NOW)  # drops only the journeys past their own lifetime
    assert load(store, journey) is not None
    age(store, journey, 2 * 3600 + 1)
    start(store, "auto-inscription", {}, NOW)
    with store.reading() as db:
        kept = [doc["journey_id"] for doc in db.table(journeys.JOURNEYS).all()]
    assert journey not in kept and len(kept) == 2


def test_starting_a_journey_drops_the_expired_ones(store):
    old = start(store, "auto-inscription", {}, NOW)
    age(store, old, 3601)
    start(store, "auto-inscription", {}, NOW)
    with store.reading() as db:
        assert len(db.table(journeys.JOURNEYS)) == 1


# -- SMS sent per number -------------------------------------------------------------------------


def test_sms_are_counted_per_number(store):
    assert sms_sent_today(store, SOPHIE, NOW) == 0
    for minute in range(5):
        record_sms(store, SOPHIE, later(minutes=minute))
    record_sms(store, "+33781452290", NOW)
    assert sms_sent_today(store, SOPHIE, later(minutes=5)) == 5
    assert sms_sent_today(store, "+33781452290", later(minutes=5)) == 1
    assert sms_sent_today(store, "+33600000000", later(minutes=5)) == 0


def test_only_the_last_24_hours_count(store):
    record_sms(store, SOPHIE, NOW)
    record_sms(store, SOPHIE, later(hours=2))
    assert sms_sent_today(store, SOPHIE, later(hours=23, minutes=59)) == 2
    assert sms_sent_today(store, SOPHIE, later(hours=24)) == 1
    assert sms_sent_today(store, SOPHIE, later(hours=26)) == 0
    assert sms_sent_today(store, SOPHIE, later(hours=3), window=timedelta(hours=2)) == 1


def test_old_entries_are_dropped_when_writing(store):
    record_sms(store, SOPHIE, NOW)
    record_sms(store, SOPHIE, later(hours=1))
    record_sms(store, SOPHIE, later(hours=24, minutes=30))
    with store.reading() as db:
        assert len(db.table(journeys.SMS_SENT)) == 2


def test_the_phone_number_is_not_kept_in_clear(store, tmp_path):
    record_sms(store, SOPHIE, NOW)
    text = (tmp_path / "db.json").read_text()
    assert "612345678" not in text
    entry = next(iter(json.loads(text)["sms_envoyes"].values()))
    assert set(entry) == {"digest", "sent_at"} and len(entry["digest"]) == 64


def test_the_digest_is_keyed_per_database(tmp_path):
    digests = []
    for name in ("a.json", "b.json"):
        other = Store(tmp_path / name)
        record_sms(other, SOPHIE, NOW)
        with other.reading() as db:
            digests.append(db.table(journeys.SMS_SENT).all()[0]["digest"])
    assert digests[0] != digests[1]


# -- Blocks after wrong birth dates --------------------------------------------------------------


def test_a_block_lasts_until_its_end(store):
    block(store, "parcours:abc", later(minutes=30))
    assert blocked_until(store, "parcours:abc", later(minutes=29)) == later(minutes=30)
    assert blocked_until(store, "parcours:abc", later(minutes=30)) is None
    assert blocked_until(store, "parcours:autre", NOW) is None


def test_a_shorter_block_does_not_shorten_a_running_one(store):
    block(store, "k", later(minutes=30))
    block(store, "k", later(minutes=10))
    assert blocked_until(store, "k", later(minutes=20)) == later(minutes=30)
    block(store, "k", later(minutes=40))
    assert blocked_until(store, "k", later(minutes=35)) == later(minutes=40)


def test_the_key_of_a_set_of_responsables_ignores_order_and_repeats():
    assert responsables_key([7, 3, 7]) == responsables_key([3, 7]) == "responsables:3,7"
    assert responsables_key([3]) != responsables_key([3, 7])
    assert journey_key("abc") == "parcours:abc"


def test_the_third_failed_submission_blocks_the_journey_and_the_responsables(store):
    keys = [journey_key("abc"), responsables_key([3, 7])]
    assert record_failed_submission(store, keys, NOW) is None
    assert record_failed_submission(store, keys, NOW) is None
    assert blocked_until(store, keys[0], NOW) is None
    assert record_failed_submission(store, keys, NOW) == later(minutes=30)
    for key in keys:
        assert blocked_until(store, key, later(minutes=29)) == later(minutes=30)
        assert blocked_until(store, key, later(minutes=30)) is None


def test_a_new_journey_does_not_give_new_tries_for_the_same_responsables(store):
    responsables = responsables_key([3, 7])
    record_failed_submission(store, [journey_key("first"), responsables], NOW)
    record_failed_submission(store, [journey_key("first"), responsables], NOW)
    until = record_failed_submission(store, [journey_key("second"), responsables], NOW)
    assert until == later(minutes=30)
    assert blocked_until(store, journey_key("second"), NOW) == until
    assert blocked_until(store, responsables, NOW) == until


def test_after_a_block_three_new_tries_and_right_dates_clear_the_count(store):
    keys = [journey_key("abc")]
    for _ in range(3):
        record_failed_submission(store, keys, NOW)
    after = later(minutes=30)
    assert record_failed_submission(store, keys, after) is None
    assert record_failed_submission(store, keys, after) is None
    clear_failed_submissions(store, keys)
    assert record_failed_submission(store, keys, after) is None
    assert record_failed_submission(store, keys, after) is None
    assert record_failed_submission(store, keys, after) == after + timedelta(minutes=30)


def test_the_block_limits_are_parameters(store):
    keys = ["k"]
    until = record_failed_submission(store, keys, NOW, max_failed=1, duration=timedelta(minutes=5))
    assert until == later(minutes=5)


def test_times_without_a_zone_are_refused(store):
    naive = datetime(2026, 9, 14, 18, 5)
    for call in (
        lambda: start(store, "auto-inscription", {}, naive),
        lambda: load(store, "inconnu", now=naive),
        lambda: sms_sent_today(store, SOPHIE, naive),
        lambda: record_sms(store, SOPHIE, naive),
        lambda: block(store, "k", naive),
        lambda: blocked_until(store, "k", naive),
        lambda: record_failed_submission(store, ["k"], naive),
    ):
        with pytest.raises(ValueError):
            call()
