"""« Je n'ai pas encore d'identifiant » (§2): Vos informations, then the shared code and
children steps, then Votre mot de passe and Compte activé."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, session, url_for

from records import accounts, journeys
from rules import identifiers
from rules.account_states import AccountState
from views import password_step, verification
from views.auth import account_required, sign_in_session
from views.forms.registration import IdentityForm
from views.journey import Journey, now
from views.unit import tx

bp = Blueprint("registration", __name__, url_prefix="/inscription")
JOURNEY = Journey(
    blueprint=bp.name,
    kind=journeys.Kind.REGISTRATION,
    heading="Créer mon compte ÉduConnect",
    titles={
        "identite": "Vos informations",
        "code": "Code reçu par SMS",
        "enfants": "Vos enfants",
        "mot_de_passe": "Votre mot de passe",
        "termine": "Compte activé",
    },
)
ALREADY_ACTIVE = "Vous avez déjà un compte ÉduConnect actif."


# Step 1: Vos informations -------------------------------------------------------------------


@bp.get("")
def identite():
    return JOURNEY.page("identite", form=IdentityForm(formdata=None))


@bp.post("")
def submit_identite():
    form = IdentityForm()
    if not form.validate_on_submit():
        return JOURNEY.page("identite", 422, form=form)
    family, failure = verification.find_family(form, [form.nom.data], [form.prenom.data])
    if not family:
        return JOURNEY.page("identite", 422, form=form, failure=failure)
    existing = accounts.account_of(tx(), [responsable["id"] for responsable in family])
    if existing and existing["state"] == AccountState.ACTIVE:
        return JOURNEY.page("identite", 422, form=form, failure=ALREADY_ACTIVE, show_forgotten=True)
    refusal = verification.begin(JOURNEY, family)
    if refusal:
        return JOURNEY.page("identite", 422, form=form, failure=refusal)
    return JOURNEY.go_to("code")


# Steps 2 and 3: Code reçu par SMS, Vos enfants (views/verification.py) ----------------------


@bp.get("/code")
@JOURNEY.at_step("code")
def code(state: dict):
    return verification.code_page(JOURNEY, state)


@bp.post("/code")
@JOURNEY.at_step("code")
def submit_code(state: dict):
    return verification.submit_code(JOURNEY, state)


@bp.post("/code/nouveau")
@JOURNEY.at_step("code")
def new_code(state: dict):
    return verification.new_code(JOURNEY, state)


@bp.get("/enfants")
@JOURNEY.at_step("enfants")
def enfants(state: dict):
    return verification.children_page(JOURNEY, state)


@bp.post("/enfants")
@JOURNEY.at_step("enfants")
def submit_enfants(state: dict):
    return verification.submit_children(JOURNEY, state, children_confirmed)


def children_confirmed(state: dict):
    return JOURNEY.advance(state, "mot_de_passe")


# Step 4: Votre mot de passe -----------------------------------------------------------------


def personal(state: dict) -> tuple[str, list[str]]:
    # The identifiant is not given yet: the one it will be, but for its number.
    planned = identifiers.base_identifier(state["first_name"], state["last_name"])
    return planned, [state["last_name"], state["first_name"]]


def password_chosen(state: dict, password_hash: str):
    try:
        account = accounts.create_account(
            tx(),
            state["responsable_ids"],
            state["first_name"],
            state["last_name"],
            state["phone"],
            password_hash,
            JOURNEY.kind,
            now(),
        )
    except accounts.AccountExists:
        return PASSWORD.page(state, 422, failure=ALREADY_ACTIVE)
    current_app.extensions["sms"].send(
        state["phone"],
        f"ÉduConnect : votre identifiant est {account['identifier']}. "
        "Il vous servira à chaque connexion.",
    )
    JOURNEY.finish()
    sign_in_session(account["id"])
    session["account_created"] = True
    return JOURNEY.go_to("termine")


PASSWORD = password_step.PasswordStep(
    JOURNEY, personal, password_chosen, "Créer mon compte", hashed=True
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


# Step 5: Compte activé ----------------------------------------------------------------------


@bp.get("/compte-active")
@account_required
def termine(account):
    if not session.get("account_created"):
        return redirect(url_for("services.home"), code=303)
    return JOURNEY.page("termine", identifiant=account["identifier"])


JOURNEY.views.update(termine=termine)
