"""The reminder against non-recours (issue 14, item 5): table "bourse_relances", one row per
school and school year, written when the school sends its one reminder of the campaign to the
families with no consent and no request (`records/non_recours.py`).

`send_once` takes the lock "relance:<uai>:<school_year>", reads the row, and only when there is none
sends (the caller's function: the SMS, kept in the transaction) and writes the row and its
journal entry, in the caller's transaction: two clicks at once, in any processes, send once;
the second is refused with the first's date and author. The e-mails are queued with it
(records/mail_queue.py, each about the reminder and its address) and leave once that is saved
(no lock waits on SMTP). What the school sees is what the queue did: "emails" counts those that
left, whenever they did (`mail_outcome`, at each mail's try); one given up is counted in
"failed" (with the SMS that could not leave) and in "mails_gave_up", and told in the journal;
the others are waiting for a new try (`mails_waiting`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from outside.storage import Tx
from records import audit
from rules.clock import in_paris

REMINDERS = "bourse_relances"


@dataclass(frozen=True)
class Sent:
    """What a reminder's sending reached."""

    families: int
    sms: int
    emails: int  # to send once the reminder is saved (`record_mails`)
    failed: int = 0  # messages that could not leave


class AlreadySent(Exception):
    def __init__(self, reminder: dict):
        local = in_paris(datetime.fromisoformat(reminder["sent_at"]))
        super().__init__(
            f"Le rappel de la campagne {reminder['school_year']} a déjà été envoyé le "
            f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d} par {reminder['staff']} : "
            "il ne s'envoie qu'une fois par campagne."
        )
        self.reminder = reminder


def of_campaign(tx: Tx, uai: str, school_year: str) -> dict | None:
    return tx.find_one(REMINDERS, uai=uai, school_year=school_year)


def send_once(
    tx: Tx, staff: dict, school_year: str, send: Callable[[], Sent], now: datetime
) -> dict:
    """Send the school's reminder of school year `school_year` with `send`, unless it was sent
    (AlreadySent); the row written, and the journal's entry."""
    tx.lock(f"relance:{staff['uai']}:{school_year}")
    existing = of_campaign(tx, staff["uai"], school_year)
    if existing is not None:
        raise AlreadySent(existing)
    sent = send()
    row = {
        "uai": staff["uai"],
        "school_year": school_year,
        "sent_at": in_paris(now).isoformat(),
        "staff": staff["identifier"],
        "families": sent.families,
        "sms": sent.sms,
        "emails": 0,  # none left yet: they leave after the commit
        "to_mail": sent.emails,
        "mails_gave_up": 0,
        "failed": sent.failed,
    }
    row["id"] = tx.insert(REMINDERS, row)
    detail = (
        f"Rappel de la campagne {school_year} envoyé à {sent.families} responsable(s) : "
        f"{sent.sms} SMS, {sent.emails} courriel(s)."
    )
    audit.record(tx, staff, "relance-bourse", detail, now)
    return row


def mail_outcome(tx: Tx, row_id: int, to: str, sent: bool | None, now: datetime) -> None:
    """One of the reminder's e-mails (to `to`) settled by the queue: sent (True) is counted —
    and no longer failed when it had been given up, then sent again by the staff —, given up
    (False) counted as failed and told in the journal; None (to be tried again) changes
    nothing."""
    if sent is None:
        return
    tx.lock(f"{REMINDERS}:{row_id}")  # the counts of two mails settled at once both kept
    row = tx.get(REMINDERS, row_id)
    if row is None:
        return
    given_up = list(row.get("gave_up_to", []))
    if sent:
        changes = {"emails": row["emails"] + 1}
        if to in given_up:
            given_up.remove(to)
            changes |= {"mails_gave_up": row["mails_gave_up"] - 1, "failed": row["failed"] - 1}
        tx.update(REMINDERS, row_id, {**changes, "gave_up_to": given_up})
        return
    changes = {
        "mails_gave_up": row.get("mails_gave_up", 0) + 1,
        "failed": row["failed"] + 1,
        "gave_up_to": [*given_up, to],
    }
    tx.update(REMINDERS, row_id, changes)
    detail = f"Rappel de la campagne {row['school_year']} : 1 courriel(s) non parti(s)."
    audit.record(tx, {"identifier": row["staff"], "uai": row["uai"]}, "relance-bourse", detail, now)


def mails_waiting(row: dict) -> int:
    """The reminder's e-mails the queue will try again."""
    return row["to_mail"] - row["emails"] - row.get("mails_gave_up", 0)
