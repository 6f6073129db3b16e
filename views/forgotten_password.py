"""« Mot de passe oublié ? » (journeys §5), `/mot-de-passe-oublie`: Votre identifiant →
Recevoir un code (by SMS to the mobile on file, or a link by e-mail to the confirmed address,
masked; a choice when both) → the code, or the link → Votre nouveau mot de passe (the shared
password step of views/verification.py). An identifiant with no active account walks the same
pages with a decoy (rules/recovery.py): nothing is sent and no code works. The limits are
views/recovery.py's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from records import accounts
from records import recovery as records
from rules import phones, sms_codes
from rules import recovery as rules
from views import verification
from views.auth import sign_in_session
from views.journey import Journey, now
from views.mailed_links import LinkPages
from views.recovery import (
    even_out_answers,
    mails_per_day,
    per_client,
    send_mail,
    send_sms,
    sms_per_day,
)
from views.rendering import leave_to
from views.unit import tx

bp = Blueprint("recovery", __name__, url_prefix="/mot-de-passe-oublie")
even_out_answers(bp)


def link_lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["RECOVERY_LINK_LIFETIME"])


# Steps drawn by the templates every journey shares; the others are in templates/recovery/.
SHARED_TEMPLATES = ("code", "mot_de_passe")


class RecoveryJourney(Journey):
    def page(self, step: str, status: int = 200, **context):
        if step in SHARED_TEMPLATES:
            return Journey.page(replace(self, folder="journeys"), step, status, **context)
        return super().page(step, status, **context)


JOURNEY = RecoveryJourney(
    blueprint="recovery",
    kind="recuperation",
    heading="Mot de passe oublié",
    titles={
        "identifiant": "Votre identifiant",
        "moyen": "Recevoir un code ou un lien",
        "code": "Vérification",
        "mot_de_passe": "Votre nouveau mot de passe",
    },
    folder="recovery",
    components=("form", "stepper", "password", "radio"),
    detours={"courriel_envoye": "code"},
    detour_titles={"code": "Code reçu par SMS", "courriel_envoye": "Lien envoyé par courriel"},
)

CHOOSE = "Choisissez comment recevoir votre code ou votre lien."
TOO_MANY_CODES = (
    "Vous avez demandé le nombre maximal de codes pour cette démarche. Recommencez plus tard."
)
TOO_MANY_MAILS = (
    "Vous avez demandé le nombre maximal de courriels pour cette démarche. Recommencez plus tard."
)
MAILS_DAILY_LIMIT = (
    "Trop de courriels ont été envoyés à cette adresse ces dernières 24 heures. Réessayez plus "
    "tard."
)
MAIL_WAIT = "Vous pourrez demander un nouveau courriel dans {seconds} seconde{s}."
MAIL_FAILED = "Le courriel n'a pas pu être envoyé. Réessayez dans quelques minutes."
MAIL_SENT_AGAIN = "Un nouveau courriel vous a été envoyé : seul le lien du dernier fonctionne."
NOT_AVAILABLE = (
    "Le mot de passe de ce compte ne peut pas être changé. Contactez le secrétariat de "
    "l'établissement de votre enfant."
)
CHANGED = (
    "Votre mot de passe a été changé et vous êtes connecté. Les autres appareils connectés à "
    "votre compte ont été déconnectés."
)
LINK_PAGES = {
    "invalid": (
        400,
        "Lien non valide",
        "Ce lien n'est pas valide. Ouvrez-le directement depuis le courriel reçu, ou copiez son "
        "adresse en entier.",
    ),
    "expired": (
        410,
        "Lien expiré",
        "Ce lien a expiré : il était valable {duration}. Recommencez « Mot de passe oublié ? » "
        "pour en recevoir un nouveau.",
    ),
    "spent": (
        410,
        "Lien déjà utilisé ou remplacé",
        "Ce lien n'est plus valable : il a déjà servi, ou un lien plus récent vous a été "
        "envoyé. Utilisez le dernier courriel reçu, ou recommencez « Mot de passe oublié ? ».",
    ),
}


class IdentifiantForm(FlaskForm):
    identifiant = StringField(
        "Identifiant", validators=[InputRequired("Indiquez votre identifiant.")]
    )


def restart_form():
    return {"restart_url": url_for("recovery.restart")}


# Step 1: Votre identifiant


@bp.get("")
def identifiant():
    state, elsewhere = JOURNEY.guard("identifiant")
    return elsewhere or JOURNEY.page("identifiant", form=IdentifiantForm(formdata=None))


@bp.post("")
@per_client
def submit_identifiant():
    state, elsewhere = JOURNEY.guard("identifiant")
    if elsewhere:
        return elsewhere
    form = IdentifiantForm()
    if not form.validate_on_submit():
        return JOURNEY.page("identifiant", 422, form=form)
    JOURNEY.start(begin_state(form.identifiant.data))
    return JOURNEY.go_to("moyen")


def begin_state(typed: str) -> dict:
    """The journey of this identifiant: its account's ways when it is active and has one,
    else a decoy's (same steps, nothing sent)."""
    common = {
        "step": "moyen",
        "codes_sent": 0,
        "code": None,
        "mails_sent": 0,
        "mail": None,
        "verified": False,
    }
    account = accounts.find_by_identifiant(tx(), typed)
    if account is not None and account["state"] == records.ACTIVE:
        telephone = records.telephone_of(tx(), account)
        email = records.confirmed_email(account)
        if telephone or email:
            return {
                **common,
                "decoy": False,
                "compte": account["id"],
                "identifiant": account["identifiant"],
                "nom": account["nom"],
                "prenom": account["prenom"],
                "telephone": telephone,
                "email": email,
                "masked_phone": phones.mask_mobile(telephone) if telephone else None,
                "masked_email": rules.mask_email(email) if email else None,
            }
    decoy = rules.decoy(current_app.secret_key, typed)
    return {
        **common,
        "decoy": True,
        "compte": None,
        "identifiant": typed.strip()[:100],
        "nom": "",
        "prenom": "",
        "telephone": decoy["telephone"],
        "email": None,
        "masked_phone": phones.mask_mobile(decoy["telephone"]),
        "masked_email": decoy["masked_email"],
    }


