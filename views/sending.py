"""The one way a view sends an SMS or a mail: one that cannot leave is logged (its kind of error
only: a link in a mail is as good as a password) and said to the caller, never a 500.

An SMS is kept by the SMS sender in the transaction that decides it (outside/sms.py: a table
an operator's connector would be fed from once committed). A mail leaves only after the commit
of what decided it, with no transaction open: a change rolled back sends nothing, and no lock
(TinyDB's file lock, a row's) waits while SMTP talks. The mail waits in memory with the
transaction (`Store.after_commit`), not in a table: its body holds links as good as a password
and its attachments are documents, neither kept in the database."""

from __future__ import annotations

import smtplib
from collections.abc import Callable

from flask import current_app

from views.unit import commit


def send_sms(to: str, text: str) -> bool:
    try:
        current_app.extensions["sms"].send(to, text)
    except OSError as error:
        current_app.logger.warning("SMS non envoyé : %s", type(error).__name__)
        return False
    return True


def send_mail(to: str, subject: str, body: str, attachments=(), label: str = "") -> bool:
    """Whether the mail left. In a request, what the request did so far is saved first
    (`views.unit.commit`), the mail then leaves, and the request goes on in a transaction of its
    own: so the view still says at once whether it left. `label` names the mail in the logs
    instead of its subject, when the subject names a family."""
    outcome: list[bool] = []
    mail_after_commit(to, subject, body, attachments, label, then=outcome.append)
    commit()
    if not outcome:
        raise RuntimeError("send_mail inside a transaction of its own: use mail_after_commit")
    return outcome[0]


def mail_after_commit(
    to: str,
    subject: str,
    body: str,
    attachments=(),
    label: str = "",
    then: Callable[[bool], None] | None = None,
) -> None:
    """The mail leaves once the write transaction open in this thread is saved (at once when
    none is; never when it is rolled back); then `then(sent)` runs, with no transaction open:
    it opens a small one of its own to record how the mail went."""

    def deliver() -> None:
        sent = _deliver(to, subject, body, attachments, label)
        if then is not None:
            then(sent)

    current_app.extensions["store"].after_commit(deliver)


def _deliver(to: str, subject: str, body: str, attachments, label: str) -> bool:
    try:
        current_app.extensions["mail"].send(to, subject, body, attachments)
    except (OSError, smtplib.SMTPException, UnicodeError) as error:
        # The error only: a link in the mail is as good as a password.
        name = label or subject
        current_app.logger.warning("Courriel « %s » non envoyé : %s", name, type(error).__name__)
        return False
    return True
