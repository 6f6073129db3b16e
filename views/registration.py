"""« Je n'ai pas encore d'identifiant » (§2): five steps, one URL each, the journey's state kept
server-side so that no step can be skipped or replayed."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from records import accounts, journeys
from rules import birthdates, identifiers, passwords, phones, sms_codes
from views.auth import account_required, sign_in_session
from views.rendering import render_page, wants_fragment

bp = Blueprint("inscription", __name__, url_prefix="/inscription")

STEPS = ["identite", "code", "enfants", "mot_de_passe", "termine"]
TITLES = {
    "identite": "Vos informations",
    "code": "Code reçu par SMS",
    "enfants": "Vos enfants",
    "mot_de_passe": "Votre mot de passe",
    "termine": "Compte activé",
}
COMPONENTS = ("form", "stepper", "password")
DATE_PARTS = ("jour", "mois", "annee")

NO_MATCH = (
    "Nous ne trouvons pas de responsable d'élève avec ces informations. Vérifiez votre saisie. "
    "Si votre numéro a changé, contactez le secrétariat de l'établissement de votre enfant."
)
ALREADY_ACTIVE = "Vous avez déjà un compte ÉduConnect actif."
NEW_CODE_SENT = "Un nouveau code vous a été envoyé par SMS."
WRONG_DATE = "Cette date ne correspond pas à celle que connaît l'établissement."


class IdentityForm(FlaskForm):
    nom = StringField("Nom", validators=[InputRequired("Indiquez votre nom.")])
    prenom = StringField("Prénom", validators=[InputRequired("Indiquez votre prénom.")])
    telephone = StringField(
        "Numéro de téléphone portable",
        validators=[InputRequired("Indiquez votre numéro de téléphone portable.")],
    )


class CodeForm(FlaskForm):
    code = StringField("Code reçu par SMS", validators=[InputRequired("Indiquez le code reçu.")])


class PasswordForm(FlaskForm):
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[InputRequired("Choisissez un mot de passe.")]
    )
    confirmation = PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired("Saisissez de nouveau votre mot de passe.")],
    )


# The journey's state ------------------------------------------------------------------------


def store():
    return current_app.extensions["store"]


def now():
    return current_app.extensions["clock"].now()


def load_journey() -> dict | None:
    journey_id = session.get("inscription")
    return journeys.load(store(), journey_id, kind="auto-inscription", now=now())


def save_journey(state: dict) -> None:
    journeys.save(store(), session["inscription"], state)


def step_page(step: str, status: int = 200, **context):
    number = STEPS.index(step) + 1
    following = STEPS[number] if number < len(STEPS) else None
    form = context.get("form")
    field_errors = bool(context.get("errors")) or bool(form and form.errors)
    return render_page(
        f"registration/{step}.html",
        "parcours",
        title=f"Étape {number} sur {len(STEPS)} — {TITLES[step]}",
        status=status,
        components=COMPONENTS,
        step_number=number,
        step_count=len(STEPS),
        step_title=TITLES[step],
        next_title=TITLES.get(following),
        # The focus goes to the first wrong field, or else to the step's heading.
        heading_focus=not field_errors,
        **context,
    )


def go_to(step: str):
    """After a step succeeds: the next page, as a fragment for htmx (with its address pushed
    into the history) or as a redirect after the POST for a plain form."""
    url = url_for(f"inscription.{step}")
    if not wants_fragment():
        return redirect(url, code=303)
    response = VIEWS[step]()
    response.headers["HX-Push-Url"] = url
    return response


def current_step(state: dict | None) -> str:
    return state["step"] if state else "identite"


def guard(step: str):
    """The journey must be exactly at `step`; otherwise go back to where it stands."""
    state = load_journey()
    if current_step(state) != step:
        return None, redirect(url_for(f"inscription.{current_step(state)}"), code=303)
    return state, None


# Step 1: Vos informations -------------------------------------------------------------------


@bp.get("")
def identite():
    return step_page("identite", form=IdentityForm(formdata=None))


@bp.post("")
def submit_identite():
    form = IdentityForm()
    if not form.validate_on_submit():
        return step_page("identite", 422, form=form)
    try:
        numbers = phones.mobile_candidates(form.telephone.data)
    except phones.PhoneError as error:
        form.telephone.errors.append(error.message)
        return step_page("identite", 422, form=form)

    responsables = [
        found
        for number in numbers
        for found in accounts.find_responsables(store(), number, form.nom.data, form.prenom.data)
    ]
    if not responsables:
        return step_page("identite", 422, form=form, failure=NO_MATCH)
    ids = sorted({responsable["id"] for responsable in responsables})
    existing = accounts.account_of(store(), ids)
    if existing and existing["state"] == "actif":
        return step_page("identite", 422, form=form, failure=ALREADY_ACTIVE, show_forgotten=True)

    telephone = responsables[0]["telephone"]
    state = {
        "step": "code",
        "nom": responsables[0]["nom"],
        "prenom": responsables[0]["prenom"],
        "telephone": telephone,
        "responsables": ids,
        "codes_sent": 0,
        "code": None,
    }
    refusal = send_code(state)
    if refusal:
        return step_page("identite", 422, form=form, failure=refusal)
    session["inscription"] = journeys.start(store(), "auto-inscription", state, now())
    return go_to("code")


def send_code(state: dict) -> str | None:
    """Send a new code to the journey's phone, or say why not (French message)."""
    sent_today = journeys.sms_sent_today(store(), state["telephone"], now())
    if sms_codes.daily_limit_reached(sent_today, sms_limit()):
        return sms_codes.DAILY_LIMIT_REACHED
    code = sms_codes.new_code()
    state["code"] = sms_codes.issue(code, now())
    state["codes_sent"] += 1
    journeys.record_sms(store(), state["telephone"], now())
    current_app.extensions["sms"].send(state["telephone"], sms_codes.sms_text(code))
    return None


