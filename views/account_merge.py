"""« Ajouter des élèves depuis un autre compte » (journeys §5, issue 12 item 4): the signed-in
parent gives the identifiant and password (temporary or not) of a second account of theirs; its
children move to this account and the other is closed (records/merge.py says how, and what is
checked). Then both accounts' contacts are told: by e-mail at a confirmed address, else by SMS.

Decided:
- One page, `/mon-compte/fusion`: the form, refused with a 422 and a message in the page's alert
  region (focus back on the identifiant, the password field emptied), or done: « Mes services »
  by a 303 (an HX-Redirect for htmx) with what was added in its status region.
- The answers for a wrong password, an unknown identifiant and a client kept waiting are the
  login form's one message (rules.lockout.FAILED), and the tries count towards the same waits;
  the POST shares the login form's budget per address (views.login.sign_in_limit), so « trop de
  tentatives » is the 429 page the login gives.
"""

from __future__ import annotations

from flask import Blueprint, flash, url_for

from documents.merge_notice import merge_email, merge_sms
from records import accounts, merge
from records.contacts import contact_of
from records.merge import Refusal
from rules import lockout
from views.auth import account_required
from views.forms.account_merge import MergeForm
from views.journey import now
from views.login import sign_in_limit, this_client
from views.rendering import leave_to, render_page
from views.sending import send_mail, send_sms
from views.unit import tx

bp = Blueprint("account_merge", __name__, url_prefix="/mon-compte")

TITLE = "Ajouter des élèves depuis un autre compte"
REFUSALS = {
    Refusal.WRONG: lockout.FAILED,
    Refusal.EXPIRED: (
        "Le mot de passe provisoire de ce compte a expiré. Demandez de nouveaux identifiants à "
        "l'établissement qui vous a envoyé le courrier."
    ),
    Refusal.SAME: (
        "C'est l'identifiant du compte avec lequel vous êtes connecté : indiquez celui de votre "
        "autre compte."
    ),
    Refusal.OTHER_PERSON: (
        "Ce compte appartient à une autre personne : seuls les élèves d'un compte à vos nom et "
        "prénom peuvent être ajoutés au vôtre. Si l'établissement a écrit votre nom autrement, "
        "contactez son secrétariat."
    ),
    Refusal.BLOCKED: (
        "Ce compte est bloqué par l'établissement : ses élèves ne peuvent pas être ajoutés. "
        "Contactez le secrétariat de l'établissement pour le débloquer."
    ),
    Refusal.NOT_OPEN: (
        "Votre compte ne peut pas recevoir d'élèves : il est bloqué ou a été fermé. Contactez le "
        "secrétariat de l'établissement de votre enfant."
    ),
}


def merge_page(account: dict, form: MergeForm, status: int = 200, failure: str | None = None):
    first_error = next((name for name, field in form._fields.items() if field.errors), None)
    return render_page(
        "account_merge/fusion.html",
        "merge_form",
        title=TITLE,
        status=status,
        components=("form", "password"),
        account=account,
        children=accounts.children_of(tx(), account["responsable_ids"]),
        form=form,
        failure=failure,
        focus=first_error or ("identifiant" if failure else None),
    )


@bp.get("/fusion")
@account_required
def show(account):
    return merge_page(account, MergeForm(formdata=None))


@bp.post("/fusion")
@sign_in_limit
@account_required
def submit(account):
    form = MergeForm()
    if not form.validate_on_submit():
        form.mot_de_passe.data = None
        return merge_page(account, form, 422)
    identifiant, password = form.identifiant.data, form.mot_de_passe.data
    form.mot_de_passe.data = None
    done = merge.merge(tx(), account["id"], identifiant, password, now(), this_client())
    if not done.ok:
        return merge_page(account, form, 422, failure=REFUSALS[done.refusal])
    tell_both(done)
    flash(added_notice(done), "notice")
    return leave_to(url_for("services.home"))


def added_notice(done: merge.Merge) -> str:
    other = done.other["identifier"]
    names = ", ".join(
        f"{child['prenom']} ({child['etablissement_nom']})" for child in done.children
    )
    added = (
        f"Les élèves de votre compte {other} sont ajoutés à ce compte : {names}."
        if names
        else (f"Votre compte {other} n'avait pas d'élève.")
    )
    linked = (
        " Sa connexion avec FranceConnect passe à ce compte." if done.franceconnect_moved else ""
    )
    return f"{added} Le compte {other} est fermé.{linked}"


def tell_both(done: merge.Merge) -> list[dict]:
    """Tell each account's contact (once per address): e-mail when confirmed, else SMS."""
    moment = now()
    closed, kept = done.other["identifier"], done.account["identifier"]
    names = [child["prenom"] for child in done.children]
    emails, phones = [], []
    for account in (done.account, done.other):
        # The confirmed address only (records/contacts.py), else the account's mobile.
        contact = contact_of(tx(), account)
        if contact.email:
            emails.append(contact.email)
        elif contact.phone:
            phones.append(contact.phone)
    told = []
    for address in dict.fromkeys(emails):
        subject, body = merge_email(closed, kept, names, moment)
        told.append(
            {"channel": "courriel", "to": address, "sent": send_mail(address, subject, body)}
        )
    for number in dict.fromkeys(phones):
        told.append(
            {
                "channel": "sms",
                "to": number,
                "sent": send_sms(number, merge_sms(closed, kept, moment)),
            }
        )
    return told
