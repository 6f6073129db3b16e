"""A school's run of the automatic examination of the right to the scholarship (journeys §7 bis,
issue 14), outside any request: in a thread the back office's « Lancer l'examen automatique »
starts once its answer is saved, or in the foreground for the command
`flask --app app bourse examiner <uai>` (a cron).

The pupils are taken by batches of BATCH: a batch's tax lookups are made outside any
transaction (a slow tax service holds no lock), then its results, the requests of the eligible
pupils and the notices to the other families are written in one transaction with the run's
progress, so the page of any process shows how far it went, and a run cut short keeps every
batch done (the next run goes on with the others: a result that stands is never examined
again, `rules.examination.to_examine`). The batch's e-mails leave once it is saved, with no
transaction open (a slow SMTP server holds no lock either): each is kept « en attente » on its
result, then how it went, in a small transaction of its own.

The links mailed to families are built from the service's public address (`Links`), which
the POST knows from its request and the command is given: no request is there to ask.

A school year whose scale is not in data/bourse/ is not examined (`why_not`), rather than
examined on the last known scale: the ceilings rise every year and a « non éligible » result is
final for the year, so a family just above last year's ceiling would be turned away for good.
The online request gives no estimate without its year's scale either. The scale of the coming
year is to be entered before its rentrée (from the formula, provisional, as 2026-2027 was).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app

from documents.examination_notices import examination_email, examination_sms
from outside.tax import TaxUnavailable, TaxUnknown
from records import bourse_requests, examinations
from records.accounts import find_by_id
from records.consents import Examined
from records.contacts import contact_of
from records.school import school_name
from records.teleservices import BOURSE, Phase, service_of
from rules.bourse import annees
from rules.civil_status import CivilStatus
from rules.examination import (
    ELIGIBLE,
    NOT_ELIGIBLE,
    NOT_FOUND,
    UNAVAILABLE,
    Outcome,
    consent_key,
    judged,
    tax_year,
)
from views.family_notices import EMAIL, SMS
from views.sending import mail_after_commit, send_sms

BATCH = 25
FAILED = "L'examen s'est interrompu sur une erreur : relancez-le, il reprendra où il s'est arrêté."
_threads: list[threading.Thread] = []


class CannotStart(Exception):
    """Why the school's examination cannot be started now (French, for the staff)."""


@dataclass(frozen=True)
class Links:
    """The absolute addresses mailed to families, from the service's public address."""

    base: str  # "https://teleservices.example.fr/" (with the path the service is under)

    def _build(self, endpoint: str, **values) -> str:
        parts = urlsplit(self.base)
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
        )
        return adapter.build(endpoint, values, force_external=True)

    def online_request(self, ine: str) -> str:
        return self._build("bourse.eleve", ine=ine)

    def simulator(self) -> str:
        return self._build("simulator.show")


# Starting -------------------------------------------------------------------------------------


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["EXAMINATION_STALE_SECONDS"])


def why_not(tx, uai: str, annee: str, today: date) -> str | None:
    """Why the examination of `annee` cannot start today, or None: the year's scale must be in
    the service (data/bourse/), and the year's campaign must have started."""
    if annee not in annees():
        return (
            f"Le barème de la bourse de collège {annee} n'est pas encore dans le service : "
            "l'examen automatique pourra être lancé dès qu'il y sera enregistré (les plafonds "
            "et les montants changent chaque année). Signalez-le à l'assistance."
        )
    start = service_of(tx, uai, BOURSE, today).start
    if today < start:
        return (
            f"L'examen automatique de l'année scolaire {annee} pourra être lancé à partir du "
            f"{start:%d/%m/%Y}, début de la campagne de bourse."
        )
    return None


def start(tx, uai: str, annee: str, by: str, now: datetime) -> dict:
    """Record the start of the school's run (in the caller's transaction): raises CannotStart
    or `examinations.AlreadyRunning`."""
    reason = why_not(tx, uai, annee, now.date())
    if reason:
        raise CannotStart(reason)
    total = len(examinations.pending(tx, uai, annee))
    return examinations.start_run(tx, uai, annee, by, total, now, stale_after())


def in_background(app: Flask, run: dict, links: Links) -> threading.Thread:
    """Run in a thread of this process (started once the run's start is saved)."""

    def work() -> None:
        with app.app_context():
            examine_all(run, links)

    thread = threading.Thread(target=work, name=f"examen-{run['uai']}", daemon=True)
    _threads[:] = [one for one in _threads if one.is_alive()] + [thread]
    thread.start()
    return thread


def wait(timeout: float = 60) -> None:
    """Until every run started by this process has ended (for the tests)."""
    for thread in list(_threads):
        thread.join(timeout)


# The run --------------------------------------------------------------------------------------


