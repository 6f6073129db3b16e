"""What « Identifiant oublié ? » (views/forgotten_identifier.py) and « Mot de passe oublié ? »
(views/forgotten_password.py) share (journeys §5): one budget per client address for every
request that may send something, answers evened out in time, the daily caps, and sending.

Limits: per client address (Flask-Limiter, the login's limiter and storage, RECOVERY_RATE_LIMIT),
per number (SMS_PER_NUMBER_PER_DAY, the SMS quota of records/journeys.py) and per address
(RECOVERY_MAILS_PER_ADDRESS_PER_DAY, the same counter) per day, per journey (codes: rules/
sms_codes.py; mails: as many), and the link's lifetime (RECOVERY_LINK_LIFETIME).
"""

from __future__ import annotations

import smtplib
import time

from flask import current_app, g, request

from views.login import limiter


def rate_limit() -> str:
    return current_app.config["RECOVERY_RATE_LIMIT"]


# One budget per client address for every request that may send something, in both journeys.
per_client = limiter.shared_limit(rate_limit, scope="recuperation", methods=["POST"])


# The answers that may send something take at least RECOVERY_ANSWER_SECONDS, counted from the
# request's start to after its transaction is saved: an SMS or a mail sent (an SMTP exchange)
# for a known number, address or identifiant takes no longer to answer than nothing sent.
EVENED_OUT = (
    "identifiant_oublie.submit_identifiant_oublie",
    "recovery.submit_identifiant",
    "recovery.submit_moyen",
    "recovery.new_code",
    "recovery.resend",
)


def note_start():
    g.recovery_started = time.monotonic()


def even_out(error=None):
    """Run after the unit of work is saved (teardown), so the wait holds no lock."""
    started = g.pop("recovery_started", None)
    if started is None or request.endpoint not in EVENED_OUT or request.method != "POST":
        return
    left = float(current_app.config["RECOVERY_ANSWER_SECONDS"]) - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)


def even_out_answers(blueprint) -> None:
    """The blueprint's answers that may send something take at least RECOVERY_ANSWER_SECONDS."""
    blueprint.before_request(note_start)
    blueprint.teardown_request(even_out)


def mails_per_day() -> int:
    return current_app.config["RECOVERY_MAILS_PER_ADDRESS_PER_DAY"]


def sms_per_day() -> int:
    return current_app.config["SMS_PER_NUMBER_PER_DAY"]


def send_sms(to: str, text: str) -> bool:
    try:
        current_app.extensions["sms"].send(to, text)
    except OSError as error:
        current_app.logger.warning("SMS non envoyé : %s", type(error).__name__)
        return False
    return True


def send_mail(to: str, subject: str, body: str) -> bool:
    try:
        current_app.extensions["mail"].send(to, subject, body)
    except (OSError, smtplib.SMTPException, UnicodeError) as error:
        # The error only: a link in the mail is as good as a password.
        current_app.logger.warning("Courriel « %s » non envoyé : %s", subject, type(error).__name__)
        return False
    return True
