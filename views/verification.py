"""The steps every activation shares (§2.1 to §2.4, reused by FranceConnect's first connection,
§3, and by the first login with a temporary password, §4): find the responsable by mobile number
and name, check the code sent by SMS, confirm the children's birth dates, choose a password. Each
journey adds its own first and last steps around them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, current_app, redirect, request, session
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from records import accounts, journeys
from rules import birthdates, passwords, phones, sms_codes
from views.journey import Journey, now
from views.rendering import render_page, wants_fragment
from views.unit import tx

NO_MATCH = (
    "Nous ne trouvons pas de responsable d'élève avec ces informations. Vérifiez votre saisie. "
    "Si votre numéro a changé, contactez le secrétariat de l'établissement de votre enfant."
)
NEW_CODE_SENT = "Un nouveau code vous a été envoyé par SMS."
WRONG_DATE = "Cette date ne correspond pas à celle que connaît l'établissement."
DATE_PARTS = ("jour", "mois", "annee")
RULES_NOT_MET = "Ce mot de passe ne respecte pas toutes les règles."


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
                for responsable in accounts.find_responsables(tx(), number, nom, prenom):
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


def send_code(state: dict, purpose: str = sms_codes.ACTIVATION) -> str | None:
    """Send a new code unless the number had its SMS of the day. The count is read under the
    number's lock and the SMS recorded (and put in the outbox) in the request's transaction:
    parallel requests for one number send no more than the quota."""
    code = sms_codes.new_code()
    issued = issue_code(code)
    sent_today = journeys.sms_sent_today(tx(), state["telephone"], now())
    if sms_codes.daily_limit_reached(sent_today, current_app.config["SMS_PER_NUMBER_PER_DAY"]):
        return sms_codes.DAILY_LIMIT_REACHED
    state["code"] = issued
    state["codes_sent"] += 1
    journeys.record_sms(tx(), state["telephone"], now())
    current_app.extensions["sms"].send(state["telephone"], sms_codes.sms_text(code, purpose))
    return None


def issue_code(code: str) -> dict:
    """The record of a code sent now, keyed by the service's secret key (rules/sms_codes.py)."""
    return sms_codes.issue(code, now(), current_app.secret_key)


def verify_code(record: dict, typed: str) -> sms_codes.CodeCheck:
    """`typed` checked against the record; a code made with a secret key being retired
    (SECRET_KEY_FALLBACKS) still counts."""
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or ()), current_app.secret_key]
    return sms_codes.check(record, typed, now(), keys)


def add_steps(bp: Blueprint, journey: Journey, after_children: Callable[[dict], object]) -> None:
    """Add the code and children steps to a journey's blueprint; `after_children(state)` answers
    once the birth dates are confirmed."""
    add_code_step(bp, journey)
    add_children_step(bp, journey, after_children)


def add_code_step(bp: Blueprint, journey: Journey) -> None:
    """The code sent by SMS (§2.2); a right code leads to the children step."""

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
        result = verify_code(state["code"], form.code.data)
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

    bp.add_url_rule("/code", "code", code, methods=["GET"])
    bp.add_url_rule("/code", "submit_code", submit_code, methods=["POST"])
    bp.add_url_rule("/code/nouveau", "new_code", new_code, methods=["POST"])
    journey.views.update(code=code)


def add_children_step(
    bp: Blueprint,
    journey: Journey,
    after_children: Callable[[dict], object],
    detachable: bool = False,
) -> None:
    """The children's birth dates (§2.3); `after_children(state)` answers once they match.

    With `detachable` (the first login with a letter, §4), each child also has the box « Je ne
    suis pas le représentant légal de cet élève »: a child ticked needs no date, and the INEs
    of the children ticked reach `after_children` in `state["detaches"]`."""

    def block_keys(state: dict) -> list[str]:
        # The responsables too, so that starting the journey again does not lift the block.
        return [
            journeys.journey_key(journey.journey_id()),
            journeys.responsables_key(state["responsables"]),
        ]

    def children_page(
        state: dict, status: int = 200, typed=None, errors=None, detached=(), **context
    ):
        children = accounts.children_of(tx(), state["responsables"])
        return journey.page(
            "enfants",
            status,
            children=children,
            typed=typed or {},
            errors=errors or {},
            detachable=detachable,
            detached=set(detached),
            **context,
        )

    def enfants():
        state, elsewhere = journey.guard("enfants")
        return elsewhere or children_page(state)

    def submit_enfants():
        state, elsewhere = journey.guard("enfants")
        if elsewhere:
            return elsewhere
        # Each key locked as it is read (records/journeys.py): the count below sees every
        # wrong date submitted before this one.
        blocks = [journeys.blocked_until(tx(), key, now()) for key in sorted(block_keys(state))]
        if any(blocks):
            until = max(until for until in blocks if until)
            return children_page(state, 422, failure=birthdates.blocked_message(until))

        typed, errors, mismatch, detached = {}, {}, False, []
        for child in accounts.children_of(tx(), state["responsables"]):
            ine = child["ine"]
            parts = [request.form.get(f"{part}-{ine}", "").strip() for part in DATE_PARTS]
            typed[ine] = parts
            if detachable and request.form.get(f"detache-{ine}"):
                # Not their child: they need not know the date, and a wrong one is no guess.
                detached.append(ine)
                continue
            try:
                if birthdates.parse(*parts).isoformat() != child["date_naissance"]:
                    errors[ine], mismatch = WRONG_DATE, True
            except birthdates.BirthDateError as error:
                errors[ine] = error.message
        if errors and not mismatch:
            # A missing or unreadable date is a typo, not a wrong guess: it costs no try.
            return children_page(state, 422, typed, errors, detached)
        if errors:
            until = journeys.record_failed_submission(tx(), block_keys(state), now())
            failure = birthdates.blocked_message(until) if until else None
            return children_page(state, 422, typed, errors, detached, failure=failure)
        journeys.clear_failed_submissions(tx(), block_keys(state))
        if detachable:
            state["detaches"] = detached
        return after_children(state)

    bp.add_url_rule("/enfants", "enfants", enfants, methods=["GET"])
    bp.add_url_rule("/enfants", "submit_enfants", submit_enfants, methods=["POST"])
    journey.views.update(enfants=enfants)


