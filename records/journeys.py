"""What a multi-step journey remembers on the server, and the limits that outlive one journey.

- "parcours": the state of a journey (auto-inscription, first FranceConnect connection…) under a
  random id; the browser only holds the id, so nothing it sends back can change the state. A
  journey a signed-in parent runs (the scholarship request) is also kept under its account
  ("account_id" and "kind", one in progress per account and kind): signed in again in a new
  session, the parent finds it again (`for_account`) for the rest of its lifetime.
- "sms_envoyes": the SMS sent to each number in the last 24 hours, the number kept only as a
  keyed digest.
- "blocages": journeys and sets of responsables blocked after wrong birth dates, with the count
  of failed submissions that leads there.

Each rule's read-check-write runs in the caller's transaction after a lock on what it counts
(`parcours:<id>`, `sms:<digest>`, `blocage:<key>`), so requests of several processes at once
count every try, every SMS and every wrong date. Records past their end carry an "expires_ts"
and are dropped by `flask db purge`, never by scanning in a request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta
from enum import StrEnum

from outside.storage import Duplicate, Tx
from outside.storage.schema import EXPIRES
from rules.birthdates import BLOCK_DURATION, MAX_FAILED_SUBMISSIONS
from rules.clock import in_paris

JOURNEYS = "parcours"
SMS_SENT = "sms_envoyes"
BLOCKS = "blocages"
KEYS = "cles"

JOURNEY_LIFETIME = timedelta(hours=1)
SMS_WINDOW = timedelta(hours=24)


class Kind(StrEnum):
    """What a journey is for; the value is stored ("kind"). An activation's is also the
    account's activation method it leads to (records/accounts.py's METHODS)."""

    REGISTRATION = "auto-inscription"
    FRANCECONNECT = "franceconnect"
    NOTIFICATION = "notification"
    RECOVERY = "recuperation"
    SCHOLARSHIP = "bourse"
    PHONE_CHANGE = "fiche-telephone"
    ROSTER_IMPORT = "import-liste"


class UnknownJourney(LookupError):
    """The journey is finished, expired or was never started."""


def _expires_ts(now: datetime, lifetime: timedelta) -> float:
    """When a record may be purged: past its end on the service's clock (which may be set to
    another day, setting TODAY) and on the real one, so the purge never drops one that counts."""
    return max((now + lifetime).timestamp(), time.time() + lifetime.total_seconds())


# -- Journeys ------------------------------------------------------------------------------------


def start(
    tx: Tx,
    kind: str,
    data: dict,
    now: datetime,
    lifetime: timedelta = JOURNEY_LIFETIME,
    account_id: int | None = None,
) -> str:
    """A new journey of this kind starting with `data`, usable for `lifetime`; returns its id
    (unguessable). With an `account_id`, the journey is the account's journey of this kind in
    progress: the one before it, if any, no longer is (it stays usable by its id, in the session
    that holds it, until its end)."""
    now = in_paris(now)
    journey_id = secrets.token_urlsafe(32)
    if account_id is not None:
        tx.lock(_owner_lock(account_id, kind))
        for earlier in tx.find(JOURNEYS, account_id=account_id, kind=kind):
            tx.update(JOURNEYS, earlier["id"], {"account_id": None})
    tx.insert(
        JOURNEYS,
        {
            "journey_id": journey_id,
            "kind": kind,
            "account_id": account_id,
            "state": _without_kind(data),
            "lifetime_seconds": lifetime.total_seconds(),
            "started_at": now.isoformat(),
            # For `load` called without a time: the real clock, as the service's clock may be
            # set to another day (setting TODAY).
            "started_timestamp": time.time(),
            EXPIRES: _expires_ts(now, lifetime),
        },
    )
    return journey_id


def load(
    tx: Tx,
    journey_id: str | None,
    kind: str | None = None,
    now: datetime | None = None,
    max_age: timedelta | None = None,
    peek: bool = False,
) -> dict | None:
    """The journey's state with its "kind", or None if unknown, older than `max_age` (by
    default the lifetime it was started with), or of another kind.

    Its age is measured from the `now` given to `start` when `now` is given here too (the
    service's clock), else on the real clock.

    In a write transaction the journey is locked first: what a request reads of it (the code's
    tries, the codes sent) is what the one before it saved, so requests of one journey at once
    are answered one after the other. `peek` reads without the lock: a look ahead that decides
    nothing (whether to hash a password before the lock is taken)."""
    if now is not None:
        now = in_paris(now)
    if not journey_id or not isinstance(journey_id, str):
        return None
    if tx.writable and not peek:
        tx.lock(f"parcours:{journey_id}")
    doc = _journey(tx, journey_id)
    if doc is None or (kind is not None and doc["kind"] != kind):
        return None
    if _expired(doc, max_age or _lifetime(doc), now):
        return None
    return {**doc["state"], "kind": doc["kind"]}


def for_account(
    tx: Tx, account_id: int, kind: str, now: datetime | None = None, peek: bool = False
) -> str | None:
    """The id of the account's journey of this kind in progress (started with its
    `account_id`), or None when there is none or it has ended (its lifetime from its start, as
    `load` measures it). `peek`, as `load`'s: without the lock, a look that decides nothing."""
    if now is not None:
        now = in_paris(now)
    if tx.writable and not peek:
        tx.lock(_owner_lock(account_id, kind))
    found = [
        doc
        for doc in tx.find(JOURNEYS, account_id=account_id, kind=kind)
        if not _expired(doc, _lifetime(doc), now)
    ]
    if not found:
        return None
    return max(found, key=lambda doc: doc["started_timestamp"])["journey_id"]


