"""« Mon compte » (journeys §5, issue 12 item 3): what the account is (identity, identifiant,
children, how it was activated, contacts, FranceConnect), changing its password, unlinking
FranceConnect and signing out of every device.

- Changing the password asks for the current one, checked with the waits and the per-address
  limit of the login form (rules/lockout.py, views/login.py): a session left open is not a way
  to guess it. The new one follows §2.4 (rules/passwords.py, shown live as on the journeys'
  password step). Every other session of the account ends; this one stays. The parent is told
  by e-mail (a confirmed address) or else by SMS.
- An account with no password (made through FranceConnect) sets its first one through
  « Mot de passe oublié ? » (a code to the phone or a link to a confirmed address), never from
  a session alone: whoever finds a session open on a shared computer cannot give the account a
  password of their own.
- FranceConnect can be unlinked only when the account has a password (else it would be closed
  to its owner).
- « Se déconnecter de tous les appareils » ends every session of the account, this one too
  (through FranceConnect's session/end when this session came from there).

None of these changes is journaled: the journal (records/audit.py) is the school staff's.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for

from records import accounts, contacts, sessions
from records.accounts import children_of
from records.email_changes import confirmed_email, pending_email
from rules import passwords
from rules.account_summary import activation_text, franceconnect_since
from rules.phones import mask_mobile
from rules.recovery import changed_in_account_email
from views.auth import account_required
from views.forms.account import PasswordChangeForm
from views.franceconnect import logout_redirect
from views.login import sign_in_limit, this_client
from views.recovery import tell_password_changed
from views.rendering import flashed, leave_to, render_page, wants_fragment
from views.sessions import current_digest
from views.unit import tx
from views.verification import RULES_NOT_MET

bp = Blueprint("account", __name__, url_prefix="/mon-compte")

# Pages other parts of « Mon compte » and the recovery answer at.
CHANGE_EMAIL_URL = "/mon-compte/courriel"
CHANGE_PHONE_URL = "/mon-compte/telephone"
MERGE_URL = "/mon-compte/fusion"
FORGOTTEN_PASSWORD_URL = "/mot-de-passe-oublie"

WRONG_CURRENT = (
    "Mot de passe actuel incorrect. Après plusieurs essais incorrects, patientez quelques "
    "minutes avant de réessayer : pendant ce délai, même le bon mot de passe est refusé."
)
SAME_AS_CURRENT = "Choisissez un mot de passe différent de votre mot de passe actuel."
PASSWORD_CHANGED = "Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés."
CANNOT_UNLINK = (
    "FranceConnect ne peut pas être délié : votre compte n'a pas de mot de passe ÉduConnect, "
    "vous ne pourriez plus vous connecter. Définissez d'abord un mot de passe avec « Mot de "
    "passe oublié ? »."
)
NOT_LINKED = "Votre compte n'est pas relié à FranceConnect."
UNLINKED = (
    "FranceConnect n'est plus relié à votre compte. Connectez-vous désormais avec votre "
    "identifiant et votre mot de passe."
)
SIGNED_OUT_EVERYWHERE = "Vous êtes déconnecté de tous les appareils où votre compte était ouvert."

# The page -----------------------------------------------------------------------------------


@bp.get("")
@account_required
def show(account):
    failure, notice = flashed()
    telephone = contacts.contact_of(tx(), account).phone
    return render_page(
        "account/show.html",
        "main",
        title="Mon compte",
        components=("form",),
        account=account,
        identity=accounts.responsable_identity(tx(), account),
        children=children_of(tx(), account["responsable_ids"]),
        activation=activation_text(account),
        email=confirmed_email(account) or account.get("email") or "",
        email_confirmed=bool(confirmed_email(account)),
        pending_email=pending_email(account),
        mobile=mask_mobile(telephone) if telephone else None,
        franceconnect_since=franceconnect_since(account),
        links={
            "courriel": CHANGE_EMAIL_URL,
            "telephone": CHANGE_PHONE_URL,
            "fusion": MERGE_URL,
            "oubli": FORGOTTEN_PASSWORD_URL,
        },
        failure=failure,
        notice=notice,
    )


# Changing the password ----------------------------------------------------------------------


def rule_states(account: dict, typed: str) -> list[tuple[str, str, bool]]:
    """The rules of §2.4, the identifiant and the names being the account's."""
    return passwords.rule_states(
        typed, account["identifier"], [account["last_name"], account["first_name"]]
    )


