"""« Mot de passe oublié ? » (journeys §5), `/mot-de-passe-oublie`: Votre identifiant →
Recevoir un code (by SMS to the mobile on file, or a link by e-mail to the confirmed address,
masked; a choice when both) → the code, or the link → Votre nouveau mot de passe (the shared
steps of views/verification.py and views/password_step.py). An identifiant with no active
account walks the same pages with a decoy (rules/recovery.py): nothing is sent and no code
works. The limits and the sending are views/recovery.py's.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for

from records import journeys
from records import recovery as records
from rules import mailed_links, sms_codes
from rules import recovery as rules

# The messages the tests read here (MAILS_DAILY_LIMIT: said by send_link, views/recovery.py).
from rules.recovery import CHANGED, CHOOSE, MAIL_SENT_AGAIN, TOO_MANY_CODES, TOO_MANY_MAILS
from rules.recovery import MAILS_DAILY_LIMIT as MAILS_DAILY_LIMIT
from views import password_step, verification
from views.auth import sign_in_session
from views.forms.forgotten_password import IdentifiantForm
from views.forms.verification import CodeForm
from views.journey import Journey, now
from views.recovery import (
    even_out_answers,
    link_lifetime,
    per_client,
    send_code,
    send_link,
    tell_password_changed,
)
from views.rendering import leave_to
from views.unit import tx

bp = Blueprint("forgotten_password", __name__, url_prefix="/mot-de-passe-oublie")
even_out_answers(bp)


# A journey's counts before it sends anything (its codes by SMS, its links by mail).
NOTHING_SENT = {"codes_sent": 0, "code": None, "mails_sent": 0, "mail": None}
JOURNEY = Journey(
    blueprint=bp.name,
    kind=journeys.Kind.RECOVERY,
    heading="Mot de passe oublié",
    titles={
        "identifiant": "Votre identifiant",
        "moyen": "Recevoir un code ou un lien",
        "code": "Vérification",
        "mot_de_passe": "Votre nouveau mot de passe",
    },
    folder="recovery",
    shared_steps=("code", "mot_de_passe"),
    components=("form", "stepper", "password", "radio"),
    detours={"courriel_envoye": "code"},
    detour_titles={"code": "Code reçu par SMS", "courriel_envoye": "Lien envoyé par courriel"},
)


def restart_form():
    return {"restart_url": url_for("forgotten_password.restart")}


# Step 1: Votre identifiant


@bp.get("")
@JOURNEY.at_step("identifiant")
def identifiant(state: dict | None):
    return JOURNEY.page("identifiant", form=IdentifiantForm(formdata=None))


@bp.post("")
@per_client
@JOURNEY.at_step("identifiant")
def submit_identifiant(state: dict | None):
    form = IdentifiantForm()
    if not form.validate_on_submit():
        return JOURNEY.page("identifiant", 422, form=form)
    ways = records.ways_of(tx(), form.identifiant.data, current_app.secret_key)
    JOURNEY.start({**ways, "step": "moyen", "verified": False, **NOTHING_SENT})
    return JOURNEY.go_to("moyen")


@bp.post("/recommencer")
def restart():
    """« Ce n'est pas mon identifiant » / « Recommencer »: the journey ends, back to step 1."""
    if JOURNEY.load() is not None:
        JOURNEY.finish()
    return leave_to(JOURNEY.url("identifiant"))


# Step 2: Recevoir un code


def ways(state: dict) -> list[tuple[str, str]]:
    return rules.ways_offered(state["masked_phone"], state["masked_email"])


def ways_page(state: dict, status: int = 200, error: str | None = None, **context):
    """The choice of a way; `error` is the choice's own, when two ways were offered."""
    return JOURNEY.page(
        "moyen",
        status,
        ways=ways(state),
        chosen=request.form.get("moyen") if request.method == "POST" else None,
        link_duration=rules.duration_text(link_lifetime()),
        error=error,
        **restart_form(),
        **context,
    )


