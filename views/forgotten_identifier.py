"""« Identifiant oublié ? » (journeys §5), `/identifiant-oublie`: a mobile number or an
address; the identifiant of each active account it belongs to is sent there (by SMS, or by
e-mail to a confirmed address). One answer for all; the limits are views/recovery.py's.
"""

from __future__ import annotations

from flask import Blueprint, url_for

from records import recovery as records
from rules import emails, phones, sms_codes
from rules import recovery as rules
from views.forms.forgotten_identifier import ContactForm
from views.journey import now
from views.recovery import even_out_answers, mails_per_day, per_client, sms_per_day
from views.rendering import render_page
from views.sending import send_mail, send_sms
from views.unit import tx

forgotten_identifier = Blueprint("forgotten_identifier", __name__)
even_out_answers(forgotten_identifier)


def identifier_page(form: ContactForm, status: int = 200, notice: str | None = None):
    return render_page(
        "recovery/identifiant_oublie.html",
        "parcours",
        title="Identifiant oublié",
        status=status,
        components=("form",),
        heading="Identifiant oublié",
        form=form,
        notice=notice,
    )


@forgotten_identifier.get("/identifiant-oublie")
def identifiant_oublie():
    return identifier_page(ContactForm(formdata=None))


@forgotten_identifier.post("/identifiant-oublie")
@per_client
def submit_identifiant_oublie():
    form = ContactForm()
    if not form.validate_on_submit():
        return identifier_page(form, 422)
    typed = form.contact.data
    try:
        if rules.is_email(typed):
            send_identifier_by_email(emails.normalize(typed))
        else:
            send_identifier_by_sms(phones.mobile_candidates(typed))
    except (emails.EmailError, phones.PhoneError) as error:
        # What was typed is no address or no mobile: that says nothing of any account.
        form.contact.errors.append(error.message)
        return identifier_page(form, 422)
    # The same answer, whatever was found: the form empty again, the notice announced.
    return identifier_page(ContactForm(formdata=None), notice=rules.IDENTIFIER_SENT)


def send_identifier_by_sms(numbers: list[str]) -> None:
    """To each reading of the number that has active accounts, their identifiants; every
    reading's quota is read (and locked) whether or not it has any, so both answers take the
    same steps."""
    for number in numbers:
        found = records.active_accounts_of_phone(tx(), [number])
        if sms_codes.daily_limit_reached(records.sent_today(tx(), number, now()), sms_per_day()):
            continue
        if found:
            records.record_sent(tx(), number, now())
            text = rules.identifier_sms([account["identifier"] for account in found])
            send_sms(number, text)


def send_identifier_by_email(address: str) -> None:
    found = records.active_accounts_of_email(tx(), address)
    key = records.mail_key(address)
    if records.sent_today(tx(), key, now()) >= mails_per_day() or not found:
        return
    records.record_sent(tx(), key, now())
    subject, body = rules.identifier_email(
        [account["identifier"] for account in found], url_for("login.show", _external=True)
    )
    send_mail(address, subject, body)
