"""The one way a view sends an SMS or a mail: one that cannot leave is logged (its kind of error
only: a link in a mail is as good as a password) and said to the caller, never a 500.

An SMS is kept by the SMS sender in the transaction that decides it (outside/sms.py: a table
an operator's connector would be fed from once committed). A mail is written to the queue
(records/mail_queue.py) in the transaction that decides it, and leaves only after its commit,
with no transaction open: a change rolled back sends nothing, and no lock (TinyDB's file lock, a
row's) waits while SMTP talks. This process tries it at once (`Store.after_commit`), so a parent
gets a link within seconds; one that did not leave, or whose process died first, waits in the
queue for `flask --app app mail envoyer` (`send_waiting`), until MAIL_ATTEMPTS tries; a school's
mail given up is listed for its staff, who may send it again (views/admin_mail.py). A view that
says how a mail went says the truth of the queue: sent, to be sent again shortly, or given up
(rules/mail_retry.py)."""

from __future__ import annotations

import smtplib
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from flask import current_app

from outside.storage import StorageError
from records import mail_queue
from records.accounts import ACCOUNTS
from views.unit import commit

# The mails the command claims at once: a machine that stops mid-batch holds no more than
# these until their lease is over.
BATCH = 20


def send_sms(to: str, text: str) -> bool:
    try:
        current_app.extensions["sms"].send(to, text)
    except OSError as error:
        current_app.logger.warning("SMS non envoyé : %s", type(error).__name__)
        return False
    return True


def about_account(account_id: int, link: str) -> dict:
    """What a link mailed to an account is about (`mail_after_commit`): a newer link of the
    same journey voids it, so it supersedes it."""
    return {"table": ACCOUNTS, "id": account_id, "event": link}


def send_mail(*mail, **options) -> bool:
    """Whether the mail left at its first try (`try_mail`)."""
    return try_mail(*mail, **options) == mail_queue.SENT


def try_mail(*mail, **options) -> str:
    """The mail's state after its first try: SENT, WAITING (the queue tries it again) or
    GAVE_UP (with MAIL_ATTEMPTS at 1); the mail as for `queue`. In a request, what the request
    did so far is saved first (`views.unit.commit`), with the mail in the queue; the mail then
    leaves, and the request goes on in a transaction of its own: so the view still says at
    once how it went."""
    return try_queued(queue(*mail, **options))


def try_queued(queued: dict) -> str:
    """Save what the request did so far (`views.unit.commit`), with `queued` just written to
    the queue, then try it; its state after that try."""
    outcome: list[str] = []
    try_after_commit(queued, outcome.append)
    commit()
    if not outcome:
        raise RuntimeError("send_mail inside a transaction of its own: use mail_after_commit")
    return outcome[0]


def mail_after_commit(*mail, then: Callable[[str], None] | None = None, **options) -> None:
    """Queue the mail (as for `queue`); it is tried once the transaction it was written in
    is saved (never when it is rolled back), then `then(state)` runs, with no transaction
    open."""
    try_after_commit(queue(*mail, **options), then)


def queue(
    to: str,
    subject: str,
    body: str,
    attachments=(),
    label: str = "",
    about: dict | None = None,
    school: str = "",
) -> dict:
    """Write the mail to the queue in the write transaction open in this thread (one of its
    own when none is), claimed for this process. `label` names it in the logs instead of its
    subject, when the subject names a family. `about` names the record its outcome is written
    on (records/mail_queue.OUTCOMES) and what it is about: a newer mail with the same `about`
    supersedes it. `school`, the uai of the school whose mail it is, lets its staff send it
    again once given up."""
    mail = mail_queue.Outgoing(to, subject, body, tuple(attachments), label, about, school)
    with current_app.extensions["store"].writing() as tx:
        return mail_queue.add(tx, mail, current_app.extensions["clock"].now(), limits())


def try_after_commit(queued: dict, then: Callable[[str], None] | None = None) -> None:
    """Try a mail just claimed in the queue once the transaction open in this thread is saved
    (at once when none is: it was saved)."""

    def attempt() -> None:
        state = deliver(queued)
        if then is not None:
            then(state)

    current_app.extensions["store"].after_commit(attempt)


def send_waiting() -> Counter:
    """Send the queued mails whose next try has come, a batch claimed at a time; how many
    were sent, left waiting, given up (by state)."""
    store, clock = current_app.extensions["store"], current_app.extensions["clock"]
    tally: Counter = Counter()
    while True:
        with store.writing() as tx:
            claimed = mail_queue.claim_due(tx, clock.now(), BATCH)
        if not claimed:
            return tally
        for queued in claimed:
            tally[deliver(queued)] += 1


def deliver(queued: dict) -> str:
    """Try a mail claimed in the queue, with no transaction open, then record how it went;
    its state after it. One superseded since it was claimed is not sent."""
    with current_app.extensions["store"].reading() as tx:
        now_state = mail_queue.state_of(tx, queued)
    if now_state != mail_queue.WAITING:
        return now_state
    to, subject, body, attachments = mail_queue.message(queued)
    try:
        current_app.extensions["mail"].send(to, subject, body, attachments)
    except (OSError, smtplib.SMTPException, UnicodeError) as error:
        failure = type(error).__name__  # the error only: a link is as good as a password
    else:
        _record(queued, lambda tx, now, limits: mail_queue.sent(tx, queued, now, limits))
        return mail_queue.SENT
    name = queued["kind"] or subject
    current_app.logger.warning("Courriel « %s » non envoyé : %s", name, failure)
    state = _record(
        queued, lambda tx, now, limits: mail_queue.failed(tx, queued, failure, now, limits)
    )
    if state == mail_queue.GAVE_UP:
        current_app.logger.error(
            "Courriel « %s » abandonné après %d essais (file d'envoi n° %d)",
            name,
            queued["attempts"],
            queued["id"],
        )
    return state or mail_queue.WAITING


def limits() -> mail_queue.Limits:
    config = current_app.config
    return mail_queue.Limits(
        config["MAIL_ATTEMPTS"],
        timedelta(seconds=config["MAIL_RETRY_SECONDS"]),
        timedelta(days=config["MAIL_KEPT_DAYS"]),
    )


def _record(queued: dict, write) -> str | None:
    """`write(tx, now, limits)` in a transaction of its own; what it returns. A record that
    cannot be saved is logged: the mail is tried again once its claim is over (sent twice, at
    worst, never lost)."""
    try:
        with current_app.extensions["store"].writing() as tx:
            return write(tx, current_app.extensions["clock"].now(), limits())
    except StorageError:
        current_app.logger.exception("Envoi du courriel n° %d non enregistré", queued["id"])
        return None