def examine_all(run: dict, links: Links) -> dict:
    """Examine the school's pending pupils, by batches; returns the run as it ended."""
    store, clock = current_app.extensions["store"], current_app.extensions["clock"]
    try:
        with store.reading() as tx:
            todo = examinations.pending(tx, run["uai"], run["school_year"])
        for first in range(0, len(todo), BATCH):
            batch = todo[first : first + BATCH]
            found = [
                (pupil, chosen, *lookup(chosen, run["school_year"])) for pupil, chosen in batch
            ]
            with store.writing() as tx:
                for one in found:
                    save(tx, run, *one, links, clock.now())
                examinations.advance_run(tx, run, len(batch), clock.now())
        with store.writing() as tx:
            return examinations.end_run(tx, run, clock.now())
    except Exception:
        current_app.logger.exception("examen automatique interrompu (%s)", run["uai"])
        with store.writing() as tx:
            return examinations.end_run(tx, run, clock.now(), failure=FAILED)


def lookup(chosen: Examined, annee: str) -> tuple[Outcome, list]:
    """The result of the consent's household, and its notices (none when not found)."""
    consent = chosen.consent
    try:
        notices = current_app.extensions["tax"].find_by_civil_status(
            CivilStatus.from_record(consent["applicant"]),
            CivilStatus.from_record(consent["partner"]),
            tax_year(annee),
        )
    except TaxUnknown:
        return Outcome(NOT_FOUND), []
    except TaxUnavailable:
        return Outcome(UNAVAILABLE), []
    return judged(annee, notices), notices


def save(tx, run: dict, pupil: dict, chosen: Examined, outcome: Outcome, notices: list, links, now):
    """One pupil's result, and what follows from it: the request of an eligible pupil, the
    notice to a family whose data was not found or who is not eligible."""
    current = examinations.current_consent(tx, pupil["ine"])
    if current is None or consent_key(current.consent) != consent_key(chosen.consent):
        return  # withdrawn or changed since the batch was read: the next run takes it
    account = find_by_id(tx, chosen.consent["account_id"])
    if account is None:
        return  # the consenting account is gone (merged into another): nobody to answer
    row = examinations.record(tx, run["school_year"], pupil, chosen, outcome.as_record(), now)
    if row is None:
        return  # another run examined the pupil meanwhile
    school = school_name(tx, pupil["uai"])
    if outcome.result == ELIGIBLE:
        made, _ = bourse_requests.from_examination(
            tx,
            account,
            {**pupil, "etablissement_nom": school},
            run["school_year"],
            fiscal_of(outcome, notices, run["school_year"]),
            estimation_of(outcome, run["school_year"]),
            contact_of(tx, account).as_dict(),
            now,
        )
        examinations.attach_request(tx, row, made["number"])
    elif outcome.result in (NOT_FOUND, NOT_ELIGIBLE) and not examinations.told(row, row["result"]):
        tell_family(tx, row, account, school, links, now)


def fiscal_of(outcome: Outcome, notices: list, annee: str) -> dict:
    """The request's tax part, as the online request keeps it: the notices the tax
    administration gave (found by état civil: no numbers typed)."""
    return {
        "source": "dgfip",
        "notices": [
            {"numero_fiscal": "", "reference_avis": "", "notice": avis.to_api()} for avis in notices
        ],
        "rfr": outcome.rfr,
        "enfants_a_charge": outcome.enfants,
        "annee_revenus": tax_year(annee) - 1,
        "dgfip_consent": True,
        "renewal": "accepte",
        "files": [],
        "other_declarants": False,
    }


def estimation_of(outcome: Outcome, annee: str) -> dict:
    return {
        "annee": annee,
        "echelon": outcome.echelon,
        "montant_annuel": outcome.montant_annuel,
        "montant_trimestriel": outcome.montant_trimestriel,
        "provisoire": outcome.provisoire,
    }


def tell_family(tx, row: dict, account: dict, school: str, links: Links, now) -> dict:
    """The notice of the result, by e-mail to the account's confirmed address and by SMS to
    its mobile, as `views.family_notices` tells of a request; kept on the row."""
    event = row["result"]
    link = links.online_request(row["ine"]) if event == NOT_FOUND else links.simulator()
    deadline = deadline_of(tx, row["uai"], now.date())
    contact = contact_of(tx, account)
    sent = []
    if contact.email:
        subject, body = examination_email(row, event, school, link, deadline)
        # Kept « en attente » with the batch; the mail leaves once the batch is saved, and
        # each of its tries is written on the row (records/mail_queue.OUTCOMES).
        sent.append({"channel": EMAIL, "to": contact.email, "sent": None})
        about = {"table": examinations.EXAMINATIONS, "id": row["id"], "event": event}
        label = f"examen {event}"
        mail_after_commit(contact.email, subject, body, label=label, about=about, school=row["uai"])
    if contact.phone:
        texted = send_sms(contact.phone, examination_sms(row, event, link, deadline))
        sent.append({"channel": SMS, "to": contact.phone, "sent": texted})
    return examinations.record_notices(tx, row, event, sent, now)


def deadline_of(tx, uai: str, today: date) -> date | None:
    """The campaign's last day while a family may still apply online (None once over)."""
    service = service_of(tx, uai, BOURSE, today)
    return service.end if service.phase in (Phase.OPEN, Phase.NOT_YET) else None
