"""The steps every activation shares (§2.1 to §2.3, reused by FranceConnect's first connection,
§3): find the responsable by mobile number and name, check the code sent by SMS, confirm the
children's birth dates. Each journey adds its own first and last steps around them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, request
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from records import accounts, journeys
from rules import birthdates, phones, sms_codes
from views.journey import Journey, now, store

NO_MATCH = (
    "Nous ne trouvons pas de responsable d'élève avec ces informations. Vérifiez votre saisie. "
    "Si votre numéro a changé, contactez le secrétariat de l'établissement de votre enfant."
)
NEW_CODE_SENT = "Un nouveau code vous a été envoyé par SMS."
WRONG_DATE = "Cette date ne correspond pas à celle que connaît l'établissement."
DATE_PARTS = ("jour", "mois", "annee")


class CodeForm(FlaskForm):
    code = StringField("Code reçu par SMS", validators=[InputRequired("Indiquez le code reçu.")])


def find_family(form, noms: list[str], prenoms: list[str]) -> tuple[list[dict], str | None]:
    """Every responsable record, in every school, with the mobile typed in `form.telephone`
    and one of these names. None found: the reason is on the field (not a French mobile) or
    returned (no such responsable)."""
    try:
        numbers = phones.mobile_candidates(form.telephone.data)
    except phones.PhoneError as error:
        form.telephone.errors.append(error.message)
        return [], None
    found = {}
    for number in numbers:
        for nom in noms:
            for prenom in prenoms:
                for responsable in accounts.find_responsables(store(), number, nom, prenom):
                    found[responsable["id"]] = responsable
    return list(found.values()), (None if found else NO_MATCH)


def begin(journey: Journey, responsables: list[dict], **extra) -> str | None:
    """Start the journey at the code step with a first code sent by SMS; or say, in French,
    why no code can be sent."""
    first = responsables[0]
    state = {
        "step": "code",
        "nom": first["nom"],
        "prenom": first["prenom"],
        "telephone": first["telephone"],
        "responsables": sorted(responsable["id"] for responsable in responsables),
        "codes_sent": 0,
        "code": None,
        **extra,
    }
    refusal = send_code(state)
    if refusal is None:
        journey.start(state)
    return refusal


def send_code(state: dict) -> str | None:
    sent_today = journeys.sms_sent_today(store(), state["telephone"], now())
    if sms_codes.daily_limit_reached(sent_today, current_app.config["SMS_PER_NUMBER_PER_DAY"]):
        return sms_codes.DAILY_LIMIT_REACHED
    code = sms_codes.new_code()
    state["code"] = sms_codes.issue(code, now())
    state["codes_sent"] += 1
    journeys.record_sms(store(), state["telephone"], now())
    current_app.extensions["sms"].send(state["telephone"], sms_codes.sms_text(code))
    return None


def add_steps(bp: Blueprint, journey: Journey, after_children: Callable[[dict], object]) -> None:
    """Add the code and children steps to a journey's blueprint; `after_children(state)` answers
    once the birth dates are confirmed."""

    def code_page(state: dict, status: int = 200, form: CodeForm | None = None, **context):
        return journey.page(
            "code",
            status,
            form=form or CodeForm(formdata=None),
            masked=phones.mask_mobile(state["telephone"]),
            **context,
        )

    def code():
        state, elsewhere = journey.guard("code")
        return elsewhere or code_page(state)

    def submit_code():
        state, elsewhere = journey.guard("code")
        if elsewhere:
            return elsewhere
        form = CodeForm()
        if not form.validate_on_submit():
            return code_page(state, 422, form)
        result = sms_codes.check(state["code"], form.code.data, now())
        journey.save(state)
        if result is not sms_codes.CodeCheck.OK:
            tries_left = sms_codes.tries_left(state["code"])
            form.code.errors.append(sms_codes.check_message(result, tries_left))
            form.code.data = ""
            return code_page(state, 422, form)
        state["step"] = "enfants"
        journey.save(state)
        return journey.go_to("enfants")

    def new_code():
        state, elsewhere = journey.guard("code")
        if elsewhere:
            return elsewhere
        resend = sms_codes.can_resend(state["code"], state["codes_sent"], now())
        if not resend.allowed:
            return code_page(state, 422, failure=sms_codes.resend_message(resend))
        refusal = send_code(state)
        journey.save(state)
        if refusal:
            return code_page(state, 422, failure=refusal)
        return code_page(state, notice=NEW_CODE_SENT)

    def block_keys(state: dict) -> list[str]:
        # The responsables too, so that starting the journey again does not lift the block.
        return [
            journeys.journey_key(journey.journey_id()),
            journeys.responsables_key(state["responsables"]),
        ]

    def children_page(state: dict, status: int = 200, typed=None, errors=None, **context):
        children = accounts.children_of(store(), state["responsables"])
        return journey.page(
            "enfants",
            status,
            children=children,
            typed=typed or {},
            errors=errors or {},
            **context,
        )

    def enfants():
        state, elsewhere = journey.guard("enfants")
        return elsewhere or children_page(state)

    def submit_enfants():
        state, elsewhere = journey.guard("enfants")
        if elsewhere:
            return elsewhere
        blocks = [journeys.blocked_until(store(), key, now()) for key in block_keys(state)]
        if any(blocks):
            until = max(until for until in blocks if until)
            return children_page(state, 422, failure=birthdates.blocked_message(until))

        typed, errors, mismatch = {}, {}, False
        for child in accounts.children_of(store(), state["responsables"]):
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
            return children_page(state, 422, typed, errors)
        if errors:
            until = journeys.record_failed_submission(store(), block_keys(state), now())
            failure = birthdates.blocked_message(until) if until else None
            return children_page(state, 422, typed, errors, failure=failure)
        journeys.clear_failed_submissions(store(), block_keys(state))
        return after_children(state)

    bp.add_url_rule("/code", "code", code, methods=["GET"])
    bp.add_url_rule("/code", "submit_code", submit_code, methods=["POST"])
    bp.add_url_rule("/code/nouveau", "new_code", new_code, methods=["POST"])
    bp.add_url_rule("/enfants", "enfants", enfants, methods=["GET"])
    bp.add_url_rule("/enfants", "submit_enfants", submit_enfants, methods=["POST"])
    journey.views.update(code=code, enfants=enfants)
