"""The mails waiting to leave (issue 10): table "mail_queue". Nothing that matters lives only in
one process: a mail (an activation link, a receipt, a decision) is written in the transaction of
the change that decided it, so it is kept exactly when that change is; a process that dies before
SMTP answered, or a server that refuses, leaves it here for the next try.

A row: to, subject, body, attachments (their bytes, in base64: a receipt is the document of that
moment, not one rebuilt later from a request changed since), kind (what the logs call it), about
(the record it tells of, on which its outcome is written: `OUTCOMES`) and its topic (the same as
text, a key), uai (the school whose mail it is, "" for a parent's own links and notices), state,
attempts, next_try (UTC, as ISO text: it sorts as time), last_error (the error's kind only).

Two mails with the same `about` tell of the same thing, the newer one of its latest state (a new
link, which voids the one before): queuing it drops the older ones not sent — waiting or given
up — as SUPERSEDED, kept for the record and never sent, so that a mail retried never arrives
after a newer one. So `about` names what a mail is about precisely (the account and the link's
journey, the request and its event, the reminder and the address).

Whoever sends a mail claims it first: its attempt is counted and its next try put a lease
(`CLAIM`) ahead, so that no other process takes it meanwhile, and one that died holding it leaves
it due again once the lease is over. The request that writes a mail holds it from the start and
sends it after its commit; `flask --app app mail envoyer` claims the due ones under the lock
"mail_queue", serial with the same command on another machine: each claimed once. After a
failure the next try waits MAIL_RETRY_SECONDS, doubled each time; the MAIL_ATTEMPTS-th failure
gives the mail up.

Its body holds links as good as a password, its attachments documents: both are erased once it
is sent, superseded or given up — except a school's mail given up, which its staff may send
again from the back office (`send_again`); what stays (to, subject, kind, state) is purged after
MAIL_KEPT_DAYS.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from outside.mail import Attachment
from outside.storage import Tx
from outside.storage.schema import EXPIRES
from records import bourse_requests, examinations, reminders
from rules.clock import in_paris

QUEUE = "mail_queue"
WAITING, SENT, GAVE_UP, SUPERSEDED = "waiting", "sent", "gave_up", "superseded"
# Far longer than one SMTP conversation (outside/mail.py's timeout bounds each of its steps).
CLAIM = timedelta(minutes=10)


@dataclass(frozen=True)
class Limits:
    """The settings MAIL_ATTEMPTS, MAIL_RETRY_SECONDS and MAIL_KEPT_DAYS."""

    attempts: int
    first_wait: timedelta
    kept: timedelta


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()
    kind: str = ""
    about: dict | None = None
    school: str = ""  # the uai of the school whose mail it is


def add(tx: Tx, mail: Outgoing, now: datetime, limits: Limits) -> dict:
    """Write the mail, claimed by the caller, who tries it once `tx` is saved; the mails not
    sent about the same thing are superseded."""
    topic = topic_of(mail.about)
    if topic:
        tx.lock(f"{QUEUE}:{topic}")  # two newer mails at once: one supersedes the other
        _supersede(tx, topic, now, limits)
    doc = {
        "to": mail.to,
        "subject": mail.subject,
        "body": mail.body,
        "attachments": [_stored(attachment) for attachment in mail.attachments],
        "kind": mail.kind,
        "about": mail.about,
        "topic": topic,
        "uai": mail.school,
        "state": WAITING,
        "attempts": 1,
        "next_try": _stamp(now + CLAIM),
        "created_at": in_paris(now).isoformat(),
    }
    return {**doc, "id": tx.insert(QUEUE, doc)}


def topic_of(about: dict | None) -> str:
    """`about` as one text, the same for equal dicts ("" for none)."""
    return "|".join(f"{name}={about[name]}" for name in sorted(about or {}))


def _supersede(tx: Tx, topic: str, now: datetime, limits: Limits) -> None:
    for doc in tx.find(QUEUE, topic=topic):
        if doc["state"] in (WAITING, GAVE_UP):
            tx.update(QUEUE, doc["id"], {"state": SUPERSEDED, **_ended(now, limits)})


def state_of(tx: Tx, doc: dict) -> str:
    """The mail's state as saved now (a newer mail may have superseded it since it was read)."""
    return tx.get(QUEUE, doc["id"])["state"]


def claim_due(tx: Tx, now: datetime, limit: int) -> list[dict]:
    """Up to `limit` mails whose next try has come, claimed for the caller (in the order of
    their next try): none of them is claimed by anyone else until the lease is over."""
    tx.lock(QUEUE)
    waiting = tx.find_page(QUEUE, {"state": WAITING}, 0, limit).docs
    claimed = []
    for doc in waiting:
        if doc["next_try"] > _stamp(now):
            break  # the rest of the page comes later still
        changes = {"attempts": doc["attempts"] + 1, "next_try": _stamp(now + CLAIM)}
        tx.update(QUEUE, doc["id"], changes)
        claimed.append({**doc, **changes})
    return claimed


