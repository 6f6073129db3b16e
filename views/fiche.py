"""La fiche de renseignements (journeys §6): a signed-in parent sees one child's record, as the
school sent it, and updates their own contact details.

Decided:
- One page per child, `/fiche/<ine>`; a child who is not one of the account's is « not found »
  (404), whether or not the INE exists. When the school has closed the fiche, the page says so
  and offers no form (the forms' POSTs go back to it).
- The contact details are the parent's, shared by all their children (`records/contacts.py`):
  the page says so. The child's record is only shown: a mistake there is for the secretariat.
- The page has two forms, each in its own section with its own alert regions: the e-mail and
  postal address (`ContactForm`), and the mobile phone. htmx swaps only the section a form
  belongs to; without JavaScript each form is a plain POST answered by a 303 back to the page
  (success, with the message flashed for that section) or by the whole page with the errors
  (422).
- A new mobile is kept only once the parent types back the code sent there by SMS, with the
  rules of every code (`rules/sms_codes.py`: 10 minutes, 3 wrong tries, 3 codes, a minute
  between two, 5 SMS a day per number). The pending change (the new number, the code's hash)
  is a server-side journey (`records.journeys`, kind "fiche-telephone"); the session holds only
  its id. It belongs to the account, not to one child: it shows on every child's fiche.
- A code's tries and a new code are counted in the request's write transaction, which holds the
  journey's lock from the moment `journeys.load` reads it until the answer is saved: guesses sent
  at once are checked one after another, so no more than 3 wrong ones are ever counted.
- The new number is read with the region of the child's school (« 0694… » is a Guyane mobile
  on a Palmistes fiche), and must be a French mobile other than the one already kept.
"""

from __future__ import annotations

from datetime import date
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from records import journeys
from records.accounts import children_of
from records.contacts import change_phone, contact_of, save_contact
from records.teleservices import FICHE, service_of
from rules import phones, sms_codes
from views.auth import account_required
from views.contact import ContactForm, phone_display
from views.journey import now
from views.rendering import leave_to, of, render_page, wants_fragment
from views.unit import tx
from views.verification import NEW_CODE_SENT, CodeForm, send_code

bp = Blueprint("fiche", __name__, url_prefix="/fiche")

PENDING = "fiche_telephone"  # the session key of the pending phone change
KIND = "fiche-telephone"  # its kind of journey
CONTACT, PHONE = "coordonnees", "telephone"  # the sections, also the flash categories

CONTACT_SAVED = "Vos coordonnées sont enregistrées."
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


class PhoneForm(FlaskForm):
    telephone = StringField(
        "Nouveau numéro de téléphone portable", validators=[InputRequired(phones.MISSING)]
    )


def fiche_view(view):
    """A view of one of the signed-in parent's children (`view(account, child)`); the forms of
    a fiche the school has closed lead back to the page, which says so."""

    @wraps(view)
    @account_required
    def guarded(account, ine):
        child = next(
            (child for child in children_of(tx(), account["responsables"]) if child["ine"] == ine),
            None,
        )
        if child is None:
            abort(404)
        if request.method == "POST" and not fiche_open(child):
            return leave_to(url_for("fiche.show", ine=ine))
        return view(account, child)

    return guarded


def fiche_open(child: dict) -> bool:
    today = current_app.extensions["clock"].today()
    return service_of(tx(), child["uai"], FICHE, today).open


def pending_change(account: dict) -> dict | None:
    """The account's phone change waiting for its code, if any (and not expired)."""
    state = journeys.load(tx(), session.get(PENDING), kind=KIND, now=now())
    return state if state and state["account_id"] == account["id"] else None


def fiche_page(account: dict, child: dict, status: int = 200, block: str = "main", **context):
    """The page, or for htmx the section `block`, with the details as saved now. `context` may
    bring a form as typed, and each section's `*_failure` / `*_notice`."""
    contact = contact_of(tx(), account)
    context.setdefault("contact_form", ContactForm.filled(contact))
    context.setdefault("phone_form", PhoneForm(formdata=None))
    context.setdefault("code_form", CodeForm(formdata=None))
    return render_page(
        "fiche/show.html",
        block,
        title=f"Fiche de renseignements — {child['prenom']} {child['nom']}",
        status=status,
        components=("form",),
        child=child,
        born=f"{date.fromisoformat(child['date_naissance']):%d/%m/%Y}",
        of=of,
        open=fiche_open(child),
        contact=contact,
        pending=pending_change(account),
        phone_display=phone_display,
        **context,
    )


