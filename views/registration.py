"""« Je n'ai pas encore d'identifiant » (§2): Vos informations, then the shared code and
children steps, then Votre mot de passe and Compte activé."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from records import accounts
from rules import identifiers, passwords
from views import verification
from views.auth import account_required, sign_in_session
from views.journey import Journey, now, store
from views.rendering import render_page, wants_fragment

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


class IdentityForm(FlaskForm):
    nom = StringField("Nom", validators=[InputRequired("Indiquez votre nom.")])
    prenom = StringField("Prénom", validators=[InputRequired("Indiquez votre prénom.")])
    telephone = StringField(
        "Numéro de téléphone portable",
        validators=[InputRequired("Indiquez votre numéro de téléphone portable.")],
    )


class PasswordForm(FlaskForm):
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[InputRequired("Choisissez un mot de passe.")]
    )
    confirmation = PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired("Saisissez de nouveau votre mot de passe.")],
    )


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
    existing = accounts.account_of(store(), [responsable["id"] for responsable in family])
    if existing and existing["state"] == "actif":
        return JOURNEY.page("identite", 422, form=form, failure=ALREADY_ACTIVE, show_forgotten=True)
    refusal = verification.begin(JOURNEY, family)
    if refusal:
        return JOURNEY.page("identite", 422, form=form, failure=refusal)
    return JOURNEY.go_to("code")


def children_confirmed(state: dict):
    state["step"] = "mot_de_passe"
    JOURNEY.save(state)
    return JOURNEY.go_to("mot_de_passe")


verification.add_steps(bp, JOURNEY, children_confirmed)


# Step 4: Votre mot de passe -----------------------------------------------------------------


def rule_states(state: dict, password: str) -> list[tuple[str, str, bool]]:
    planned = identifiers.base_identifier(state["prenom"], state["nom"])
    unmet = passwords.unmet_rules(password, planned, [state["nom"], state["prenom"]])
    return [(key, text, key not in unmet) for key, text in passwords.PASSWORD_RULES]


def password_page(state: dict, status: int = 200, form: PasswordForm | None = None, **context):
    form = form or PasswordForm(formdata=None)
    typed = form.mot_de_passe.data or ""
    return JOURNEY.page(
        "mot_de_passe",
        status,
        form=form,
        rules=rule_states(state, typed),
        checked=bool(typed),
        **context,
    )


@bp.get("/mot-de-passe")
def mot_de_passe():
    state, elsewhere = JOURNEY.guard("mot_de_passe")
    return elsewhere or password_page(state)


@bp.post("/mot-de-passe/regles")
def password_rules():
    """The rules, met or not, as the parent types (htmx only; the submit checks them again)."""
    state, elsewhere = JOURNEY.guard("mot_de_passe")
    if elsewhere:
        return elsewhere
    if not wants_fragment():
        # Only the rules block can be drawn here: a whole page needs the step's form.
        return redirect(JOURNEY.url("mot_de_passe"), code=303)
    typed = request.form.get("mot_de_passe", "")
    return render_page(
        "journeys/mot_de_passe.html",
        "password_rules",
        title=f"Étape 4 sur 5 — {JOURNEY.titles['mot_de_passe']}",
        rules=rule_states(state, typed),
        checked=bool(typed),
        field_id="mot_de_passe",
        errors=[],
    )


@bp.post("/mot-de-passe")
def submit_mot_de_passe():
    state, elsewhere = JOURNEY.guard("mot_de_passe")
    if elsewhere:
        return elsewhere
    form = PasswordForm()
    if not form.validate_on_submit():
        return password_page(state, 422, form)
    if not all(met for _, _, met in rule_states(state, form.mot_de_passe.data)):
        form.mot_de_passe.errors.append("Ce mot de passe ne respecte pas toutes les règles.")
        return password_page(state, 422, form)
    if form.confirmation.data != form.mot_de_passe.data:
        form.confirmation.errors.append(passwords.MISMATCH)
        return password_page(state, 422, form)
    try:
        account = accounts.create_account(
            store(),
            state["responsables"],
            state["prenom"],
            state["nom"],
            state["telephone"],
            passwords.hash_password(form.mot_de_passe.data),
            JOURNEY.kind,
            now(),
        )
    except accounts.AccountExists:
        return password_page(state, 422, failure=ALREADY_ACTIVE)
    current_app.extensions["sms"].send(
        state["telephone"],
        f"ÉduConnect : votre identifiant est {account['identifiant']}. "
        "Il vous servira à chaque connexion.",
    )
    JOURNEY.finish()
    sign_in_session(account["id"])
    session["compte_cree"] = True
    return JOURNEY.go_to("termine")


# Step 5: Compte activé ----------------------------------------------------------------------


@bp.get("/compte-active")
@account_required
def termine(account):
    if not session.get("compte_cree"):
        return redirect(url_for("services.home"), code=303)
    return JOURNEY.page("termine", identifiant=account["identifiant"])


JOURNEY.views.update(mot_de_passe=mot_de_passe, termine=termine)
