"""The one way a view sends an SMS or a mail: one that cannot leave is logged (its kind of error
only: a link in a mail is as good as a password) and said to the caller, never a 500."""

from __future__ import annotations

import smtplib

from flask import current_app


def send_sms(to: str, text: str) -> bool:
    try:
        current_app.extensions["sms"].send(to, text)
    except OSError as error:
        current_app.logger.warning("SMS non envoyé : %s", type(error).__name__)
        return False
    return True


def send_mail(to: str, subject: str, body: str, attachments=(), label: str = "") -> bool:
    """`label` names the mail in the logs instead of its subject, when the subject names a
    family."""
    try:
        current_app.extensions["mail"].send(to, subject, body, attachments)
    except (OSError, smtplib.SMTPException, UnicodeError) as error:
        # The error only: a link in the mail is as good as a password.
        name = label or subject
        current_app.logger.warning("Courriel « %s » non envoyé : %s", name, type(error).__name__)
        return False
    return True