def succeeded(account: dict, child: dict, section: str, notice: str):
    """After a form succeeds: its section again with the notice (htmx), or the page by a 303
    with the notice flashed for that section."""
    if wants_fragment():
        return fiche_page(account, child, block=section, **{f"{section}_notice": notice})
    flash(notice, section)
    return redirect(url_for("fiche.show", ine=child["ine"]), code=303)


def failed(account: dict, child: dict, section: str, failure: str | None = None, **forms):
    """A form refused: its section (htmx) or the whole page, with the errors, as 422."""
    return fiche_page(
        account, child, 422, block=section, **{f"{section}_failure": failure}, **forms
    )


@bp.get("/<ine>")
@fiche_view
def show(account, child):
    notices = {
        f"{section}_notice": text
        for section, text in get_flashed_messages(with_categories=True)
        if section in (CONTACT, PHONE)
    }
    return fiche_page(account, child, **notices)


@bp.post("/<ine>/coordonnees")
@fiche_view
def save_details(account, child):
    form = ContactForm()
    read = form.read()
    if read is None:
        return failed(account, child, CONTACT, contact_form=form)
    courriel, adresse = read
    save_contact(tx(), account["id"], courriel, adresse, now())
    return succeeded(account, child, CONTACT, CONTACT_SAVED)


# The mobile phone: a code sent to the new number, typed back ----------------------------------


@bp.post("/<ine>/telephone")
@fiche_view
def send_phone_code(account, child):
    form = PhoneForm()
    if not form.validate_on_submit():
        return failed(account, child, PHONE, phone_form=form)
    try:
        number = phones.parse_mobile(form.telephone.data, phones.region_for_uai(child["uai"]))
    except phones.PhoneError as error:
        form.telephone.errors.append(error.message)
        return failed(account, child, PHONE, phone_form=form)
    if number == contact_of(tx(), account).telephone:
        form.telephone.errors.append(SAME_NUMBER)
        return failed(account, child, PHONE, phone_form=form)
    state = {"account_id": account["id"], "telephone": number, "code": None, "codes_sent": 0}
    refusal = send_code(state, sms_codes.NEW_NUMBER)
    if refusal:
        return failed(account, child, PHONE, refusal, phone_form=form)
    drop_pending()
    session[PENDING] = journeys.start(tx(), KIND, state, now())
    return succeeded(account, child, PHONE, CODE_SENT.format(number=phone_display(number)))


@bp.post("/<ine>/telephone/code")
@fiche_view
def check_phone_code(account, child):
    state = pending_change(account)
    if state is None:
        return failed(account, child, PHONE, NO_PENDING)
    form = CodeForm()
    if not form.validate_on_submit():
        return failed(account, child, PHONE, code_form=form)
    result = sms_codes.check(state["code"], form.code.data, now())
    journeys.save(tx(), session[PENDING], state)
    if result is not sms_codes.CodeCheck.OK:
        form.code.errors.append(
            sms_codes.check_message(result, sms_codes.tries_left(state["code"]))
        )
        form.code.data = ""
        return failed(account, child, PHONE, code_form=form)
    change_phone(tx(), account["id"], state["telephone"], now())
    drop_pending()
    return succeeded(
        account, child, PHONE, PHONE_SAVED.format(number=phone_display(state["telephone"]))
    )


@bp.post("/<ine>/telephone/nouveau-code")
@fiche_view
def resend_phone_code(account, child):
    state = pending_change(account)
    if state is None:
        return failed(account, child, PHONE, NO_PENDING)
    resend = sms_codes.can_resend(state["code"], state["codes_sent"], now())
    if resend.status is sms_codes.ResendStatus.TOO_MANY:
        return failed(account, child, PHONE, TOO_MANY_CODES)
    if not resend.allowed:
        return failed(account, child, PHONE, sms_codes.resend_message(resend))
    refusal = send_code(state, sms_codes.NEW_NUMBER)
    journeys.save(tx(), session[PENDING], state)
    if refusal:
        return failed(account, child, PHONE, refusal)
    return succeeded(account, child, PHONE, NEW_CODE_SENT)


@bp.post("/<ine>/telephone/annuler")
@fiche_view
def cancel_phone_change(account, child):
    drop_pending()
    return succeeded(account, child, PHONE, CANCELLED)


def drop_pending() -> None:
    journey_id = session.pop(PENDING, None)
    if journey_id:
        journeys.finish(tx(), journey_id)
