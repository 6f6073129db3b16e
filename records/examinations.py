"""The school's automatic examination of the right to the scholarship (journeys §7 bis, issue
14): table "bourse_examens", one row per pupil and school year ("school_year" like
"2026-2027"), and table "bourse_examen_runs", one row per school and school year: its last run
and its progress.

A result row holds the result (`rules.examination`: "eligible", "not_eligible", "not_found",
"unavailable"), the RFR, the dependent children, the ceiling or the échelon and its amounts,
when, the consent used (its row, a digest of its household, why this household) and, for an
eligible pupil, the number of the request made for it. It keeps no état civil.

Each result is written under the pupil's lock ("examen:<ine>:<school_year>"), so two runs at once
(two processes, a run and the cron) examine a pupil once; the notices to the family are
recorded on the row, each sent once a year.

A run is started under the school's lock ("examen-run:<uai>:<school_year>"): one at a time. Its
progress is saved by batch, each in its own transaction, so any process's page shows it; a run
whose last save is older than the stale delay (its process died) may be started again.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from enum import StrEnum

from outside.storage import Tx
from records import consents
from records.consents import Examined
from records.roster import eleves_of
from records.school import class_order
from rules.clock import in_paris
from rules.examination import consent_key, to_examine

EXAMINATIONS = "bourse_examens"
RUNS = "bourse_examen_runs"


class RunState(StrEnum):
    """Where a school's run stands; the value is stored ("state")."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AlreadyRunning(Exception):
    def __init__(self):
        super().__init__(
            "Un examen automatique est déjà en cours pour cet établissement : suivez sa "
            "progression sur cette page."
        )


# -- Results -----------------------------------------------------------------------------------


def of_pupil(tx: Tx, ine: str, school_year: str) -> dict | None:
    """The pupil's result of that school year, if examined."""
    return tx.find_one(EXAMINATIONS, ine=ine, school_year=school_year)


def of_school(tx: Tx, uai: str, school_year: str) -> list[dict]:
    """The school's results of that school year, by class then name."""
    found = tx.find(EXAMINATIONS, uai=uai, school_year=school_year)
    return sorted(found, key=_by_class_and_name)


def _by_class_and_name(row: dict) -> tuple:
    pupil = row["pupil"]
    return (class_order(pupil["classe"]), pupil["nom"], pupil["prenom"], row["ine"])


def pending(tx: Tx, uai: str, school_year: str) -> list[tuple[dict, Examined]]:
    """The school's pupils a run examines now: a responsable consents, and the pupil has no
    result this year that stands (`rules.examination.to_examine`). Each with the consent
    examined. Keyed reads only: the school's pupils, each one's consents, the year's results."""
    pupils = {pupil["ine"]: pupil for pupil in eleves_of(tx, uai)}
    results = {row["ine"]: row for row in tx.find(EXAMINATIONS, uai=uai, school_year=school_year)}
    found = []
    for ine, choices in consents.of_pupils(tx, pupils).items():
        chosen = consents.examined(choices)
        if chosen and to_examine(results.get(ine), consent_key(chosen.consent)):
            found.append((pupils[ine], chosen))
    return sorted(found, key=lambda one: (class_order(one[0]["classe"]), one[0]["ine"]))


def current_consent(tx: Tx, ine: str) -> Examined | None:
    """The consent examined for the pupil now (it may have changed since a run listed it)."""
    return consents.examined(consents.of_pupils(tx, [ine]).get(ine, []))


def record(
    tx: Tx, school_year: str, pupil: dict, chosen: Examined, outcome: dict, now: datetime
) -> dict | None:
    """Write the pupil's result (`outcome`: `rules.examination.Outcome.as_record()`) for the
    household `chosen`, unless a standing one is there (another run wrote it meanwhile):
    then None. The notices already sent and the request made stay on the row."""
    tx.lock(f"examen:{pupil['ine']}:{school_year}")
    key = consent_key(chosen.consent)
    previous = of_pupil(tx, pupil["ine"], school_year)
    if not to_examine(previous, key):
        return None
    consent = chosen.consent
    fields = {
        **outcome,
        "examined_at": in_paris(now).isoformat(),
        "consent": {
            "id": consent["id"],
            "account_id": consent["account_id"],
            "key": key,
            "reason": chosen.reason,
        },
        "pupil": {key_: pupil[key_] for key_ in ("prenom", "nom", "classe")},
        "parent": dict(consent["parent"]),
    }
    if previous is not None:
        tx.update(EXAMINATIONS, previous["id"], fields)
        return {**previous, **copy.deepcopy(fields)}
    row = {
        "ine": pupil["ine"],
        "school_year": school_year,
        "uai": pupil["uai"],
        **fields,
        "request_number": None,
        "notices": [],
    }
    row_id = tx.insert(EXAMINATIONS, row)
    return {**copy.deepcopy(row), "id": row_id}


