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

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired

from records import accounts, contacts, sessions
from records.accounts import children_of
from records.email_changes import confirmed_email, pending_email
from rules import passwords
from rules.clock import in_paris
from rules.phones import mask_mobile
from rules.recovery import changed_sms
from views.auth import account_required
from views.franceconnect import logout_redirect
from views.login import sign_in_limit, this_client
from views.recovery import send_mail, send_sms
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

METHOD_NAMES = {
    "auto-inscription": "en ligne, avec « Je n'ai pas encore d'identifiant »",
    "franceconnect": "avec FranceConnect",
    "notification": "avec les identifiants envoyés par l'établissement (courrier ou courriel)",
}

WRONG_CURRENT = (
    "Mot de passe actuel incorrect. Après plusieurs essais incorrects, patientez quelques "
    "minutes avant de réessayer : pendant ce délai, même le bon mot de passe est refusé."
)
SAME_AS_CURRENT = "Choisissez un mot de passe différent de votre mot de passe actuel."
PASSWORD_CHANGED = "Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés."
NO_PASSWORD_YET = (
    "Votre compte n'a pas encore de mot de passe ÉduConnect : vous vous connectez avec "
    "FranceConnect."
)
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

MAIL_SUBJECT = "Votre mot de passe ÉduConnect a été changé"


class PasswordChangeForm(FlaskForm):
    mot_de_passe_actuel = PasswordField(
        "Mot de passe actuel",
        validators=[InputRequired("Indiquez votre mot de passe actuel.")],
    )
    nouveau_mot_de_passe = PasswordField(
        "Nouveau mot de passe",
        validators=[InputRequired("Choisissez un nouveau mot de passe.")],
    )
    confirmation = PasswordField(
        "Confirmation du nouveau mot de passe",
        validators=[InputRequired("Saisissez de nouveau votre nouveau mot de passe.")],
    )


# The page -----------------------------------------------------------------------------------


@bp.get("")
@account_required
def show(account):
    failure, notice = flashed()
    telephone = contacts.contact_of(tx(), account).telephone
    return render_page(
        "account/show.html",
        "main",
        title="Mon compte",
        components=("form",),
        account=account,
        identity=accounts.responsable_identity(tx(), account),
        children=children_of(tx(), account["responsables"]),
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


def moment_text(iso: str | None) -> str | None:
    """ "le 14/09/2026 à 10 h 05", in Paris time."""
    if not iso:
        return None
    moment = in_paris(datetime.fromisoformat(iso))
    return f"le {moment:%d/%m/%Y} à {moment.hour} h {moment:%M}"


def activation_text(account: dict) -> str:
    how = METHOD_NAMES.get(account.get("method"), "")
    when = moment_text(account.get("activated_at"))
    return f"Compte activé {how}" + (f", {when}" if when else "") + "."


def franceconnect_since(account: dict) -> str | None:
    """When FranceConnect was linked, if known (accounts linked before it was recorded and
    made through FranceConnect: their activation)."""
    if not account.get("franceconnect_sub"):
        return None
    linked = account.get("franceconnect_linked_at")
    if not linked and account.get("method") == "franceconnect":
        linked = account.get("activated_at")
    return moment_text(linked)


# Changing the password ----------------------------------------------------------------------


def rule_states(account: dict, typed: str) -> list[tuple[str, str, bool]]:
    """The rules of §2.4, each met or not by what is typed (the identifiant and the names are
    the account's)."""
    unmet = passwords.unmet_rules(
        typed, account["identifiant"], [account["nom"], account["prenom"]]
    )
    return [(key, text, key not in unmet) for key, text in passwords.PASSWORD_RULES]


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
    tell_password_changed(changed, clock.now())
    flash(PASSWORD_CHANGED, "notice")
    return leave_to(url_for("account.show"))


def tell_password_changed(account: dict, now: datetime) -> None:
    """The parent told that the password changed, as « Mot de passe oublié ? » tells it
    (sent through views/recovery.py): by SMS to the mobile on file (the same text) and by e-mail
    to the confirmed address, where there are. A notice that cannot leave does not undo the
    change."""
    telephone = contacts.contact_of(tx(), account).telephone
    if telephone:
        send_sms(telephone, changed_sms(now))
    email = confirmed_email(account)
    if email:
        send_mail(email, MAIL_SUBJECT, changed_email(account, now))


def changed_email(account: dict, now: datetime) -> str:
    return (
        f"Bonjour {account['prenom']} {account['nom']},\n\n"
        f"Votre mot de passe ÉduConnect (identifiant {account['identifiant']}) a été changé "
        f"{moment_text(in_paris(now).isoformat())}, dans « Mon compte ». Les autres appareils "
        "connectés à votre compte ont été déconnectés.\n\n"
        "Si ce n'est pas vous, choisissez vite un nouveau mot de passe avec « Mot de passe "
        f"oublié ? » ({url_for('login.show', _external=True)}) et contactez le secrétariat de "
        "l'établissement de votre enfant.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )


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
