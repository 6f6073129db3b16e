"""What « Identifiant oublié ? » (views/forgotten_identifier.py) and « Mot de passe oublié ? »
(views/forgotten_password.py) share (journeys §5): one budget per client address for every
request that may send something, answers evened out in time, the daily caps, and sending.

Limits: per client address (Flask-Limiter, the login's limiter and storage, RECOVERY_RATE_LIMIT),
per number (SMS_PER_NUMBER_PER_DAY, the SMS quota of records/journeys.py) and per address
(RECOVERY_MAILS_PER_ADDRESS_PER_DAY, the same counter) per day, per journey (codes: rules/
sms_codes.py; mails: as many), and the link's lifetime (RECOVERY_LINK_LIFETIME).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import current_app, g, request, url_for

from records import recovery as records
from rules import mailed_links, sms_codes
from rules import recovery as rules
from rules.recovery import MAIL_FAILED, MAILS_DAILY_LIMIT, NOT_AVAILABLE, changed_sms
from views import verification
from views.journey import now
from views.login import limiter
from views.sending import about_account, send_mail, send_sms
from views.unit import tx


def rate_limit() -> str:
    return current_app.config["RECOVERY_RATE_LIMIT"]


# One budget per client address for every request that may send something, in both journeys.
per_client = limiter.shared_limit(rate_limit, scope="recuperation", methods=["POST"])


# The answers that may send something take at least RECOVERY_ANSWER_SECONDS, counted from the
# request's start to after its transaction is saved: an SMS or a mail sent (an SMTP exchange)
# for a known number, address or identifiant takes no longer to answer than nothing sent.
EVENED_OUT = (
    "forgotten_identifier.submit_identifiant_oublie",
    "forgotten_password.submit_identifiant",
    "forgotten_password.submit_moyen",
    "forgotten_password.new_code",
    "forgotten_password.resend",
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


def link_lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["RECOVERY_LINK_LIFETIME"])


# Sending for « Mot de passe oublié ? », a decoy's journey included: it counts as a real one
# (the same quotas, under keys of its own) and sends nothing.


def send_code(state: dict) -> str | None:
    """A new code by SMS, within the number's quota of the day; or why not, in French."""
    if not state["decoy"]:
        return verification.send_code(state, rules.CODE_PURPOSE)
    # A decoy: the same hashing and quota, under a key of its own, and nothing sent.
    issued = verification.issue_code(rules.decoy_code())
    key = records.decoy_key(rules.SMS, state["identifier"])
    if sms_codes.daily_limit_reached(records.sent_today(tx(), key, now()), sms_per_day()):
        return sms_codes.DAILY_LIMIT_REACHED
    state["code"] = issued
    state["codes_sent"] += 1
    records.record_sent(tx(), key, now())
    return None


def send_link(state: dict) -> str | None:
    """A new link by e-mail (any link sent before stops working), within the address's quota
    of the day; or why not, in French."""
    if state["decoy"]:
        key = records.decoy_key(rules.EMAIL, state["identifier"])
    else:
        key = records.mail_key(state["email"])
    if records.sent_today(tx(), key, now()) >= mails_per_day():
        return MAILS_DAILY_LIMIT
    nonce = None
    if not state["decoy"]:
        nonce = records.await_link(tx(), state["account_id"], state["email"], now())
        if nonce is None:
            return NOT_AVAILABLE
    # Counted under the quota's lock, which the commit before the mail lets go: a link that
    # then cannot leave counts all the same.
    records.record_sent(tx(), key, now())
    if nonce is not None:
        token = rules.make_token(current_app.secret_key, state["account_id"], nonce, now())
        link = url_for("forgotten_password.lien", token=token, _external=True)
        subject, body = rules.link_email(
            state["first_name"], state["last_name"], link, link_lifetime()
        )
        about = about_account(state["account_id"], "mot-de-passe-oublie")
        if not send_mail(state["email"], subject, body, about=about):
            return MAIL_FAILED
    mailed_links.count_mail(state, now())
    return None


def tell_password_changed(
    telephone: str | None, email: str | None, mail: tuple[str, str], moment: datetime
) -> None:
    """The parent told that the password changed (« Mot de passe oublié ? », « Mon compte »): by
    SMS to the mobile on file and by e-mail (`mail`: subject, body) to the confirmed address,
    where there are. A notice that cannot leave does not undo the change."""
    if telephone:
        send_sms(telephone, changed_sms(moment))
    if email:
        send_mail(email, *mail)