def sms_limit() -> int:
    return current_app.config.get("SMS_PER_NUMBER_PER_DAY", sms_codes.MAX_SMS_PER_NUMBER_PER_DAY)


# Step 2: Code reçu par SMS ------------------------------------------------------------------


def code_page(state: dict, status: int = 200, form: CodeForm | None = None, **context):
    return step_page(
        "code",
        status,
        form=form or CodeForm(formdata=None),
        masked=phones.mask_mobile(state["telephone"]),
        **context,
    )


@bp.get("/code")
def code():
    state, elsewhere = guard("code")
    return elsewhere or code_page(state)


@bp.post("/code")
def submit_code():
    state, elsewhere = guard("code")
    if elsewhere:
        return elsewhere
    form = CodeForm()
    if not form.validate_on_submit():
        return code_page(state, 422, form)
    result = sms_codes.check(state["code"], form.code.data, now())
    save_journey(state)
    if result is not sms_codes.CodeCheck.OK:
        form.code.errors.append(
            sms_codes.check_message(result, sms_codes.tries_left(state["code"]))
        )
        form.code.data = ""
        return code_page(state, 422, form)
    state["step"] = "enfants"
    save_journey(state)
    return go_to("enfants")


@bp.post("/code/nouveau")
def new_code():
    state, elsewhere = guard("code")
    if elsewhere:
        return elsewhere
    resend = sms_codes.can_resend(state["code"], state["codes_sent"], now())
    if not resend.allowed:
        return code_page(state, 422, failure=sms_codes.resend_message(resend))
    refusal = send_code(state)
    save_journey(state)
    if refusal:
        return code_page(state, 422, failure=refusal)
    return code_page(state, status=200, notice=NEW_CODE_SENT)


# Step 3: Vos enfants ------------------------------------------------------------------------


def block_keys(state: dict) -> list[str]:
    # The responsables too, so that starting the journey again does not lift the block.
    return [
        journeys.journey_key(session["inscription"]),
        journeys.responsables_key(state["responsables"]),
    ]


def children_page(state: dict, status: int = 200, **context):
    children = accounts.children_of(store(), state["responsables"])
    return step_page("enfants", status, children=children, **context)


@bp.get("/enfants")
def enfants():
    state, elsewhere = guard("enfants")
    return elsewhere or children_page(state, typed={}, errors={})