def password_page(account: dict, form: PasswordChangeForm | None = None, status: int = 200):
    form = form or PasswordChangeForm(formdata=None)
    typed = form.nouveau_mot_de_passe.data or ""
    return render_page(
        "account/mot_de_passe.html",
        "password_form",
        title="Modifier mon mot de passe",
        status=status,
        components=("form", "password"),
        account=account,
        form=form,
        rules=rule_states(account, typed),
        checked=bool(typed),
        forgotten_url=FORGOTTEN_PASSWORD_URL,
        first_error=next((name for name, field in form._fields.items() if field.errors), None),
    )


@bp.get("/mot-de-passe")
@account_required
def mot_de_passe(account):
    return password_page(account)


@bp.post("/mot-de-passe/regles")
@account_required
def password_rules(account):
    """The rules, met or not, as the parent types (htmx only)."""
    if not wants_fragment():
        return redirect(url_for("account.mot_de_passe"), code=303)
    return render_page(
        "account/mot_de_passe.html",
        "password_rules",
        title="Modifier mon mot de passe",
        rules=rule_states(account, request.form.get("nouveau_mot_de_passe", "")),
        checked=bool(request.form.get("nouveau_mot_de_passe")),
        field_id="nouveau_mot_de_passe",
        errors=[],
    )


@bp.post("/mot-de-passe")
@sign_in_limit
@account_required
def submit_mot_de_passe(account):
    if not account.get("password_hash"):
        # Only « Mot de passe oublié ? » sets a first password (see the module's docstring).
        return leave_to(url_for("account.mot_de_passe"))
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return password_page(account, form, 422)
    current, new = form.mot_de_passe_actuel.data, form.nouveau_mot_de_passe.data
    if not all(met for _, _, met in rule_states(account, new)):
        form.nouveau_mot_de_passe.errors.append(RULES_NOT_MET)
    elif form.confirmation.data != new:
        form.confirmation.errors.append(passwords.MISMATCH)
    elif new == current:
        form.nouveau_mot_de_passe.errors.append(SAME_AS_CURRENT)
    if form.errors:
        return password_page(account, form, 422)
    # Hashed before the current one is checked: both argon2, and the account's lock (taken by
    # the check) is not held while the new one is made.
    new_hash = passwords.hash_password(new)
    clock = current_app.extensions["clock"]
    checked = accounts.check_counted(
        tx(), accounts.ACCOUNTS, account, "password_hash", current, clock.now(), this_client()
    )
    if not checked.ok:
        form.mot_de_passe_actuel.errors.append(WRONG_CURRENT)
        return password_page(account, form, 422)
    changed = accounts.change_password(tx(), account["id"], new_hash, clock.now())
    sessions.end_all(tx(), account_id=account["id"], keep_digest=current_digest())
    mail = changed_in_account_email(
        changed["first_name"],
        changed["last_name"],
        changed["identifier"],
        clock.now(),
        url_for("login.show", _external=True),
    )
    tell_password_changed(
        contacts.contact_of(tx(), changed).phone, confirmed_email(changed), mail, clock.now()
    )
    flash(PASSWORD_CHANGED, "notice")
    return leave_to(url_for("account.show"))


# FranceConnect and the other devices --------------------------------------------------------


@bp.post("/franceconnect/delier")
@account_required
def delier_franceconnect(account):
    if not account.get("franceconnect_sub"):
        flash(NOT_LINKED, "error")
        return leave_to(url_for("account.show"))
    try:
        accounts.unlink_franceconnect(tx(), account["id"])
    except accounts.CannotUnlink:
        flash(CANNOT_UNLINK, "error")
        return leave_to(url_for("account.show"))
    flash(UNLINKED, "notice")
    return leave_to(url_for("account.show"))


@bp.post("/deconnexion-partout")
@account_required
def deconnexion_partout(account):
    sessions.end_all(tx(), account_id=account["id"])
    # Signed in with FranceConnect: out of it too (its callback says « Vous êtes déconnecté. »).
    through_franceconnect = logout_redirect()
    if through_franceconnect:
        return through_franceconnect
    session.clear()
    flash(SIGNED_OUT_EVERYWHERE, "notice")
    return leave_to(url_for("login.show"))
