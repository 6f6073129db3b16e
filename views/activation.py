"""Activation du compte (§4): the first login with the identifiant and temporary password of a
school's letter. Votre nouveau mot de passe, then the shared children step (where a child can be
detached), Votre adresse électronique, and the waiting screen; the link sent by e-mail activates
the account, in this browser or any other, within 48 hours."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, session, url_for

from records import accounts, activation, journeys
from rules import activation_links, mailed_links
from rules.account_states import AccountState
from rules.activation import (
    ALL_DETACHED,
    ALREADY_ACTIVE,
    MAIL_FAILED,
    MAIL_SENT_AGAIN,
    MAIL_WAIT,
    NO_CHILD,
    NOT_AVAILABLE,
    TOO_MANY_MAILS,
    welcome,
)
from rules.activation_links import LINK_HOURS
from rules.passwords import hash_password
from views import password_step, verification
from views.forms.activation import EmailForm
from views.journey import Journey, now
from views.rendering import leave_to
from views.sending import about_account, send_mail
from views.unit import tx, writes

bp = Blueprint("activation", __name__, url_prefix="/activation")
JOURNEY = Journey(
    blueprint="activation",
    kind=journeys.Kind.NOTIFICATION,
    heading="Activation du compte",
    # The journey begins only at the login form, with a right temporary password.
    without_journey="login.show",
    titles={
        "mot_de_passe": "Votre nouveau mot de passe",
        "enfants": "Vos enfants",
        "courriel": "Votre adresse électronique",
        "courriel_envoye": "Confirmation de votre adresse",
    },
)


def begin(account: dict) -> str | None:
    """Start the activation of an account whose temporary password was just typed right at the
    login form (views.login); or say, in French, why it cannot be activated."""
    if not accounts.children_of(tx(), account["responsable_ids"]):
        return NO_CHILD
    # A new first login starts the steps again: a link sent before must not work any more.
    activation.forget_pending(tx(), account["id"])
    # A new session, as at any sign-in: nothing from before carries over.
    session.clear()
    # Kept under the account: its parent may resume it from another session (`resume`). The
    # activation started before, if any, is no longer the account's.
    JOURNEY.start(
        {
            "step": "mot_de_passe",
            "account_id": account["id"],
            "responsable_ids": account["responsable_ids"],
            "identifier": account["identifier"],
            "first_name": account["first_name"],
            "last_name": account["last_name"],
            "email": activation.known_email(tx(), account["responsable_ids"]),
            "password_hash": None,
            "mails_sent": 0,
            "mail": None,
        },
        owner=account["id"],
    )
    return None


def resume(journey_id: str) -> str:
    """Signed in with the new password its first step chose (records/notifications.py's
    check_temporary), after the session that held it ended: a new session goes on with the
    activation where it stands, with what was typed (and the link sent still works). Returns
    the URL of its step."""
    session.clear()
    return JOURNEY.resume(journey_id)


@bp.get("")
def index():
    state = JOURNEY.load()
    return redirect(JOURNEY.url(state["step"]) if state else url_for("login.show"), code=303)


def no_longer_waiting(state: dict):
    """None while the account waits for its activation; else the journey ends (the link was
    followed in another browser, or the school blocked the account) and the login page says
    why."""
    account = accounts.find_by_id(tx(), state["account_id"])
    if account and account["state"] == activation.WAITING:
        return None
    JOURNEY.finish()
    if account and account["state"] == AccountState.ACTIVE:
        flash(ALREADY_ACTIVE, "notice")
    else:
        flash(NOT_AVAILABLE, "error")
    return leave_to(url_for("login.show"))


# Step 1: Votre nouveau mot de passe ---------------------------------------------------------


def password_chosen(state: dict, password: str):
    ended = no_longer_waiting(state)
    if ended:
        return ended
    # Kept hashed until the link comes back; only then does it replace the temporary one.
    state["password_hash"] = hash_password(password)
    return JOURNEY.advance(state, "enfants")


PASSWORD = password_step.PasswordStep(
    JOURNEY, password_step.of_state, password_chosen, "Valider mon mot de passe", welcome
)


@bp.get("/mot-de-passe")
@JOURNEY.at_step("mot_de_passe")
def mot_de_passe(state: dict):
    return PASSWORD.page(state)


@bp.post("/mot-de-passe")
def submit_mot_de_passe():
    # Guarded inside, once the password is hashed ahead of the journey's lock.
    return PASSWORD.submit()


@bp.post("/mot-de-passe/regles")
def password_rules():
    return PASSWORD.rules()


# Step 2: Vos enfants ------------------------------------------------------------------------


# A child can be detached here (« Je ne suis pas le représentant légal de cet élève »).
@bp.get("/enfants")
@JOURNEY.at_step("enfants")
def enfants(state: dict):
    return verification.children_page(JOURNEY, state, detachable=True)


@bp.post("/enfants")
@JOURNEY.at_step("enfants")
def submit_enfants(state: dict):
    return verification.submit_children(JOURNEY, state, children_confirmed, detachable=True)


def children_confirmed(state: dict):
    ended = no_longer_waiting(state)
    if ended:
        return ended
    detached = state.pop("detached", [])
    if detached:
        activation.detach_children(tx(), state["responsable_ids"], detached, now())
    if not accounts.children_of(tx(), state["responsable_ids"]):
        JOURNEY.finish()
        flash(ALL_DETACHED, "error")
        return leave_to(url_for("login.show"))
    return JOURNEY.advance(state, "courriel")


# Step 3: Votre adresse électronique ---------------------------------------------------------


def email_page(state: dict, status: int = 200, form: EmailForm | None = None, **context):
    form = form or EmailForm(formdata=None, courriel=state["email"])
    return JOURNEY.page("courriel", status, form=form, **context)


@bp.get("/courriel")
@writes  # the guard ends the journey of an account activated or blocked meanwhile
@JOURNEY.at_step("courriel", guard=no_longer_waiting)
def courriel(state: dict):
    return email_page(state)


@bp.post("/courriel")
@JOURNEY.at_step("courriel", guard=no_longer_waiting)
def submit_courriel(state: dict):
    form = EmailForm()
    email = form.address()
    if email is None:
        return email_page(state, 422, form)
    if state["mails_sent"] >= mails_per_journey():
        return email_page(state, 422, form, failure=TOO_MANY_MAILS)
    failure = send_link(state, email)
    if failure:
        return email_page(state, 422, form, failure=failure)
    return JOURNEY.advance(state, "courriel_envoye")


def mails_per_journey() -> int:
    return current_app.config["ACTIVATION_MAILS_PER_JOURNEY"]


def send_link(state: dict, email: str) -> str | None:
    """Send a new activation link to `email` (the one sent before stops working); a French
    failure, or None once sent."""
    nonce = activation.await_confirmation(
        tx(), state["account_id"], email, state["password_hash"], now()
    )
    if nonce is None:
        return NOT_AVAILABLE
    token = activation_links.make_token(
        current_app.secret_key, state["account_id"], email, nonce, now()
    )
    link = url_for("activation.lien", token=token, _external=True)
    subject, body = activation_links.activation_email(state["first_name"], state["last_name"], link)
    if not send_mail(email, subject, body, about=about_account(state["account_id"], "activation")):
        return MAIL_FAILED
    state["email"] = email
    mailed_links.count_mail(state, now())
    return None


# Step 4: Confirmation de votre adresse (the waiting screen) ---------------------------------


def waiting_page(state: dict, status: int = 200, **context):
    return JOURNEY.page(
        "courriel_envoye", status, email=state["email"], hours=LINK_HOURS, **context
    )


@bp.get("/courriel/envoye")
@writes  # the guard ends the journey of an account activated or blocked meanwhile
@JOURNEY.at_step("courriel_envoye", guard=no_longer_waiting)
def courriel_envoye(state: dict):
    return waiting_page(state)


@bp.post("/courriel/renvoyer")
@JOURNEY.at_step("courriel_envoye", guard=no_longer_waiting)
def resend(state: dict):
    refusal = mailed_links.resend_refusal(
        state, now(), mails_per_journey(), MAIL_WAIT, TOO_MANY_MAILS
    )
    if refusal:
        return waiting_page(state, 422, failure=refusal)
    failure = send_link(state, state["email"])
    JOURNEY.save(state)
    if failure:
        return waiting_page(state, 422, failure=failure)
    return waiting_page(state, notice=MAIL_SENT_AGAIN)


@bp.post("/courriel/modifier")
@JOURNEY.at_step("courriel_envoye", guard=no_longer_waiting)
def change_email(state: dict):
    # The address may be someone else's: the link sent there must not activate anything.
    activation.forget_pending(tx(), state["account_id"])
    return JOURNEY.advance(state, "courriel")