@bp.get("/moyen")
@JOURNEY.at_step("moyen")
def moyen(state: dict):
    return ways_page(state)


@bp.post("/moyen")
@per_client
@JOURNEY.at_step("moyen")
def submit_moyen(state: dict):
    offered = dict(ways(state))
    chosen = request.form.get("moyen", "")
    if chosen not in offered:
        # Two ways: the choice's error. One way: only a changed form sends another.
        if len(offered) > 1:
            return ways_page(state, 422, error=CHOOSE)
        return ways_page(state, 422, failure=CHOOSE)
    if chosen == rules.SMS:
        refusal = send_code(state)
        next_step = "code"
    else:
        refusal = send_link(state)
        next_step = "courriel_envoye"
    if refusal:
        JOURNEY.save(state)
        return ways_page(state, 422, failure=refusal)
    return JOURNEY.advance(state, next_step)


# Step 3: the code sent by SMS, or the link sent by e-mail


def code_page(state: dict, status: int = 200, form=None, **context):
    return JOURNEY.page(
        "code",
        status,
        form=form or CodeForm(formdata=None),
        masked=state["masked_phone"],
        **context,
    )


@bp.get("/code")
@JOURNEY.at_step("code")
def code(state: dict):
    return code_page(state)


@bp.post("/code")
@JOURNEY.at_step("code")
def submit_code(state: dict):
    return verification.code_answer(JOURNEY, state, code_page, verified, state["decoy"])


def verified(state: dict):
    state["verified"] = True
    return JOURNEY.advance(state, "mot_de_passe")


@bp.post("/code/nouveau")
@per_client
@JOURNEY.at_step("code")
def new_code(state: dict):
    return verification.new_code_answer(JOURNEY, state, code_page, send_code, TOO_MANY_CODES)


def waiting_page(state: dict, status: int = 200, **context):
    return JOURNEY.page(
        "courriel_envoye",
        status,
        masked_email=state["masked_email"],
        link_duration=rules.duration_text(link_lifetime()),
        **restart_form(),
        **context,
    )


@bp.get("/courriel")
@JOURNEY.at_step("courriel_envoye")
def courriel_envoye(state: dict):
    return waiting_page(state)


@bp.post("/courriel/renvoyer")
@per_client
@JOURNEY.at_step("courriel_envoye")
def resend(state: dict):
    refusal = mailed_links.resend_refusal(
        state, now(), sms_codes.MAX_CODES_PER_JOURNEY, rules.MAIL_WAIT, TOO_MANY_MAILS
    )
    if refusal:
        return waiting_page(state, 422, failure=refusal)
    failure = send_link(state)
    JOURNEY.save(state)
    if failure:
        return waiting_page(state, 422, failure=failure)
    return waiting_page(state, notice=MAIL_SENT_AGAIN)


# Step 4: Votre nouveau mot de passe


def intro(state: dict) -> str:
    return f"Choisissez un nouveau mot de passe pour l'identifiant {state['identifier']}."


def password_chosen(state: dict, password_hash: str):
    if not state.get("verified") or state.get("decoy"):
        # Never reached: a decoy's code is never right. Kept as a guard all the same.
        return redirect(JOURNEY.url("identifiant"), code=303)
    account = records.set_password(tx(), state["account_id"], password_hash, now())
    JOURNEY.finish()
    if account is None:
        flash(rules.NOT_AVAILABLE, "error")
        return leave_to(url_for("login.show"))
    tell_password_changed(
        records.telephone_of(tx(), account),
        records.confirmed_email(account),
        rules.changed_email(
            account["first_name"], account["last_name"], account["identifier"], now()
        ),
        now(),
    )
    sign_in_session(account["id"])
    flash(CHANGED, "notice")
    return leave_to(url_for("services.home"))


PASSWORD = password_step.PasswordStep(
    JOURNEY,
    password_step.of_state,
    password_chosen,
    "Changer mon mot de passe",
    intro,
    hashed=True,
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
