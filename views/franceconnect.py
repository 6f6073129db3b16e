"""FranceConnect (§3): the login and its callback, the first connection (the shared phone, SMS
code and birth-date steps, the name taken from FranceConnect), and the logout through
FranceConnect's session/end."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, flash, redirect, request, session, url_for

from outside.franceconnect import FranceConnectError
from records import accounts, journeys
from rules.account_states import AccountState
from views import verification
from views.auth import sign_in_session
from views.forms.franceconnect import PhoneForm
from views.journey import Journey, now
from views.rendering import leave_to
from views.unit import tx, writes

bp = Blueprint("franceconnect", __name__, url_prefix="/franceconnect")
first = Blueprint(
    "franceconnect_first_connection", __name__, url_prefix="/franceconnect/premiere-connexion"
)
JOURNEY = Journey(
    blueprint=first.name,
    kind=journeys.Kind.FRANCECONNECT,
    heading="Première connexion avec FranceConnect",
    without_journey="login.show",
    titles={
        "telephone": "Votre téléphone portable",
        "code": "Code reçu par SMS",
        "enfants": "Vos enfants",
    },
)
FAILURES = {
    "cancelled": "Connexion avec FranceConnect annulée.",
    "unavailable": (
        "FranceConnect est momentanément indisponible. Réessayez plus tard, ou connectez-vous "
        "avec votre compte ÉduConnect ci-dessous."
    ),
    "invalid": (
        "La connexion avec FranceConnect n'a pas abouti. Réessayez, ou connectez-vous avec "
        "votre compte ÉduConnect ci-dessous."
    ),
}
ALREADY_LINKED = (
    "Ce compte ÉduConnect est déjà relié à une autre identité FranceConnect. Contactez le "
    "secrétariat de l'établissement de votre enfant."
)
ACTIVATED = (
    "Votre compte ÉduConnect est activé : vous pourrez désormais vous connecter avec FranceConnect."
)
BLOCKED_BY_SCHOOL = (
    "Votre compte ÉduConnect est bloqué. Contactez le secrétariat de l'établissement de votre "
    "enfant."
)
SIGNED_OUT = "Vous êtes déconnecté."
LOGOUT_UNCONFIRMED = (
    "La déconnexion n'a pas pu être confirmée : vous êtes toujours connecté. Réessayez."
)


def client():
    return current_app.extensions["franceconnect"]


def back_to_login(failure: str):
    flash(failure, "error")
    return leave_to(url_for("login.show"))


# Login and callback -------------------------------------------------------------------------


@bp.post("/login")
def login():
    state, nonce = client().new_state_and_nonce()
    try:
        url = client().authorization_url(
            url_for("franceconnect.callback", _external=True), state, nonce
        )
    except FranceConnectError as error:
        current_app.logger.warning("FranceConnect login: %s", error)
        return back_to_login(FAILURES["unavailable"])
    session["franceconnect_state"], session["franceconnect_nonce"] = state, nonce
    # A full navigation to FranceConnect, never an htmx request.
    return redirect(url, code=303)


@bp.get("/callback")
@writes  # a first connection starts its journey here
def callback():
    # Popped first: a callback can be used once, so a replayed one finds no state.
    state = session.pop("franceconnect_state", None)
    nonce = session.pop("franceconnect_nonce", None)
    try:
        identity = client().identity_from_callback(
            request.args, state, nonce, url_for("franceconnect.callback", _external=True)
        )
    except FranceConnectError as error:
        current_app.logger.warning("FranceConnect callback: %s", error)
        return back_to_login(FAILURES[error.kind])

    account = accounts.find_by_franceconnect_sub(tx(), identity.sub)
    if account and account["state"] == AccountState.BLOCKED:
        return back_to_login(BLOCKED_BY_SCHOOL)
    if account:
        return signed_in(account, identity.id_token)
    session.pop(JOURNEY.blueprint, None)
    JOURNEY.start(
        {
            "step": "telephone",
            "sub": identity.sub,
            "given_name": identity.given_name,
            "family_name": identity.family_name,
            "preferred_username": identity.preferred_username,
            "id_token": identity.id_token,
        }
    )
    return redirect(JOURNEY.url("telephone"), code=303)


def signed_in(account: dict, id_token: str, notice: str | None = None):
    sign_in_session(account["id"])
    # Kept for the logout through FranceConnect (id_token_hint).
    session["franceconnect_id_token"] = id_token
    if notice:
        flash(notice, "notice")
    return leave_to(url_for("services.home"))


# First connection ---------------------------------------------------------------------------


def franceconnect_name(state: dict) -> str:
    return f"{state['given_name']} {state['family_name']}".strip()


@first.get("")
@JOURNEY.at_step("telephone")
def telephone(state: dict):
    return JOURNEY.page("telephone", form=PhoneForm(formdata=None), name=franceconnect_name(state))


@first.post("")
@JOURNEY.at_step("telephone")
def submit_telephone(state: dict):
    form = PhoneForm()
    page = {"form": form, "name": franceconnect_name(state)}
    if not form.validate_on_submit():
        return JOURNEY.page("telephone", 422, **page)
    noms = [name for name in (state["family_name"], state["preferred_username"]) if name]
    # FranceConnect gives every first name: the roster's prénom is one of them.
    prenoms = state["given_name"].split() or [""]
    family, failure = verification.find_family(form, noms, prenoms)
    if not family:
        return JOURNEY.page("telephone", 422, failure=failure, **page)
    identity = {name: state[name] for name in ("sub", "given_name", "family_name", "id_token")}
    telephone_step = JOURNEY.journey_id()
    refusal = verification.begin(JOURNEY, family, **identity)
    if refusal:
        return JOURNEY.page("telephone", 422, failure=refusal, **page)
    journeys.finish(tx(), telephone_step)
    return JOURNEY.go_to("code")


@first.get("/code")
@JOURNEY.at_step("code")
def code(state: dict):
    return verification.code_page(JOURNEY, state)


@first.post("/code")
@JOURNEY.at_step("code")
def submit_code(state: dict):
    return verification.submit_code(JOURNEY, state)


@first.post("/code/nouveau")
@JOURNEY.at_step("code")
def new_code(state: dict):
    return verification.new_code(JOURNEY, state)


@first.get("/enfants")
@JOURNEY.at_step("enfants")
def enfants(state: dict):
    return verification.children_page(JOURNEY, state)


@first.post("/enfants")
@JOURNEY.at_step("enfants")
def submit_enfants(state: dict):
    return verification.submit_children(JOURNEY, state, children_confirmed)


def children_confirmed(state: dict):
    try:
        account = accounts.activate_with_franceconnect(
            tx(),
            state["responsable_ids"],
            state["first_name"],
            state["last_name"],
            state["phone"],
            state["sub"],
            now(),
        )
    except accounts.AccountExists:
        JOURNEY.finish()
        return back_to_login(ALREADY_LINKED)
    JOURNEY.finish()
    return signed_in(account, state["id_token"], ACTIVATED)


# Logout -------------------------------------------------------------------------------------


def logout_redirect():
    """Where /deconnexion sends a parent who came with FranceConnect: FranceConnect's
    session/end, which comes back to our logout callback; None otherwise. Our own session ends
    here and now: a parent who closes the tab on FranceConnect's page is signed out all the
    same (a shared computer)."""
    id_token = session.get("franceconnect_id_token")
    if not id_token:
        return None
    state, _ = client().new_state_and_nonce()
    try:
        url = client().logout_url(
            id_token, state, url_for("franceconnect.logout_callback", _external=True)
        )
    except FranceConnectError as error:
        current_app.logger.warning("FranceConnect logout: %s", error)
        return None
    session.clear()
    session["franceconnect_logout_state"] = state
    return redirect(url, code=303)


@bp.get("/logout-callback")
def logout_callback():
    expected = session.pop("franceconnect_logout_state", None)
    given = request.args.get("state", "")
    if not expected or not hmac.compare_digest(expected, given):
        # Not the answer to our own request: a forged link must not sign anyone out.
        flash(LOGOUT_UNCONFIRMED, "error")
        return redirect(url_for("services.home"), code=303)
    session.clear()
    flash(SIGNED_OUT, "notice")
    return redirect(url_for("login.show"), code=303)