@bp.post("/recommencer")
def restart():
    """« Ce n'est pas mon identifiant » / « Recommencer »: the journey ends, back to step 1."""
    if JOURNEY.load() is not None:
        JOURNEY.finish()
    return leave_to(JOURNEY.url("identifiant"))


# Step 2: Recevoir un code


def ways(state: dict) -> list[tuple[str, str]]:
    found = []
    if state["masked_phone"]:
        found.append((rules.SMS, f"Par SMS au {state['masked_phone']}"))
    if state["masked_email"]:
        found.append((rules.EMAIL, f"Par courriel à {state['masked_email']}"))
    return found


def ways_page(state: dict, status: int = 200, **context):
    return JOURNEY.page(
        "moyen",
        status,
        ways=ways(state),
        chosen=request.form.get("moyen") if request.method == "POST" else None,
        link_duration=rules.duration_text(link_lifetime()),
        **restart_form(),
        **context,
    )


@bp.get("/moyen")
def moyen():
    state, elsewhere = JOURNEY.guard("moyen")
    return elsewhere or ways_page(state)


@bp.post("/moyen")
@per_client
def submit_moyen():
    state, elsewhere = JOURNEY.guard("moyen")
    if elsewhere:
        return elsewhere
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
    state["step"] = next_step
    JOURNEY.save(state)
    return JOURNEY.go_to(next_step)


def send_code(state: dict) -> str | None:
    """A new code by SMS, within the number's quota of the day; or why not, in French."""
    if not state["decoy"]:
        return verification.send_code(state, rules.CODE_PURPOSE)
    # A decoy: the same hashing and quota, under a key of its own, and nothing sent.
    issued = verification.issue_code(rules.decoy_code())
    key = records.decoy_key(rules.SMS, state["identifiant"])
    if sms_codes.daily_limit_reached(records.sent_today(tx(), key, now()), sms_per_day()):
        return sms_codes.DAILY_LIMIT_REACHED
    state["code"] = issued
    state["codes_sent"] += 1
    records.record_sent(tx(), key, now())
    return None


def send_link(state: dict) -> str | None:
    """A new link by e-mail (any link sent before stops working), within the address's quota
    of the day; or why not, in French."""
    if state["decoy"]:
        key = records.decoy_key(rules.EMAIL, state["identifiant"])
    else:
        key = records.mail_key(state["email"])
    if records.sent_today(tx(), key, now()) >= mails_per_day():
        return MAILS_DAILY_LIMIT
    if not state["decoy"]:
        nonce = records.await_link(tx(), state["compte"], state["email"], now())
        if nonce is None:
            return NOT_AVAILABLE
        token = rules.make_token(current_app.secret_key, state["compte"], nonce, now())
        link = url_for("recovery.lien", token=token, _external=True)
        subject, body = rules.link_email(state["prenom"], state["nom"], link, link_lifetime())
        if not send_mail(state["email"], subject, body):
            return MAIL_FAILED
    records.record_sent(tx(), key, now())
    state["mails_sent"] += 1
    state["mail"] = {"sent_at": now().isoformat()}
    return None


# Step 3: the code sent by SMS, or the link sent by e-mail


def code_page(state: dict, status: int = 200, form=None, **context):
    return JOURNEY.page(
        "code",
        status,
        form=form or verification.CodeForm(formdata=None),
        masked=state["masked_phone"],
        **context,
    )


@bp.get("/code")
def code():
    state, elsewhere = JOURNEY.guard("code")
    return elsewhere or code_page(state)


