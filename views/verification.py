"""The steps every activation shares (§2.1 to §2.4, reused by FranceConnect's first connection,
§3, and by the first login with a temporary password, §4): find the responsable by mobile number
and name, check the code sent by SMS, confirm the children's birth dates; the password they end
with is views/password_step.py's. Each journey declares these steps' routes in its own module
(views/registration.py, views/franceconnect.py, views/activation.py), views that call the
handlers here, and adds its own first and last steps around them."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import current_app, request

from records import accounts, journeys
from rules import birthdates, phones, sms_codes
from views.forms.verification import CodeForm
from views.journey import Journey, now
from views.unit import tx

NO_MATCH = (
    "Nous ne trouvons pas de responsable d'élève avec ces informations. Vérifiez votre saisie. "
    "Si votre numéro a changé, contactez le secrétariat de l'établissement de votre enfant."
)
NEW_CODE_SENT = "Un nouveau code vous a été envoyé par SMS."
WRONG_DATE = "Cette date ne correspond pas à celle que connaît l'établissement."
DATE_PARTS = ("jour", "mois", "annee")
RULES_NOT_MET = "Ce mot de passe ne respecte pas toutes les règles."


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
        "last_name": first["nom"],
        "first_name": first["prenom"],
        "phone": first["telephone"],
        "responsable_ids": sorted(responsable["id"] for responsable in responsables),
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
    sent_today = journeys.sms_sent_today(tx(), state["phone"], now())
    if sms_codes.daily_limit_reached(sent_today, current_app.config["SMS_PER_NUMBER_PER_DAY"]):
        return sms_codes.DAILY_LIMIT_REACHED
    state["code"] = issued
    state["codes_sent"] += 1
    journeys.record_sms(tx(), state["phone"], now())
    current_app.extensions["sms"].send(state["phone"], sms_codes.sms_text(code, purpose))
    return None


def issue_code(code: str) -> dict:
    """The record of a code sent now, keyed by the service's secret key (rules/sms_codes.py)."""
    return sms_codes.issue(code, now(), current_app.secret_key)


def verify_code(record: dict, typed: str) -> sms_codes.CodeCheck:
    """`typed` checked against the record; a code made with a secret key being retired
    (SECRET_KEY_FALLBACKS) still counts."""
    keys = [*(current_app.config.get("SECRET_KEY_FALLBACKS") or ()), current_app.secret_key]
    return sms_codes.check(record, typed, now(), keys)


def code_page(
    journey: Journey, state: dict, status: int = 200, form: CodeForm | None = None, **context
):
    """The shared code step (§2.2): the code sent by SMS to the masked mobile."""
    return journey.page(
        "code",
        status,
        form=form or CodeForm(formdata=None),
        masked=phones.mask_mobile(state["phone"]),
        **context,
    )


def submit_code(journey: Journey, state: dict):
    """The code typed at the shared code step; a right one leads to the children step."""
    page = partial(code_page, journey)
    return code_answer(journey, state, page, lambda _: journey.advance(state, "enfants"))


def new_code(journey: Journey, state: dict):
    """« Recevoir un nouveau code » at the shared code step."""
    return new_code_answer(journey, state, partial(code_page, journey), send_code)


def code_answer(
    journey: Journey,
    state: dict,
    page: Callable,
    right: Callable[[dict], object],
    no_code_is_right: bool = False,
):
    """The code typed at a journey's code step: `right(state)` answers a right one; any other
    is counted (the state saved either way) and the step, drawn by `page`, says why. With
    `no_code_is_right` (a decoy's journey) every code is answered as a wrong one."""
    form = CodeForm()
    if not form.validate_on_submit():
        return page(state, 422, form)
    result = verify_code(state["code"], form.code.data)
    journey.save(state)
    if result is not sms_codes.CodeCheck.OK or no_code_is_right:
        tries_left = sms_codes.tries_left(state["code"])
        form.code.errors.append(sms_codes.check_message(result, tries_left))
        form.code.data = ""
        return page(state, 422, form)
    return right(state)


def new_code_answer(
    journey: Journey,
    state: dict,
    page: Callable,
    send: Callable[[dict], str | None],
    too_many: str | None = None,
):
    """« Recevoir un nouveau code » at a journey's code step: `send(state)` sends it, unless it
    is too soon or the journey had its codes (`too_many`, when the journey says it its own way)."""
    resend = sms_codes.can_resend(state["code"], state["codes_sent"], now())
    if too_many and resend.status is sms_codes.ResendStatus.TOO_MANY:
        return page(state, 422, failure=too_many)
    if not resend.allowed:
        return page(state, 422, failure=sms_codes.resend_message(resend))
    refusal = send(state)
    journey.save(state)
    if refusal:
        return page(state, 422, failure=refusal)
    return page(state, notice=NEW_CODE_SENT)


def block_keys(journey: Journey, state: dict) -> list[str]:
    # The responsables too, so that starting the journey again does not lift the block.
    return [
        journeys.journey_key(journey.journey_id()),
        journeys.responsables_key(state["responsable_ids"]),
    ]


def children_page(
    journey: Journey,
    state: dict,
    status: int = 200,
    typed=None,
    errors=None,
    detached=(),
    detachable: bool = False,
    **context,
):
    """The shared children step (§2.3): each child's birth date. With `detachable` (the first
    login with a letter, §4), each child also has the box « Je ne suis pas le représentant
    légal de cet élève »."""
    children = accounts.children_of(tx(), state["responsable_ids"])
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


def submit_children(
    journey: Journey,
    state: dict,
    after_children: Callable[[dict], object],
    detachable: bool = False,
):
    """The birth dates typed at the shared children step; `after_children(state)` answers once
    they match. With `detachable`, a child ticked needs no date, and the INEs of the children
    ticked reach `after_children` in `state["detached"]`."""
    page = partial(children_page, journey, detachable=detachable)
    # Each key locked as it is read (records/journeys.py): the count below sees every wrong
    # date submitted before this one.
    keys = block_keys(journey, state)
    blocks = [journeys.blocked_until(tx(), key, now()) for key in sorted(keys)]
    if any(blocks):
        until = max(until for until in blocks if until)
        return page(state, 422, failure=birthdates.blocked_message(until))

    typed, errors, mismatch, detached = {}, {}, False, []
    for child in accounts.children_of(tx(), state["responsable_ids"]):
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
        return page(state, 422, typed, errors, detached)
    if errors:
        until = journeys.record_failed_submission(tx(), keys, now())
        failure = birthdates.blocked_message(until) if until else None
        return page(state, 422, typed, errors, detached, failure=failure)
    journeys.clear_failed_submissions(tx(), keys)
    if detachable:
        state["detached"] = detached
    return after_children(state)