def save(tx: Tx, journey_id: str, state: dict) -> None:
    """Replace the journey's state (its kind never changes)."""
    doc = _journey(tx, journey_id)
    if doc is None:
        raise UnknownJourney(journey_id)
    tx.update(JOURNEYS, doc["id"], {"state": _without_kind(state)})


def finish(tx: Tx, journey_id: str) -> None:
    doc = _journey(tx, journey_id)
    if doc is not None:
        tx.delete(JOURNEYS, doc["id"])


def _owner_lock(account_id: int, kind: str) -> str:
    return f"parcours-compte:{account_id}:{kind}"


def _journey(tx: Tx, journey_id: str) -> dict | None:
    return tx.find_one(JOURNEYS, journey_id=journey_id)


def _without_kind(state: dict) -> dict:
    return {name: value for name, value in state.items() if name != "kind"}


def _lifetime(doc: dict) -> timedelta:
    return timedelta(seconds=doc.get("lifetime_seconds", JOURNEY_LIFETIME.total_seconds()))


def _expired(doc: dict, max_age: timedelta, now: datetime | None = None) -> bool:
    if now is not None:
        return in_paris(now) - datetime.fromisoformat(doc["started_at"]) > max_age
    return time.time() - doc["started_timestamp"] > max_age.total_seconds()


# -- SMS sent per number -------------------------------------------------------------------------


def sms_sent_today(tx: Tx, phone: str, now: datetime, window: timedelta = SMS_WINDOW) -> int:
    """How many SMS this number (E.164) received in the `window` before now.

    In a write transaction the number's count is locked until the transaction ends: a caller
    that sends when the count allows it, and records the SMS (`record_sms`) in the same
    transaction, is the only one deciding for this number meanwhile."""
    since = in_paris(now) - window
    digest = _sms_digest(tx, phone)
    if digest is None:
        return 0
    return sum(1 for doc in tx.find(SMS_SENT, digest=digest) if _after(doc["sent_at"], since))


def record_sms(tx: Tx, phone: str, now: datetime, window: timedelta = SMS_WINDOW) -> None:
    """Count an SMS sent to this number, dropping its own ones too old to count any more."""
    now = in_paris(now)
    digest = _sms_digest(tx, phone)
    for doc in tx.find(SMS_SENT, digest=digest):
        if not _after(doc["sent_at"], now - window):
            tx.delete(SMS_SENT, doc["id"])
    tx.insert(
        SMS_SENT,
        {"digest": digest, "sent_at": now.isoformat(), EXPIRES: _expires_ts(now, window)},
    )