@bp.post("/code")
def submit_code():
    state, elsewhere = JOURNEY.guard("code")
    if elsewhere:
        return elsewhere
    form = verification.CodeForm()
    if not form.validate_on_submit():
        return code_page(state, 422, form)
    result = verification.verify_code(state["code"], form.code.data)
    JOURNEY.save(state)
    if result is not sms_codes.CodeCheck.OK or state["decoy"]:
        form.code.errors.append(
            sms_codes.check_message(result, sms_codes.tries_left(state["code"]))
        )
        form.code.data = ""
        return code_page(state, 422, form)
    state["step"] = "mot_de_passe"
    state["verified"] = True
    JOURNEY.save(state)
    return JOURNEY.go_to("mot_de_passe")


@bp.post("/code/nouveau")
@per_client
def new_code():
    state, elsewhere = JOURNEY.guard("code")
    if elsewhere:
        return elsewhere
    resend = sms_codes.can_resend(state["code"], state["codes_sent"], now())
    if resend.status is sms_codes.ResendStatus.TOO_MANY:
        return code_page(state, 422, failure=TOO_MANY_CODES)
    if not resend.allowed:
        return code_page(state, 422, failure=sms_codes.resend_message(resend))
    refusal = send_code(state)
    JOURNEY.save(state)
    if refusal:
        return code_page(state, 422, failure=refusal)
    return code_page(state, notice=verification.NEW_CODE_SENT)


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
def courriel_envoye():
    state, elsewhere = JOURNEY.guard("courriel_envoye")
    return elsewhere or waiting_page(state)


@bp.post("/courriel/renvoyer")
@per_client
def resend():
    state, elsewhere = JOURNEY.guard("courriel_envoye")
    if elsewhere:
        return elsewhere
    allowed = sms_codes.can_resend(state["mail"], state["mails_sent"], now())
    if allowed.status is sms_codes.ResendStatus.WAIT:
        plural = "s" if allowed.seconds_left > 1 else ""
        return waiting_page(
            state, 422, failure=MAIL_WAIT.format(seconds=allowed.seconds_left, s=plural)
        )
    if not allowed.allowed:
        return waiting_page(state, 422, failure=TOO_MANY_MAILS)
    failure = send_link(state)
    JOURNEY.save(state)
    if failure:
        return waiting_page(state, 422, failure=failure)
    return waiting_page(state, notice=MAIL_SENT_AGAIN)


JOURNEY.views.update(
    identifiant=identifiant, moyen=moyen, code=code, courriel_envoye=courriel_envoye
)


# The link sent by e-mail


LINKS = LinkPages(
    "recovery/lien.html",
    LINK_PAGES,
    text_values=lambda: {"duration": rules.duration_text(link_lifetime())},
)


def read_link(token: str):
    return LINKS.read(
        lambda: rules.read_token(current_app.secret_key, token, link_lifetime(), now())
    )


@bp.get("/lien/<token>")
def lien(token: str):
    # Opening the link changes nothing (mail filters open links): one click posts.
    content, refusal = read_link(token)
    if refusal:
        return refusal
    account = records.check_link(tx(), *content)
    if account is None:
        return LINKS.refused("spent")
    return LINKS.page(200, JOURNEY.heading, identifiant=account["identifiant"], token=token)


@bp.post("/lien/<token>")
def confirm_lien(token: str):
    content, refusal = read_link(token)
    if refusal:
        return refusal
    account = records.use_link(tx(), *content)
    if account is None:
        return LINKS.refused("spent")
    # This browser (maybe not the one that asked) goes on to the new password.
    JOURNEY.start(
        {
            "step": "mot_de_passe",
            "decoy": False,
            "verified": True,
            "compte": account["id"],
            "identifiant": account["identifiant"],
            "nom": account["nom"],
            "prenom": account["prenom"],
        }
    )
    return redirect(JOURNEY.url("mot_de_passe"), code=303)


# Step 4: Votre nouveau mot de passe


def personal(state: dict) -> tuple[str, list[str]]:
    return state["identifiant"], [state["nom"], state["prenom"]]


def intro(state: dict) -> str:
    return f"Choisissez un nouveau mot de passe pour l'identifiant {state['identifiant']}."


def password_chosen(state: dict, password_hash: str):
    if not state.get("verified") or state.get("decoy"):
        # Never reached: a decoy's code is never right. Kept as a guard all the same.
        return redirect(JOURNEY.url("identifiant"), code=303)
    account = records.set_password(tx(), state["compte"], password_hash, now())
    JOURNEY.finish()
    if account is None:
        flash(NOT_AVAILABLE, "error")
        return leave_to(url_for("login.show"))
    tell_password_changed(account)
    sign_in_session(account["id"])
    flash(CHANGED, "notice")
    return leave_to(url_for("services.home"))


def tell_password_changed(account: dict) -> None:
    """By SMS to the mobile on file and by e-mail to the confirmed address, where there are."""
    telephone = records.telephone_of(tx(), account)
    if telephone:
        send_sms(telephone, rules.changed_sms(now()))
    email = records.confirmed_email(account)
    if email:
        subject, body = rules.changed_email(
            account["prenom"], account["nom"], account["identifiant"], now()
        )
        send_mail(email, subject, body)


verification.add_password_step(
    bp, JOURNEY, personal, password_chosen, "Changer mon mot de passe", intro, hashed=True
)
