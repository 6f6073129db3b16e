"""Changing the parent's mobile with a code sent to the new number: one flow, shared by the fiche
de renseignements (`views/fiche.py`, §6) and « Mon compte » (`views/account_contacts.py`, §5).
Each page draws it and routes it its own way; the steps, the rules and the records are here.

- A new mobile is kept only once the parent types back the code sent there by SMS, with the
  rules of every code (`rules/sms_codes.py`: 10 minutes, 3 wrong tries, 3 codes, a minute
  between two; the setting SMS_PER_NUMBER_PER_DAY per number). The pending change (the new
  number, the code's hash) is a server-side journey (`records.journeys`, kind
  "fiche-telephone"); the session holds only its id. It belongs to the account: the fiche of
  every child and « Mon compte » show the same pending change.
- A code's tries and a new code are counted in the request's write transaction, which holds the
  journey's lock from the moment `journeys.load` reads it until the answer is saved: guesses sent
  at once are checked one after another, so no more than 3 wrong ones are ever counted.
- The new number must be a French mobile other than the one kept (`records/contacts.py`, the one
  source of the parent's mobile). Once it is kept, the old number is told by SMS (issue 12):
  someone who took over the account cannot change it silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, session

from documents.sms import phone_changed_sms
from records import journeys
from records.contacts import change_phone, contact_of
from rules import phones, sms_codes
from views.contact import phone_display
from views.forms.phone_change import PhoneForm
from views.forms.verification import CodeForm
from views.journey import now
from views.unit import tx
from views.verification import NEW_CODE_SENT, send_code, verify_code

PENDING = "phone_change"  # the session key of the pending phone change
KIND = journeys.Kind.PHONE_CHANGE

SAME_NUMBER = "C'est déjà le numéro enregistré : indiquez votre nouveau numéro."
CODE_SENT = "Un code à 6 chiffres a été envoyé par SMS au {number}."
PHONE_SAVED = "Votre nouveau numéro de téléphone portable est enregistré : {number}."
CANCELLED = "Le changement de numéro est annulé : le numéro enregistré reste le même."
NO_PENDING = (
    "Votre demande de changement de numéro a expiré ou a été annulée. "
    "Indiquez de nouveau votre nouveau numéro."
)
TOO_MANY_CODES = (
    "Vous avez demandé le nombre maximal de codes pour ce changement de numéro. "
    "Annulez-le et recommencez plus tard."
)


@dataclass(frozen=True)
class Answer:
    """What a step did: `ok` with a `notice`, or refused with a `failure` for the section's
    alert (None when the errors are on the form's fields)."""

    ok: bool
    notice: str | None = None
    failure: str | None = None


def forms_context(account: dict) -> dict:
    """What templates/macros/phone_change.html shows, beside the page's own forms and the code's
    limits (every template's, views/help_pages.limits): the change waiting for its code."""
    return {"pending": pending_change(account), "phone_display": phone_display}


def pending_change(account: dict) -> dict | None:
    """The account's phone change waiting for its code, if any (and not expired)."""
    state = journeys.load(tx(), session.get(PENDING), kind=KIND, now=now())
    return state if state and state["account_id"] == account["id"] else None


def ask_code(account: dict, form: PhoneForm, region: str) -> Answer:
    """The new number typed: a code is sent there."""
    if not form.validate_on_submit():
        return Answer(False)
    try:
        number = phones.parse_mobile(form.telephone.data, region)
    except phones.PhoneError as error:
        form.telephone.errors.append(error.message)
        return Answer(False)
    if number == contact_of(tx(), account).phone:
        form.telephone.errors.append(SAME_NUMBER)
        return Answer(False)
    state = {"account_id": account["id"], "phone": number, "code": None, "codes_sent": 0}
    refusal = send_code(state, sms_codes.NEW_NUMBER)
    if refusal:
        return Answer(False, failure=refusal)
    drop_pending()
    session[PENDING] = journeys.start(tx(), KIND, state, now())
    return Answer(True, CODE_SENT.format(number=phone_display(number)))


def check_code(account: dict, form: CodeForm) -> Answer:
    """The code typed back: the new number is kept, and the old one told."""
    state = pending_change(account)
    if state is None:
        return Answer(False, failure=NO_PENDING)
    if not form.validate_on_submit():
        return Answer(False)
    result = verify_code(state["code"], form.code.data)
    journeys.save(tx(), session[PENDING], state)
    if result is not sms_codes.CodeCheck.OK:
        form.code.errors.append(
            sms_codes.check_message(result, sms_codes.tries_left(state["code"]))
        )
        form.code.data = ""
        return Answer(False)
    old = contact_of(tx(), account).phone
    change_phone(tx(), account["id"], state["phone"], now())
    drop_pending()
    if old and old != state["phone"]:
        tell_old_number(old, state["phone"])
    return Answer(True, PHONE_SAVED.format(number=phone_display(state["phone"])))


def new_code(account: dict) -> Answer:
    state = pending_change(account)
    if state is None:
        return Answer(False, failure=NO_PENDING)
    resend = sms_codes.can_resend(state["code"], state["codes_sent"], now())
    if resend.status is sms_codes.ResendStatus.TOO_MANY:
        return Answer(False, failure=TOO_MANY_CODES)
    if not resend.allowed:
        return Answer(False, failure=sms_codes.resend_message(resend))
    refusal = send_code(state, sms_codes.NEW_NUMBER)
    journeys.save(tx(), session[PENDING], state)
    if refusal:
        return Answer(False, failure=refusal)
    return Answer(True, NEW_CODE_SENT)


def cancel() -> Answer:
    drop_pending()
    return Answer(True, CANCELLED)


def drop_pending() -> None:
    journey_id = session.pop(PENDING, None)
    if journey_id:
        journeys.finish(tx(), journey_id)


def tell_old_number(old: str, new: str) -> None:
    try:
        current_app.extensions["sms"].send(old, phone_changed_sms(new, now()))
    except OSError as error:  # an operator's connector that cannot reach its gateway
        current_app.logger.warning("SMS à l'ancien numéro non envoyé : %s", type(error).__name__)