@bp.post("/enfants")
def submit_enfants():
    state, elsewhere = guard("enfants")
    if elsewhere:
        return elsewhere
    blocks = [journeys.blocked_until(store(), key, now()) for key in block_keys(state)]
    if any(blocks):
        failure = birthdates.blocked_message(max(until for until in blocks if until))
        return children_page(state, 422, typed={}, errors={}, failure=failure)

    children = accounts.children_of(store(), state["responsables"])
    typed, errors, mismatch = {}, {}, False
    for child in children:
        ine = child["ine"]
        parts = [request.form.get(f"{part}-{ine}", "").strip() for part in DATE_PARTS]
        typed[ine] = parts
        try:
            if birthdates.parse(*parts).isoformat() != child["date_naissance"]:
                errors[ine], mismatch = WRONG_DATE, True
        except birthdates.BirthDateError as error:
            errors[ine] = error.message
    if errors and not mismatch:
        # A missing or unreadable date is a typo, not a wrong guess: it costs no try.
        return children_page(state, 422, typed=typed, errors=errors)
    if errors:
        until = journeys.record_failed_submission(store(), block_keys(state), now())
        failure = birthdates.blocked_message(until) if until else None
        return children_page(state, 422, typed=typed, errors=errors, failure=failure)
    journeys.clear_failed_submissions(store(), block_keys(state))
    state["step"] = "mot_de_passe"
    save_journey(state)
    return go_to("mot_de_passe")


# Step 4: Votre mot de passe -----------------------------------------------------------------


def rule_states(state: dict, password: str) -> list[tuple[str, str, bool]]:
    unmet = passwords.unmet_rules(
        password, planned_identifier(state), [state["nom"], state["prenom"]]
    )
    return [(key, text, key not in unmet) for key, text in passwords.PASSWORD_RULES]


def planned_identifier(state: dict) -> str:
    return identifiers.base_identifier(state["prenom"], state["nom"])


def password_page(state: dict, status: int = 200, form: PasswordForm | None = None, **context):
    form = form or PasswordForm(formdata=None)
    typed = form.mot_de_passe.data or ""
    return step_page(
        "mot_de_passe",
        status,
        form=form,
        rules=rule_states(state, typed),
        checked=bool(typed),
        **context,
    )


@bp.get("/mot-de-passe")
def mot_de_passe():
    state, elsewhere = guard("mot_de_passe")
    return elsewhere or password_page(state)


@bp.post("/mot-de-passe/regles")
def password_rules():
    """The rules, met or not, as the parent types (htmx only; the submit checks them again)."""
    state, elsewhere = guard("mot_de_passe")
    if elsewhere:
        return elsewhere
    if not wants_fragment():
        # Only the rules block can be drawn here: a whole page needs the step's form.
        return redirect(url_for("inscription.mot_de_passe"), code=303)
    typed = request.form.get("mot_de_passe", "")
    return render_page(
        "registration/mot_de_passe.html",
        "password_rules",
        title=f"Étape 4 sur {len(STEPS)} — {TITLES['mot_de_passe']}",
        rules=rule_states(state, typed),
        checked=bool(typed),
        field_id="mot_de_passe",
        errors=[],
    )


@bp.post("/mot-de-passe")
def submit_mot_de_passe():
    state, elsewhere = guard("mot_de_passe")
    if elsewhere:
        return elsewhere
    form = PasswordForm()
    if not form.validate_on_submit():
        return password_page(state, 422, form)
    rules = rule_states(state, form.mot_de_passe.data)
    if not all(met for _, _, met in rules):
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
            "auto-inscription",
            now(),
        )
    except accounts.AccountExists:
        return password_page(state, 422, failure=ALREADY_ACTIVE)
    current_app.extensions["sms"].send(
        state["telephone"],
        f"ÉduConnect : votre identifiant est {account['identifiant']}. "
        "Il vous servira à chaque connexion.",
    )
    journeys.finish(store(), session["inscription"])
    sign_in_session(account["id"])
    session["compte_cree"] = True
    return go_to("termine")


# Step 5: Compte activé ----------------------------------------------------------------------


@bp.get("/compte-active")
@account_required
def termine(account):
    if not session.get("compte_cree"):
        return redirect(url_for("services.home"), code=303)
    return step_page("termine", identifiant=account["identifiant"])


VIEWS = {
    "code": code,
    "enfants": enfants,
    "mot_de_passe": mot_de_passe,
    "termine": termine,
}
