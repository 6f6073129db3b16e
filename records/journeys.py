"""What a multi-step journey remembers on the server, and the limits that outlive one journey.

- "parcours": the state of a journey (auto-inscription, first FranceConnect connection…) under a
  random id; the browser only holds the id, so nothing it sends back can change the state.
- "sms_envoyes": the SMS sent to each number in the last 24 hours, the number kept only as a
  keyed digest.
- "blocages": journeys and sets of responsables blocked after wrong birth dates, with the count
  of failed submissions that leads there.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

from tinydb import Query, TinyDB

from outside.storage import Store
from rules.birthdates import BLOCK_DURATION, MAX_FAILED_SUBMISSIONS
from rules.clock import in_paris

JOURNEYS = "parcours"
SMS_SENT = "sms_envoyes"
BLOCKS = "blocages"
KEYS = "cles"

JOURNEY_LIFETIME = timedelta(hours=1)
SMS_WINDOW = timedelta(hours=24)


class UnknownJourney(LookupError):
    """The journey is finished, expired or was never started."""


# -- Journeys ------------------------------------------------------------------------------------


def start(
    store: Store, kind: str, data: dict, now: datetime, lifetime: timedelta = JOURNEY_LIFETIME
) -> str:
    """A new journey of this kind starting with `data`, usable for `lifetime`; returns its id
    (unguessable)."""
    journey_id = secrets.token_urlsafe(32)
    with store.transaction() as db:
        table = db.table(JOURNEYS)
        # Journeys left half-way are dropped here, so the table does not grow for ever.
        table.remove(lambda doc: _expired(doc, _lifetime(doc)))
        table.insert(
            {
                "journey_id": journey_id,
                "kind": kind,
                "state": _without_kind(data),
                "lifetime_seconds": lifetime.total_seconds(),
                "started_at": in_paris(now).isoformat(),
                # For `load` called without a time: the real clock, as the service's clock
                # may be set to another day (setting TODAY).
                "started_timestamp": time.time(),
            }
        )
    return journey_id


def load(
    store: Store,
    journey_id: str | None,
    kind: str | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
) -> dict | None:
    """The journey's state with its "kind", or None if unknown, older than `max_age` (by
    default the lifetime it was started with), or of another kind.

    Its age is measured from the `now` given to `start` when `now` is given here too (the
    service's clock), else on the real clock."""
    if now is not None:
        now = in_paris(now)
    if not journey_id:
        return None
    with store.reading() as db:
        doc = db.table(JOURNEYS).get(Query().journey_id == journey_id)
    if doc is None or (kind is not None and doc["kind"] != kind):
        return None
    if _expired(doc, max_age or _lifetime(doc), now):
        return None
    return {**doc["state"], "kind": doc["kind"]}


def save(store: Store, journey_id: str, state: dict) -> None:
    """Replace the journey's state (its kind never changes)."""
    with store.transaction() as db:
        updated = db.table(JOURNEYS).update(
            {"state": _without_kind(state)}, Query().journey_id == journey_id
        )
    if not updated:
        raise UnknownJourney(journey_id)


def finish(store: Store, journey_id: str) -> None:
    with store.transaction() as db:
        db.table(JOURNEYS).remove(Query().journey_id == journey_id)


def _without_kind(state: dict) -> dict:
    return {name: value for name, value in state.items() if name != "kind"}


def _lifetime(doc: dict) -> timedelta:
    return timedelta(seconds=doc.get("lifetime_seconds", JOURNEY_LIFETIME.total_seconds()))


def _expired(doc: dict, max_age: timedelta, now: datetime | None = None) -> bool:
    if now is not None:
        return in_paris(now) - datetime.fromisoformat(doc["started_at"]) > max_age
    return time.time() - doc["started_timestamp"] > max_age.total_seconds()


# -- SMS sent per number -------------------------------------------------------------------------


def sms_sent_today(
    store: Store, telephone: str, now: datetime, window: timedelta = SMS_WINDOW
) -> int:
    """How many SMS this number (E.164) received in the `window` before now."""
    since = in_paris(now) - window
    with store.reading() as db:
        key = db.table(KEYS).get(Query().name == SMS_SENT)
        if key is None:
            return 0
        digest = _phone_digest(bytes.fromhex(key["value"]), telephone)
        return db.table(SMS_SENT).count(
            (Query().digest == digest) & Query().sent_at.test(lambda at: _after(at, since))
        )


def record_sms(store: Store, telephone: str, now: datetime, window: timedelta = SMS_WINDOW) -> None:
    """Count an SMS sent to this number, dropping those too old to count any more."""
    now = in_paris(now)
    with store.transaction() as db:
        table = db.table(SMS_SENT)
        table.remove(Query().sent_at.test(lambda at: not _after(at, now - window)))
        digest = _phone_digest(_key(db, SMS_SENT), telephone)
        table.insert({"digest": digest, "sent_at": now.isoformat()})


def _phone_digest(key: bytes, telephone: str) -> str:
    # The quota needs only to tell numbers apart, not to read them back. The key is random per
    # database, so digests cannot be looked up in a table computed once for every mobile number;
    # it lives in the same file, so this is data minimisation, not protection from a thief of
    # the file (who would find the numbers on the roster anyway).
    return hmac.new(key, telephone.encode("utf-8"), hashlib.sha256).hexdigest()


def _key(db: TinyDB, name: str) -> bytes:
    """A random key made once per database, the first time it is needed."""
    keys = db.table(KEYS)
    found = keys.get(Query().name == name)
    if found is None:
        found = {"name": name, "value": secrets.token_hex(32)}
        keys.insert(found)
    return bytes.fromhex(found["value"])


def _after(iso: str, moment: datetime) -> bool:
    return datetime.fromisoformat(iso) > moment


# -- Blocks after wrong birth dates --------------------------------------------------------------


def journey_key(journey_id: str) -> str:
    return f"parcours:{journey_id}"


def responsables_key(responsable_ids: list[int]) -> str:
    """The same key whichever journey found these responsables, in whatever order."""
    return "responsables:" + ",".join(str(number) for number in sorted(set(responsable_ids)))


def block(store: Store, key: str, until: datetime) -> None:
    """Block the key until then; a block already running longer is kept as it is."""
    with store.transaction() as db:
        _block(db, key, in_paris(until))


def blocked_until(store: Store, key: str, now: datetime) -> datetime | None:
    """The end of the key's block, or None if it is not blocked now."""
    now = in_paris(now)
    with store.reading() as db:
        doc = db.table(BLOCKS).get(Query().key == key)
    if doc is None or not doc.get("until"):
        return None
    until = in_paris(datetime.fromisoformat(doc["until"]))
    return until if now < until else None


def record_failed_submission(
    store: Store,
    keys: list[str],
    now: datetime,
    max_failed: int = MAX_FAILED_SUBMISSIONS,
    duration: timedelta = BLOCK_DURATION,
) -> datetime | None:
    """Count a submission with a wrong birth date against every key (the journey and the
    responsables); the `max_failed`-th on any key blocks all of them. Returns the end of the
    block, or None. Counting per responsables too means starting a new journey does not give
    three new tries."""
    until = in_paris(now) + duration
    with store.transaction() as db:
        table = db.table(BLOCKS)
        counts = []
        for key in keys:
            doc = table.get(Query().key == key) or {}
            counts.append(doc.get("failures", 0) + 1)
            table.upsert({"key": key, "failures": counts[-1]}, Query().key == key)
        if max(counts, default=0) < max_failed:
            return None
        for key in keys:
            # A block starts a new count: after it, three more tries.
            table.update({"failures": 0}, Query().key == key)
            _block(db, key, until)
    return until


def clear_failed_submissions(store: Store, keys: list[str]) -> None:
    """Right dates at last: the wrong ones before no longer count."""
    with store.transaction() as db:
        db.table(BLOCKS).update({"failures": 0}, Query().key.one_of(keys))


def _block(db: TinyDB, key: str, until: datetime) -> None:
    table = db.table(BLOCKS)
    doc = table.get(Query().key == key)
    if doc and doc.get("until") and datetime.fromisoformat(doc["until"]) >= until:
        return
    table.upsert({"key": key, "until": until.isoformat()}, Query().key == key)
