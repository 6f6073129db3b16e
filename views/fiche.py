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
- A new mobile is kept only once the parent types back the code sent there by SMS: the flow
  `views/phone_change.py`, shared with « Mon compte » (the pending change shows on both; the old
  number is told once the new one is kept). The new number is read with the region of the child's
  school (« 0694… » is a Guyane mobile on a Palmistes fiche).
- The e-mail is the account's confirmed address (issue 12, `records/contacts.py`); a new one typed
  here is sent its confirmation link as the form is read (`views/contact.py`), and the section
  says it waits for it.
- For a collège pupil, a section shows the parent's choice about the automatic examination of
  the right to the scholarship (issue 14) and leads to its page (`views/consent.py`). A closed
  fiche still shows a given consent, which may be withdrawn at any time.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    redirect,
    request,
    url_for,
)

from records import consents
from records.accounts import children_of
from records.contacts import contact_of, save_contact
from records.teleservices import FICHE, service_of
from rules import phones
from views import phone_change
from views.auth import account_required
from views.contact import ContactForm
from views.email_confirmation import LINK_SENT
from views.journey import now
from views.phone_change import (  # the flow's names, also read by the fiche's tests
    CANCELLED,
    KIND,
    NO_PENDING,
    PENDING,
    SAME_NUMBER,
    TOO_MANY_CODES,
    CodeForm,
    PhoneForm,
)
from views.rendering import leave_to, of, render_page, wants_fragment
from views.services import COLLEGE, day
from views.unit import tx

bp = Blueprint("fiche", __name__, url_prefix="/fiche")

# The sections, also the flash categories; the consent's is filled by views/consent.py.
CONTACT, PHONE, CONSENT = "coordonnees", "telephone", "examen"
SECTIONS = (CONTACT, PHONE, CONSENT)

CONTACT_SAVED = "Vos coordonnées sont enregistrées."
__all__ = ["CANCELLED", "KIND", "NO_PENDING", "PENDING", "SAME_NUMBER", "TOO_MANY_CODES", "bp"]


def fiche_view(view):
    """A view of one of the signed-in parent's children (`view(account, child)`); the forms of
    a fiche the school has closed lead back to the page, which says so."""

    @wraps(view)
    @account_required
    def guarded(account, ine):
        child = own_child(account, ine)
        if request.method == "POST" and not fiche_open(child):
            return leave_to(url_for("fiche.show", ine=ine))
        return view(account, child)

    return guarded


def own_child(account: dict, ine: str) -> dict:
    """The signed-in parent's child with this INE; any other is « not found »."""
    child = next(
        (child for child in children_of(tx(), account["responsable_ids"]) if child["ine"] == ine),
        None,
    )
    if child is None:
        abort(404)
    return child


def fiche_open(child: dict) -> bool:
    today = current_app.extensions["clock"].today()
    return service_of(tx(), child["uai"], FICHE, today).open


def fiche_page(account: dict, child: dict, status: int = 200, block: str = "main", **context):
    """The page, or for htmx the section `block`, with the details as saved now. `context` may
    bring a form as typed, and each section's `*_failure` / `*_notice`."""
    contact = contact_of(tx(), account)
    context.setdefault("contact_form", ContactForm.filled(contact))
    context.setdefault("phone_form", PhoneForm(formdata=None))
    context.setdefault("code_form", CodeForm(formdata=None))
    for section in SECTIONS:
        # A section's live regions stay empty until one of its forms is sent.
        context.setdefault(f"{section}_failure", None)
        context.setdefault(f"{section}_notice", None)
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
        **phone_change.forms_context(account),
        **consent_context(account, child),
        **context,
    )


def consent_context(account: dict, child: dict) -> dict:
    """The consent section's: whether the child is offered it (a collège pupil), this parent's
    choice and when it was made, and which household is examined when another responsable
    chose too."""
    if child["niveau"] not in COLLEGE:
        return {"consent_offered": False}
    choices = consents.of_pupils(tx(), [child["ine"]]).get(child["ine"], [])
    mine = next((one for one in choices if one["account_id"] == account["id"]), None)
    return {
        "consent_offered": True,
        "consent": mine,
        "consent_day": day(datetime.fromisoformat(mine["changed_at"])) if mine else "",
        "given_day": day(datetime.fromisoformat(mine["given_at"]))
        if mine and mine["given_at"]
        else "",
        "household": consents.household_for(choices, account["id"]),
    }


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
        if section in SECTIONS
    }
    return fiche_page(account, child, **notices)


@bp.post("/<ine>/coordonnees")
@fiche_view
def save_details(account, child):
    form = ContactForm()
    read = form.read()
    if read is None:
        return failed(account, child, CONTACT, contact_form=form)
    email, address = read
    contact = save_contact(tx(), account["id"], email, address, now())
    notice = CONTACT_SAVED
    if contact.email_to_confirm:
        notice += " " + LINK_SENT.format(email=contact.email_to_confirm)
    return succeeded(account, child, CONTACT, notice)


# The mobile phone: a code sent to the new number, typed back ----------------------------------


def answered(account: dict, child: dict, answer: phone_change.Answer, **forms):
    if answer.ok:
        return succeeded(account, child, PHONE, answer.notice)
    return failed(account, child, PHONE, answer.failure, **forms)


@bp.post("/<ine>/telephone")
@fiche_view
def send_phone_code(account, child):
    form = PhoneForm()
    region = phones.region_for_uai(child["uai"])
    return answered(account, child, phone_change.ask_code(account, form, region), phone_form=form)


@bp.post("/<ine>/telephone/code")
@fiche_view
def check_phone_code(account, child):
    form = CodeForm()
    return answered(account, child, phone_change.check_code(account, form), code_form=form)


@bp.post("/<ine>/telephone/nouveau-code")
@fiche_view
def resend_phone_code(account, child):
    return answered(account, child, phone_change.new_code(account))


@bp.post("/<ine>/telephone/annuler")
@fiche_view
def cancel_phone_change(account, child):
    return answered(account, child, phone_change.cancel())