def _sms_digest(tx: Tx, phone: str) -> str | None:
    """The number's digest, its count locked in a write transaction; None in a read one when
    no SMS was ever counted (no key yet)."""
    if not tx.writable:
        found = tx.find_one(KEYS, name=SMS_SENT)
        return _phone_digest(bytes.fromhex(found["value"]), phone) if found else None
    digest = _phone_digest(_key(tx, SMS_SENT), phone)
    tx.lock(f"sms:{digest}")
    return digest


def _phone_digest(key: bytes, phone: str) -> str:
    # The quota needs only to tell numbers apart, not to read them back. The key is random per
    # database, so digests cannot be looked up in a table computed once for every mobile number;
    # it lives in the same database, so this is data minimisation, not protection from a thief
    # of the database (who would find the numbers on the roster anyway).
    return hmac.new(key, phone.encode("utf-8"), hashlib.sha256).hexdigest()


def _key(tx: Tx, name: str) -> bytes:
    """A random key made once per database, the first time it is needed."""
    found = tx.find_one(KEYS, name=name)
    if found is None:
        try:
            value = secrets.token_hex(32)
            tx.insert(KEYS, {"name": name, "value": value})
            return bytes.fromhex(value)
        except Duplicate:
            # Made by another transaction at the same moment: theirs is the key.
            found = tx.find_one(KEYS, name=name)
    return bytes.fromhex(found["value"])


def _after(iso: str, moment: datetime) -> bool:
    return datetime.fromisoformat(iso) > moment


# -- Blocks after wrong birth dates --------------------------------------------------------------


def journey_key(journey_id: str) -> str:
    return f"parcours:{journey_id}"


def responsables_key(responsable_ids: list[int]) -> str:
    """The same key whichever journey found these responsables, in whatever order."""
    return "responsables:" + ",".join(str(number) for number in sorted(set(responsable_ids)))


def block(tx: Tx, key: str, until: datetime) -> None:
    """Block the key until then; a block already running longer is kept as it is."""
    until = in_paris(until)
    _lock_blocks(tx, [key])
    _block(tx, key, until)


def blocked_until(tx: Tx, key: str, now: datetime) -> datetime | None:
    """The end of the key's block, or None if it is not blocked now.

    In a write transaction the key is locked first, so a check followed by a count
    (`record_failed_submission`) in the same transaction sees every count made before it."""
    now = in_paris(now)
    if tx.writable:
        _lock_blocks(tx, [key])
    doc = tx.find_one(BLOCKS, key=key)
    if doc is None or not doc.get("until"):
        return None
    until = in_paris(datetime.fromisoformat(doc["until"]))
    return until if now < until else None


def record_failed_submission(
    tx: Tx,
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
    _lock_blocks(tx, keys)
    counts = []
    for key in keys:
        doc = tx.find_one(BLOCKS, key=key) or {}
        counts.append(doc.get("failures", 0) + 1)
        _put_block(tx, key, {"failures": counts[-1]})
    if max(counts, default=0) < max_failed:
        return None
    for key in keys:
        # A block starts a new count: after it, three more tries.
        _put_block(tx, key, {"failures": 0})
        _block(tx, key, until)
    return until


def clear_failed_submissions(tx: Tx, keys: list[str]) -> None:
    """Right dates at last: the wrong ones before no longer count."""
    _lock_blocks(tx, keys)
    for key in keys:
        doc = tx.find_one(BLOCKS, key=key)
        if doc is not None and doc.get("failures"):
            tx.update(BLOCKS, doc["id"], {"failures": 0})


def _lock_blocks(tx: Tx, keys: list[str]) -> None:
    # Always in one order, so two transactions locking two keys each never wait for each other.
    for key in sorted(set(keys)):
        tx.lock(f"blocage:{key}")


def _block(tx: Tx, key: str, until: datetime) -> None:
    doc = tx.find_one(BLOCKS, key=key)
    if doc and doc.get("until") and datetime.fromisoformat(doc["until"]) >= until:
        return
    _put_block(tx, key, {"until": until.isoformat()})


def _put_block(tx: Tx, key: str, changes: dict) -> None:
    """Change the key's record, made if it has none (the caller holds the key's lock)."""
    doc = tx.find_one(BLOCKS, key=key)
    if doc is None:
        tx.insert(BLOCKS, {"key": key, **changes})
    else:
        tx.update(BLOCKS, doc["id"], changes)
