"""« Je n'ai pas encore d'identifiant » (§2): Vos informations, then the shared code and
children steps, then Votre mot de passe and Compte activé."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, session, url_for

from records import accounts
from rules import identifiers
from rules.account_states import AccountState
from views import password_step, verification
from views.auth import account_required, sign_in_session
from views.forms.registration import IdentityForm
from views.journey import Journey, now
from views.unit import tx

bp = Blueprint("inscription", __name__, url_prefix="/inscription")
JOURNEY = Journey(
    blueprint="inscription",
    kind="auto-inscription",
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


def children_confirmed(state: dict):
    return JOURNEY.advance(state, "mot_de_passe")


verification.add_steps(bp, JOURNEY, children_confirmed)


# Step 4: Votre mot de passe -----------------------------------------------------------------


def personal(state: dict) -> tuple[str, list[str]]:
    # The identifiant is not given yet: the one it will be, but for its number.
    planned = identifiers.base_identifier(state["prenom"], state["nom"])
    return planned, [state["nom"], state["prenom"]]


def password_chosen(state: dict, password_hash: str):
    try:
        account = accounts.create_account(
            tx(),
            state["responsables"],
            state["prenom"],
            state["nom"],
            state["telephone"],
            password_hash,
            JOURNEY.kind,
            now(),
        )
    except accounts.AccountExists:
        return password_page(state, 422, failure=ALREADY_ACTIVE)
    current_app.extensions["sms"].send(
        state["telephone"],
        f"ÉduConnect : votre identifiant est {account['identifier']}. "
        "Il vous servira à chaque connexion.",
    )
    JOURNEY.finish()
    sign_in_session(account["id"])
    session["account_created"] = True
    return JOURNEY.go_to("termine")


password_page = password_step.add_password_step(
    bp, JOURNEY, personal, password_chosen, "Créer mon compte", hashed=True
)


# Step 5: Compte activé ----------------------------------------------------------------------


@bp.get("/compte-active")
@account_required
def termine(account):
    if not session.get("account_created"):
        return redirect(url_for("services.home"), code=303)
    return JOURNEY.page("termine", identifiant=account["identifier"])


JOURNEY.views.update(termine=termine)