def attach_request(tx: Tx, row: dict, request_number: str) -> dict:
    """The request made for an eligible pupil (or the one the family had made already)."""
    tx.update(EXAMINATIONS, row["id"], {"request_number": request_number})
    return {**row, "request_number": request_number}


def told(row: dict, event: str) -> bool:
    """Whether the family was already told of `event` (a result) this school year."""
    return any(notice["event"] == event for notice in row["notices"])


def record_notices(tx: Tx, row: dict, event: str, sent: list[dict], now: datetime) -> dict:
    """Keep how the family was told of `event`: each of `sent` is {"channel", "to", "sent"}
    (none when the family can be reached no way: then one line says so); "sent" is None for an
    e-mail waiting for the commit (`mail_outcome` then says how it went)."""
    moment = in_paris(now).isoformat()
    lines = [{"event": event, "at": moment, **one} for one in sent] or [
        {"event": event, "at": moment, "channel": None, "to": "", "sent": False}
    ]
    notices = [*row["notices"], *lines]
    tx.update(EXAMINATIONS, row["id"], {"notices": notices})
    return {**row, "notices": notices}


def mail_outcome(tx: Tx, row_id: int, event: str, to: str, sent: bool | None) -> None:
    """How the e-mail of `event` to `to`, kept « en attente » (`sent` None) with its result,
    went at each try of the queue (records/mail_queue.py): True once sent, still None while
    the queue tries it again, False once given up."""
    row = tx.get(EXAMINATIONS, row_id)
    notices = [
        {**notice, "sent": sent} if _awaiting(notice, event, to) else notice
        for notice in row["notices"]
    ]
    tx.update(EXAMINATIONS, row_id, {"notices": notices})


def _awaiting(notice: dict, event: str, to: str) -> bool:
    return notice["sent"] is not True and (notice["event"], notice["to"]) == (event, to)


# -- Runs --------------------------------------------------------------------------------------


def run_of(tx: Tx, uai: str, school_year: str) -> dict | None:
    return tx.find_one(RUNS, uai=uai, school_year=school_year)


def is_running(run: dict | None, now: datetime, stale_after: timedelta) -> bool:
    """A run under way: started, not ended, and saved lately (else its process died)."""
    if run is None or run["state"] != RunState.RUNNING:
        return False
    return in_paris(now) - datetime.fromisoformat(run["saved_at"]) < stale_after


def start_run(
    tx: Tx, uai: str, school_year: str, by: str, total: int, now: datetime, stale_after: timedelta
) -> dict:
    """Start the school's run of `total` pupils, by `by` (a staff identifiant, or the
    command). Raises AlreadyRunning while another is under way."""
    tx.lock(f"examen-run:{uai}:{school_year}")
    existing = run_of(tx, uai, school_year)
    if is_running(existing, now, stale_after):
        raise AlreadyRunning()
    moment = in_paris(now).isoformat()
    fields = {
        "state": RunState.RUNNING,
        "by": by,
        "total": total,
        "done": 0,
        "started_at": moment,
        "saved_at": moment,
        "ended_at": None,
        "failure": None,
        "runs": (existing or {}).get("runs", 0) + 1,
    }
    if existing is None:
        row = {"uai": uai, "school_year": school_year, **fields}
        return {**row, "id": tx.insert(RUNS, row)}
    tx.update(RUNS, existing["id"], fields)
    return {**existing, **fields}


def advance_run(tx: Tx, run: dict, done: int, now: datetime) -> dict:
    """`done` more pupils examined: saved with their results (not on a run started since,
    when this one's process was taken for dead)."""
    current = _same_run(tx, run)
    if current is None:
        return run
    done = min(current["done"] + done, current["total"])
    changes = {"done": done, "saved_at": in_paris(now).isoformat()}
    tx.update(RUNS, run["id"], changes)
    return {**current, **changes}


def end_run(tx: Tx, run: dict, now: datetime, failure: str | None = None) -> dict:
    current = _same_run(tx, run)
    if current is None:
        return run
    moment = in_paris(now).isoformat()
    changes = {
        "state": RunState.FAILED if failure else RunState.DONE,
        "saved_at": moment,
        "ended_at": moment,
        "failure": failure,
    }
    tx.update(RUNS, run["id"], changes)
    return {**current, **changes}


def _same_run(tx: Tx, run: dict) -> dict | None:
    """The run's row, locked, while it is still this run (a later start counts one more)."""
    tx.lock(f"examen-run:{run['uai']}:{run['school_year']}")
    current = tx.get(RUNS, run["id"])
    return current if current["runs"] == run["runs"] else None
