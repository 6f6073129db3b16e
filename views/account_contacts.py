"""« Mon compte »: changing the e-mail address and the mobile (journeys §5, issue 12), linked from
the account page (`views/account.py`).

- `/mon-compte/courriel`: the confirmed address (or none) and the new one waiting, if any; a new
  address is sent a signed, single-use link (`views/email_confirmation.py`, shared with the
  fiche and the scholarship request), and the page then says « Un lien vous a été envoyé à … »
  with « Renvoyer le courriel » and « Annuler ». The address changes only when the link is
  followed; the old address is then told by e-mail.
- `/mon-compte/courriel/confirmer/<token>`: opening the link changes nothing (mail filters open
  every link and would spend it); its page asks for one click, which posts. Decided: the link
  does NOT require signing in — it proves the parent reads the new address, it was asked for
  from a signed-in session of the account, and it gives no session. It may be opened on another
  device. But a browser signed in as ANOTHER account is refused (403): that parent would believe
  their own address changed.
- `/mon-compte/telephone`: the shared code flow of `views/phone_change.py` (the same pending
  change as on the fiche); once kept, the old number is told by SMS.

Account changes are not journaled: the journal (`records/audit.py`) is the school staff's.
Each form works without JavaScript (a 303 back with the message, or the page with the errors as
422); htmx swaps only the section.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, get_flashed_messages, redirect, session, url_for

from records import email_changes
from records.accounts import children_of, find_by_id
from records.contacts import contact_of
from records.email_changes import Outcome
from records.sessions import ACCOUNT_KEY
from rules import email_links, phones
from views import email_confirmation, phone_change
from views.auth import account_required
from views.contact import phone_display
from views.forms.account_contacts import EmailChangeForm
from views.forms.phone_change import PhoneForm
from views.forms.verification import CodeForm
from views.journey import now
from views.mailed_links import LinkPages, LinkRefused
from views.rendering import render_page, wants_fragment
from views.unit import tx

bp = Blueprint("account_contacts", __name__, url_prefix="/mon-compte")

EMAIL_TITLE = "Modifier mon adresse électronique"
PHONE_TITLE = "Modifier mon téléphone portable"
SAME_EMAIL = "C'est déjà l'adresse confirmée de votre compte : indiquez votre nouvelle adresse."
EMAIL_CANCELLED = "Le changement d'adresse est annulé : le lien envoyé ne fonctionne plus."
NO_PENDING_EMAIL = "Aucune adresse n'attend de confirmation. Indiquez votre nouvelle adresse."
CONFIRMED = (
    "Votre adresse électronique {email} est confirmée : les courriels du service vous sont "
    "désormais envoyés à cette adresse."
)
OLD_ADDRESS_SUBJECT = email_confirmation.OLD_ADDRESS_SUBJECT
OTHER_ACCOUNT = (
    "Ce lien concerne un autre compte ÉduConnect que celui qui est connecté dans ce navigateur. "
    "Déconnectez-vous, puis ouvrez de nouveau le lien."
)
LINK_PAGES = {
    "invalid": (
        400,
        "Lien de confirmation non valide",
        "Ce lien de confirmation n'est pas valide. Ouvrez-le directement depuis le courriel "
        "reçu, ou copiez son adresse en entier.",
    ),
    "expired": (
        410,
        "Lien de confirmation expiré",
        "Ce lien de confirmation a expiré : il était valable {hours} heures. Connectez-vous et "
        "demandez un nouveau lien depuis « Mon compte ».",
    ),
    "other": (403, "Lien d'un autre compte", OTHER_ACCOUNT),
    Outcome.USED: (
        410,
        "Lien de confirmation déjà utilisé",
        "Ce lien a déjà servi : cette adresse électronique est confirmée.",
    ),
    Outcome.SUPERSEDED: (
        410,
        "Lien de confirmation remplacé",
        "Ce lien n'est plus valable : un lien plus récent vous a été envoyé, ou le changement "
        "d'adresse a été annulé. Utilisez le dernier courriel reçu, ou demandez un nouveau lien "
        "depuis « Mon compte ».",
    ),
    Outcome.REFUSED: (
        403,
        "Confirmation impossible",
        "L'adresse électronique de ce compte ne peut pas être modifiée. Contactez le "
        "secrétariat de l'établissement de votre enfant.",
    ),
}


def notices(section: str) -> dict:
    said = [
        text for category, text in get_flashed_messages(with_categories=True) if category == section
    ]
    return {"notice": said[-1]} if said else {}


# The e-mail -----------------------------------------------------------------------------------


def email_page(account: dict, status: int = 200, form: EmailChangeForm | None = None, **context):
    # The account as saved now: a link may have been followed in another browser.
    account = find_by_id(tx(), account["id"]) or account
    return render_page(
        "account_contacts/courriel.html",
        "section",
        title=EMAIL_TITLE,
        status=status,
        components=("form",),
        current=email_changes.confirmed_email(account),
        pending=email_changes.pending_email(account),
        hours=email_confirmation.link_hours(),
        form=form or EmailChangeForm(formdata=None),
        **context,
    )


def email_answer(account: dict, notice: str):
    if wants_fragment():
        return email_page(account, notice=notice)
    flash(notice, "courriel")
    return redirect(url_for("account_contacts.courriel"), code=303)


@bp.get("/courriel")
@account_required
def courriel(account):
    return email_page(account, **notices("courriel"))


@bp.post("/courriel")
@account_required
def submit_courriel(account):
    form = EmailChangeForm()
    email = form.address()
    if email is None:
        return email_page(account, 422, form)
    if email == email_changes.confirmed_email(account):
        form.courriel.errors.append(SAME_EMAIL)
        return email_page(account, 422, form)
    # The address already waiting, typed again: a new mail, as « Renvoyer », a minute apart.
    again = email == email_changes.pending_email(account)
    refused = email_confirmation.send_link(account, email, resending=again)
    if refused:
        return email_page(account, 422, form, failure=refused)
    return email_answer(account, email_confirmation.LINK_SENT.format(email=email))


@bp.post("/courriel/renvoyer")
@account_required
def resend_email(account):
    pending = email_changes.pending_email(account)
    if not pending:
        return email_page(account, 422, failure=NO_PENDING_EMAIL)
    refused = email_confirmation.send_link(account, pending, resending=True)
    if refused:
        return email_page(account, 422, failure=refused)
    return email_answer(account, email_confirmation.MAIL_SENT_AGAIN.format(email=pending))


@bp.post("/courriel/annuler")
@account_required
def cancel_email(account):
    email_changes.cancel(tx(), account["id"])
    return email_answer(account, EMAIL_CANCELLED)


# The link -----------------------------------------------------------------------------------


def read_token(token: str) -> tuple:
    """(account id, address, nonce) of a genuine link within its lifetime, of this browser's
    account (or of any account when none is signed in)."""
    content = email_links.read_token(
        current_app.secret_key, token, email_confirmation.link_lifetime(), now()
    )
    signed_in = session.get(ACCOUNT_KEY)
    if signed_in is not None and signed_in != content[0]:
        raise LinkRefused("other")
    return content


LINKS = LinkPages(
    "account_contacts/lien.html",
    LINK_PAGES,
    read_token=read_token,
    refusal_of=lambda check: None if check.outcome is Outcome.VALID else check.outcome,
    text_values=lambda: {"hours": email_confirmation.link_hours()},
    context=lambda: {"signed_in": session.get(ACCOUNT_KEY) is not None},
)


@bp.get("/courriel/confirmer/<token>")
@LINKS.follow(lambda content: email_changes.check_link(tx(), *content))
def link(token: str, content: tuple, check: email_changes.LinkCheck):
    return LINKS.page(200, "Confirmer mon adresse électronique", email=content[1], token=token)


@bp.post("/courriel/confirmer/<token>")
@LINKS.follow(lambda content: email_changes.confirm(tx(), *content, now()))
def confirm_link(token: str, content: tuple, result: email_changes.LinkCheck):
    if result.old_email and result.old_email != content[1]:
        email_confirmation.tell_old_address(result.account, result.old_email)
    return LINKS.page(
        200, "Adresse électronique confirmée", confirmed=CONFIRMED.format(email=content[1])
    )


# The mobile -----------------------------------------------------------------------------------


def phone_page(account: dict, status: int = 200, **context):
    context.setdefault("phone_form", PhoneForm(formdata=None))
    context.setdefault("code_form", CodeForm(formdata=None))
    return render_page(
        "account_contacts/telephone.html",
        "section",
        title=PHONE_TITLE,
        status=status,
        components=("form",),
        current=phone_display(contact_of(tx(), account).phone),
        **phone_change.forms_context(account),
        **context,
    )


def phone_answer(account: dict, result: phone_change.Answer, **forms):
    if not result.ok:
        return phone_page(account, 422, failure=result.failure, **forms)
    if wants_fragment():
        return phone_page(account, notice=result.notice)
    flash(result.notice, "telephone")
    return redirect(url_for("account_contacts.telephone"), code=303)


def region(account: dict) -> str:
    """The region a national number is read in: that of the first child's school (« 0694… »
    is a Guyane mobile for a Palmistes family)."""
    children = children_of(tx(), account["responsable_ids"])
    return phones.region_for_uai(children[0]["uai"]) if children else "FR"


@bp.get("/telephone")
@account_required
def telephone(account):
    return phone_page(account, **notices("telephone"))


@bp.post("/telephone")
@account_required
def submit_telephone(account):
    form = PhoneForm()
    return phone_answer(
        account, phone_change.ask_code(account, form, region(account)), phone_form=form
    )


@bp.post("/telephone/code")
@account_required
def check_code(account):
    form = CodeForm()
    return phone_answer(account, phone_change.check_code(account, form), code_form=form)


@bp.post("/telephone/nouveau-code")
@account_required
def new_code(account):
    return phone_answer(account, phone_change.new_code(account))


@bp.post("/telephone/annuler")
@account_required
def cancel_phone(account):
    return phone_answer(account, phone_change.cancel())
