"""Telling a family what became of its scholarship request (journeys §7, issue 15): its receipt,
a correction, a withdrawal, the decision. By e-mail when the family has a confirmed address, by
SMS to its mobile, by both when it has both: a family with only a phone is told as well as any
other, and no e-mail ever goes to an empty address.

The e-mail goes only to the address the ACCOUNT has confirmed when the notice leaves (issue 12,
`records/email_changes.py`), never to the one written on the request: an address typed at the
request's first step is used once its link is followed; until then, and when the account has
none, the family is told by SMS. A decision taken after the parent confirmed another address
goes to that one. How each notice went is kept on the request, and
the back office shows it.

The SMS are kept by the SMS sender within the request's unit of work (the local outbox is a
table: a request rolled back sends nothing). An e-mail is a mail of the queue about the request
and its event (records/mail_queue.py): its notice says "sent" True once it left, None while the
queue tries it again, False once given up; the queue writes each later try's outcome on it
(`bourse_requests.mail_outcome`). The person acting is told the truth: sent, to be sent again
shortly, or not sent (the other way, the PDF).
"""

from __future__ import annotations

from flask import current_app, url_for

from documents.decision import decision_email
from documents.pdf import PdfUnavailable
from documents.receipt import receipt_email, receipt_pdf, withdrawal_email
from documents.sms import decision_sms, receipt_sms, withdrawal_sms
from outside.mail import Attachment
from records import bourse_requests, email_changes
from records.accounts import find_by_id
from records.bourse_requests import CORRECTION, DECISION, RECEIPT, WITHDRAWAL
from records.mail_queue import as_sent
from rules.phones import mask_mobile
from views.journey import now
from views.sending import send_sms, try_mail
from views.unit import tx

EMAIL, SMS = "courriel", "sms"
EVENT_NAMES = {
    RECEIPT: "Accusé d'enregistrement",
    CORRECTION: "Accusé de la correction",
    WITHDRAWAL: "Confirmation du retrait",
    DECISION: "Décision",
}
SMS_TEXTS = {
    RECEIPT: receipt_sms,
    CORRECTION: receipt_sms,
    WITHDRAWAL: withdrawal_sms,
    DECISION: decision_sms,
}


def tell_family(request: dict, event: str) -> list[dict]:
    """Send the family the notice of `event` by every way it can be reached; returns what was
    sent, each {"channel", "to", "sent"} (empty when the family gave neither)."""
    url = url_for("bourse.demande", numero=request["number"], _external=True)
    contact = request["contact"]
    told = []
    email = confirmed_email(request)
    if email:
        state = _mail(email, request, event, url)
        told.append({"channel": EMAIL, "to": email, "sent": as_sent(state)})
    if contact.get("phone"):
        sent = send_sms(contact["phone"], SMS_TEXTS[event](request, url))
        told.append({"channel": SMS, "to": contact["phone"], "sent": sent})
    bourse_requests.record_notices(tx(), request["number"], event, told, now())
    return told


def confirmed_email(request: dict) -> str:
    """The address the request's account has confirmed now ("" when none)."""
    return email_changes.confirmed_email(find_by_id(tx(), request["account_id"]))


def how_told(told: list[dict]) -> str:
    """ "par courriel à nom@exemple.fr et par SMS au 06 •• •• •• 78", of the notices sent."""
    ways = [
        f"par courriel à {one['to']}" if one["channel"] == EMAIL else f"par SMS au {masked(one)}"
        for one in told
        if one["sent"]
    ]
    return " et ".join(ways)


def not_sent(told: list[dict]) -> str:
    """ "le courriel à nom@exemple.fr", of the notices that could not leave (and will not)."""
    return _ways(one for one in told if one["sent"] is False)


def waiting(told: list[dict]) -> str:
    """ "le courriel à nom@exemple.fr", of the e-mails the queue will try again."""
    return _ways(one for one in told if one["sent"] is None)


def capital(ways: str) -> str:
    """The ways, at the start of a sentence."""
    return ways[:1].upper() + ways[1:]


def _ways(notices) -> str:
    ways = [
        f"le courriel à {one['to']}" if one["channel"] == EMAIL else f"le SMS au {masked(one)}"
        for one in notices
    ]
    return " et ".join(ways)


def masked(notice: dict) -> str:
    return mask_mobile(notice["to"]) if notice["channel"] == SMS else notice["to"]


def _mail(to: str, request: dict, event: str, url: str) -> str:
    """The mail's state in the queue after its first try."""
    attachments = []
    if event in (RECEIPT, CORRECTION):
        subject, body = receipt_email(request, url)
        attachments = _receipt_attachment(request)
    elif event == WITHDRAWAL:
        subject, body = withdrawal_email(request, url)
    else:
        subject, body = decision_email(request)
    about = {"table": bourse_requests.REQUESTS, "id": request["number"], "event": event}
    return try_mail(to, subject, body, attachments, event, about, request["uai"])


def _receipt_attachment(request: dict) -> list:
    """The receipt's PDF, or none when it cannot be made: the mail says all it holds, and the
    request's page offers it again later."""
    try:
        pdf = receipt_pdf(request)
    except PdfUnavailable as error:
        current_app.logger.error("accusé non joint au courriel : %s", error)
        return []
    return [Attachment(f"accuse-{request['number']}.pdf", "application/pdf", pdf)]
