"""The sessions of the web service, kept server-side ("sessions"): the browser holds only a
random id, the record holds what the session remembers.

A record is found by the sha256 of that id ("digest"): the id itself is never stored, so reading
the database gives no one a session. It carries the account ("account_id") or staff
member ("staff_id") the session is signed in as, so every session of one person can be ended at once
(`end_all`: a password changed, « tous les appareils »).

A session ends `idle` seconds after its last request and `absolute` seconds after it began,
whichever comes first ("ends_ts", on the service's clock, which may be set to another day with
the setting TODAY). "expires_ts" is when `flask db purge` may drop the record: that end, or as
long from now on the real clock if later, as for journeys (records/journeys.py).

A session's record is written under a lock on its digest (`session:<digest>`): a request saving
a session that another one has just ended (sign-out, revocation) finds it gone and never writes
it back.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from outside.storage import Tx
from outside.storage.schema import EXPIRES

SESSIONS = "sessions"
ACCOUNT_KEY = "account_id"  # the session key of a signed-in parent's account id
STAFF_KEY = "staff_id"  # the session key of a signed-in staff member's id


@dataclass(frozen=True)
class Lifetimes:
    idle: float  # seconds after the last request
    absolute: float  # seconds after the session began


def digest_of(session_id: str) -> str:
    """What the records keep of a session's id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def identity(data: dict) -> tuple:
    """Who the session is signed in as: (account id, staff id), None where nobody."""
    return data.get(ACCOUNT_KEY), data.get(STAFF_KEY)


def load(tx: Tx, digest: str, now_ts: float) -> dict | None:
    """The live session with this digest, or None if unknown or ended."""
    row = tx.find_one(SESSIONS, digest=digest)
    if row is None or row["ends_ts"] <= now_ts:
        return None
    return row


def create(tx: Tx, digest: str, data: dict, now_ts: float, lifetimes: Lifetimes) -> dict:
    """A new session beginning now, under a digest never used (a fresh random id)."""
    account_id, staff_id = identity(data)
    row = {
        "digest": digest,
        "data": data,
        "account_id": account_id,
        "staff_id": staff_id,
        "created_ts": now_ts,
        **_seen(now_ts, now_ts, lifetimes),
    }
    row["id"] = tx.insert(SESSIONS, row)
    return row


def save(tx: Tx, digest: str, data: dict, now_ts: float, lifetimes: Lifetimes) -> dict | None:
    """Replace what the live session remembers, seen now; None if it has ended meanwhile (it is
    never written back)."""
    row = _live(tx, digest, now_ts)
    if row is None:
        return None
    account_id, staff_id = identity(data)
    changes = {
        "data": data,
        "account_id": account_id,
        "staff_id": staff_id,
        **_seen(row["created_ts"], now_ts, lifetimes),
    }
    tx.update(SESSIONS, row["id"], changes)
    return {**row, **changes}


def touch(tx: Tx, digest: str, now_ts: float, lifetimes: Lifetimes) -> dict | None:
    """The live session seen now, what it remembers unchanged (a request that only read it
    must not undo what a request of the same session at the same moment wrote); None if it has
    ended meanwhile."""
    row = _live(tx, digest, now_ts)
    if row is None:
        return None
    changes = _seen(row["created_ts"], now_ts, lifetimes)
    tx.update(SESSIONS, row["id"], changes)
    return {**row, **changes}


def delete(tx: Tx, digest: str) -> None:
    """End the session now (sign-out, or a new id given at sign-in)."""
    tx.lock(f"session:{digest}")
    row = tx.find_one(SESSIONS, digest=digest)
    if row is not None:
        tx.delete(SESSIONS, row["id"])


def end_all(
    tx: Tx,
    account_id: int | None = None,
    staff_id: int | None = None,
    keep_digest: str | None = None,
) -> int:
    """End every session of this account or staff member but the one with `keep_digest` (the
    device asking, when it stays signed in); returns how many ended."""
    if account_id is None and staff_id is None:
        raise ValueError("end_all : indiquez un compte ou un personnel")
    rows = []
    if account_id is not None:
        rows += tx.find(SESSIONS, account_id=account_id)
    if staff_id is not None:
        rows += tx.find(SESSIONS, staff_id=staff_id)
    ended = 0
    # In the order of the digests, so two revocations at once take the locks in one order.
    for digest in sorted({row["digest"] for row in rows} - {keep_digest}):
        delete(tx, digest)
        ended += 1
    return ended


def _live(tx: Tx, digest: str, now_ts: float) -> dict | None:
    tx.lock(f"session:{digest}")
    return load(tx, digest, now_ts)


def _seen(created_ts: float, now_ts: float, lifetimes: Lifetimes) -> dict:
    ends = min(now_ts + lifetimes.idle, created_ts + lifetimes.absolute)
    # The purge reads the real clock: a record is kept until its end on both clocks.
    purge_after = max(ends, time.time() + (ends - now_ts))
    return {"last_seen_ts": now_ts, "ends_ts": ends, EXPIRES: purge_after}