def message(doc: dict) -> tuple[str, str, str, list[Attachment]]:
    """What to hand the mail sender: to, subject, body, attachments."""
    attachments = [
        Attachment(one["filename"], one["mimetype"], base64.b64decode(one["data"]))
        for one in doc["attachments"]
    ]
    return doc["to"], doc["subject"], doc["body"], attachments


def sent(tx: Tx, doc: dict, now: datetime, limits: Limits) -> None:
    tx.update(QUEUE, doc["id"], {"state": SENT, **_ended(now, limits)})
    _tell(tx, doc, SENT, now)


def failed(tx: Tx, doc: dict, error: str, now: datetime, limits: Limits) -> str:
    """Record a try that failed with `error` (its kind); the mail's state after it: WAITING for
    its next try, GAVE_UP after the last one, or SUPERSEDED when a newer one replaced it as it
    was tried (it stays so: never tried again)."""
    if state_of(tx, doc) == SUPERSEDED:
        tx.update(QUEUE, doc["id"], {"last_error": error})
        return SUPERSEDED
    if doc["attempts"] >= limits.attempts:
        state = GAVE_UP
        # A school's mail keeps what it said: its staff may send it again.
        changes = {"state": GAVE_UP, **_ended(now, limits, keep=bool(doc.get("uai")))}
    else:
        state = WAITING
        wait = limits.first_wait * 2 ** (doc["attempts"] - 1)
        changes = {"next_try": _stamp(now + wait)}
    tx.update(QUEUE, doc["id"], {**changes, "last_error": error})
    _tell(tx, doc, state, now)
    return state


def given_up_of(tx: Tx, uai: str) -> list[dict]:
    """The school's mails given up, the last given up first (few: purged after MAIL_KEPT_DAYS,
    read whole)."""
    found = tx.find(QUEUE, uai=uai, state=GAVE_UP)
    return sorted(found, key=lambda doc: (doc["next_try"], doc["id"]), reverse=True)


def send_again(tx: Tx, mail_id: int, uai: str, now: datetime, limits: Limits) -> dict | None:
    """The school's mail given up, queued again as a new mail (claimed by the caller, who tries
    it once `tx` is saved); the one given up is superseded by it. None when it is no longer
    given up (sent again already); LookupError when it is no mail of this school's."""
    tx.lock(f"{QUEUE}:{mail_id}")  # two clicks at once: one mail
    doc = tx.get(QUEUE, mail_id)
    if doc is None or not uai or doc.get("uai") != uai:
        raise LookupError(f"aucun courriel n° {mail_id} pour {uai}")
    if doc["state"] != GAVE_UP:
        return None
    to, subject, body, attachments = message(doc)
    again = Outgoing(to, subject, body, tuple(attachments), doc["kind"], doc["about"], uai)
    queued = add(tx, again, now, limits)  # supersedes it when it is about something
    tx.update(QUEUE, doc["id"], {"state": SUPERSEDED, **_ended(now, limits)})
    return queued


def _ended(now: datetime, limits: Limits, keep: bool = False) -> dict:
    """A mail settled: what it said is erased (unless kept), the rest listed until the purge."""
    erased = {} if keep else {"body": "", "attachments": []}
    return {
        **erased,
        "settled_at": in_paris(now).isoformat(),
        EXPIRES: (now + limits.kept).timestamp(),
    }


def _tell_examination(tx: Tx, about: dict, to: str, state: str, now: datetime) -> None:
    examinations.mail_outcome(tx, about["id"], about["event"], to, as_sent(state))


def as_sent(state: str) -> bool | None:
    """A mail's state as a record's notice says it: sent, given up, or None while waiting."""
    return {SENT: True, GAVE_UP: False}.get(state)


def _tell_request(tx: Tx, about: dict, to: str, state: str, now: datetime) -> None:
    bourse_requests.mail_outcome(tx, about["id"], about["event"], to, as_sent(state))


# Where a mail's outcome is written, by the table of the record it is about: with each try, in
# the transaction that records it, so a mail sent by the command later is said sent there too.
def _tell_reminder(tx: Tx, about: dict, to: str, state: str, now: datetime) -> None:
    reminders.mail_outcome(tx, about["id"], to, as_sent(state), now)


OUTCOMES = {
    examinations.EXAMINATIONS: _tell_examination,
    bourse_requests.REQUESTS: _tell_request,
    reminders.REMINDERS: _tell_reminder,
}


def _tell(tx: Tx, doc: dict, state: str, now: datetime) -> None:
    about = doc.get("about") or {}
    record = OUTCOMES.get(about.get("table"))
    if record is not None:
        record(tx, about, doc["to"], state, now)


def _stamp(moment: datetime) -> str:
    # UTC: Paris times of summer and winter, as text, would not sort as the moments do.
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _stored(attachment: Attachment) -> dict:
    data = base64.b64encode(attachment.data).decode("ascii")
    return {"filename": attachment.filename, "mimetype": attachment.mimetype, "data": data}