class PasswordForm(FlaskForm):
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[InputRequired("Choisissez un mot de passe.")]
    )
    confirmation = PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired("Saisissez de nouveau votre mot de passe.")],
    )


def add_password_step(
    bp: Blueprint,
    journey: Journey,
    personal: Callable[[dict], tuple[str | None, list[str]]],
    after_password: Callable[[dict, str], object],
    submit_label: str,
    intro: Callable[[dict], str | None] = lambda state: None,
    hashed: bool = False,
) -> Callable:
    """A new password with the rules of §2.4, shown met or not as the parent types (htmx posts
    the field to `…/mot-de-passe/regles`; the submit checks them again).

    `personal(state)` gives the identifiant and the names the password must not contain (from
    the state alone); `after_password(state, password)` answers once the password meets every
    rule and is confirmed; with `hashed`, it is given the password's argon2 hash instead, made
    before the request's transaction. Returns the function drawing the step, for a failure
    found after the check."""

    def rule_states(state: dict, password: str) -> list[tuple[str, str, bool]]:
        identifiant, names = personal(state)
        unmet = passwords.unmet_rules(password, identifiant, names)
        return [(key, text, key not in unmet) for key, text in passwords.PASSWORD_RULES]

    def password_page(state: dict, status: int = 200, form: PasswordForm | None = None, **context):
        form = form or PasswordForm(formdata=None)
        typed = form.mot_de_passe.data or ""
        return journey.page(
            "mot_de_passe",
            status,
            form=form,
            rules=rule_states(state, typed),
            checked=bool(typed),
            submit_label=submit_label,
            intro=intro(state),
            **context,
        )

    def mot_de_passe():
        state, elsewhere = journey.guard("mot_de_passe")
        return elsewhere or password_page(state)

    def password_rules():
        """The rules, met or not, as the parent types (htmx only)."""
        state, elsewhere = journey.guard("mot_de_passe")
        if elsewhere:
            # Typed while the step was being sent: the journey has moved on, and the answer
            # of the step (already shown) must not be replaced by another page.
            return ("", 204) if wants_fragment() else elsewhere
        if not wants_fragment():
            # Only the rules block can be drawn here: a whole page needs the step's form.
            return redirect(journey.url("mot_de_passe"), code=303)
        typed = request.form.get("mot_de_passe", "")
        number = journey.steps.index("mot_de_passe") + 1
        return render_page(
            "journeys/mot_de_passe.html",
            "password_rules",
            title=f"Étape {number} sur {len(journey.steps)} — {journey.titles['mot_de_passe']}",
            rules=rule_states(state, typed),
            checked=bool(typed),
            field_id="mot_de_passe",
            errors=[],
        )

    def acceptable(state: dict | None, form: PasswordForm) -> bool:
        return (
            state is not None
            and state["step"] == "mot_de_passe"
            and all(met for _, _, met in rule_states(state, form.mot_de_passe.data))
            and form.confirmation.data == form.mot_de_passe.data
        )

    def hash_ahead(form: PasswordForm) -> str | None:
        """The password's hash, made before the journey's lock is taken when a look at the
        journey shows it will be accepted: argon2 takes a fifth of a second or more, and on
        TinyDB that lock is the file's (every other request would wait)."""
        journey_id = session.get(journey.blueprint)
        state = journeys.load(tx(), journey_id, kind=journey.kind, now=now(), peek=True)
        return passwords.hash_password(form.mot_de_passe.data) if acceptable(state, form) else None

    def submit_mot_de_passe():
        form = PasswordForm()
        valid = form.validate_on_submit()
        early_hash = hash_ahead(form) if hashed and valid else None
        state, elsewhere = journey.guard("mot_de_passe")
        if elsewhere:
            return elsewhere
        if not valid:
            return password_page(state, 422, form)
        if not all(met for _, _, met in rule_states(state, form.mot_de_passe.data)):
            form.mot_de_passe.errors.append(RULES_NOT_MET)
            return password_page(state, 422, form)
        if form.confirmation.data != form.mot_de_passe.data:
            form.confirmation.errors.append(passwords.MISMATCH)
            return password_page(state, 422, form)
        if hashed:
            password_hash = early_hash or passwords.hash_password(form.mot_de_passe.data)
            return after_password(state, password_hash)
        return after_password(state, form.mot_de_passe.data)

    bp.add_url_rule("/mot-de-passe", "mot_de_passe", mot_de_passe, methods=["GET"])
    bp.add_url_rule("/mot-de-passe", "submit_mot_de_passe", submit_mot_de_passe, methods=["POST"])
    bp.add_url_rule("/mot-de-passe/regles", "password_rules", password_rules, methods=["POST"])
    journey.views.update(mot_de_passe=mot_de_passe)
    return password_page
