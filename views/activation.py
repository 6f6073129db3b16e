"""Activation du compte (§4): the first login with the identifiant and temporary password of a
school's letter. Votre nouveau mot de passe, then the shared children step (where a child can be
detached), Votre adresse électronique, and the waiting screen; the link sent by e-mail activates
the account, in this browser or any other, within 48 hours."""

from __future__ import annotations

import smtplib

from flask import Blueprint, current_app, flash, redirect, session, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from records import accounts, activation, journeys
from records.activation import LinkOutcome
from rules import activation_links, emails, sms_codes
from rules.passwords import hash_password
from views import verification
from views.auth import sign_in_session
from views.journey import Journey, now
from views.mailed_links import LinkPages
from views.rendering import leave_to
from views.unit import tx, writes

bp = Blueprint("activation", __name__, url_prefix="/activation")
JOURNEY = Journey(
    blueprint="activation",
    kind="notification",
    heading="Activation du compte",
    # The journey begins only at the login form, with a right temporary password.
    without_journey="login.show",
    titles={
        "mot_de_passe": "Votre nouveau mot de passe",
        "enfants": "Vos enfants",
        "courriel": "Votre adresse électronique",
        "courriel_envoye": "Confirmation de votre adresse",
    },
)
LINK_HOURS = int(activation_links.MAX_AGE.total_seconds() // 3600)
# Mails one journey may send: enough for a typo and a mail that is slow to come, not for
# using the service to write to anyone. A new first login starts a new count.
MAX_MAILS = 5

NO_CHILD = (
    "Aucun élève n'est rattaché à ce compte : il ne peut pas être activé. Contactez le "
    "secrétariat de l'établissement de votre enfant."
)
ALL_DETACHED = (
    "Vous avez indiqué n'être le représentant légal d'aucun des élèves rattachés à ce compte. "
    "Nous l'avons signalé à l'établissement : ce compte ne peut donc pas être activé."
)
NOT_AVAILABLE = (
    "Ce compte ÉduConnect ne peut pas être activé. Contactez le secrétariat de l'établissement "
    "de votre enfant."
)
ALREADY_ACTIVE = (
    "Votre compte ÉduConnect est déjà activé. Connectez-vous avec votre identifiant et votre "
    "mot de passe."
)
ACTIVATED = (
    "Votre compte ÉduConnect est activé et votre adresse électronique est confirmée. "
    "Désormais, connectez-vous avec votre identifiant {identifiant} et votre nouveau mot de passe."
)
MAIL_SENT_AGAIN = "Un nouveau mail vous a été envoyé : seul le lien de ce dernier mail fonctionne."
MAIL_WAIT = "Vous pourrez demander un nouveau mail dans {seconds} seconde{s}."
TOO_MANY_MAILS = (
    "Vous avez demandé le nombre maximal de mails pour cette démarche. Reconnectez-vous plus "
    "tard avec votre identifiant et votre mot de passe provisoire pour recommencer."
)
MAIL_FAILED = "Le mail n'a pas pu être envoyé. Réessayez dans quelques minutes."
MAIL_SUBJECT = "Activez votre compte ÉduConnect"
LINK_PAGES = {
    "invalid": (
        400,
        "Lien d'activation non valide",
        "Ce lien d'activation n'est pas valide. Ouvrez-le directement depuis le mail reçu, ou "
        "copiez son adresse en entier.",
    ),
    "expired": (
        410,
        "Lien d'activation expiré",
        f"Ce lien d'activation a expiré : il était valable {LINK_HOURS} heures. Connectez-vous "
        "à nouveau avec l'identifiant et le mot de passe provisoire de votre courrier pour en "
        "recevoir un nouveau.",
    ),
    LinkOutcome.USED: (
        410,
        "Lien d'activation déjà utilisé",
        "Ce lien a déjà servi : votre compte ÉduConnect est activé. Connectez-vous avec votre "
        "identifiant et votre mot de passe.",
    ),
    LinkOutcome.SUPERSEDED: (
        410,
        "Lien d'activation remplacé",
        "Ce lien n'est plus valable : un lien plus récent vous a été envoyé. Utilisez le dernier "
        "mail reçu, ou connectez-vous à nouveau avec votre mot de passe provisoire pour "
        "recommencer.",
    ),
    LinkOutcome.REFUSED: (403, "Activation impossible", NOT_AVAILABLE),
}


class EmailForm(FlaskForm):
    courriel = StringField("Adresse électronique", validators=[InputRequired(emails.MISSING)])


def begin(account: dict) -> str | None:
    """Start the activation of an account whose temporary password was just typed right at the
    login form (views.login); or say, in French, why it cannot be activated."""
    if not accounts.children_of(tx(), account["responsables"]):
        return NO_CHILD
    # A new first login starts the steps again: a link sent before must not work any more.
    activation.forget_pending(tx(), account["id"])
    # A new session, as at any sign-in: nothing from before carries over.
    session.clear()
    JOURNEY.start(
        {
            "step": "mot_de_passe",
            "compte": account["id"],
            "responsables": account["responsables"],
            "identifiant": account["identifiant"],
            "prenom": account["prenom"],
            "nom": account["nom"],
            "email": activation.known_email(tx(), account["responsables"]),
            "password_hash": None,
            "mails_sent": 0,
            "mail": None,
        }
    )
    return None


@bp.get("")
def index():
    state = JOURNEY.load()
    return redirect(JOURNEY.url(state["step"]) if state else url_for("login.show"), code=303)


def no_longer_waiting(state: dict):
    """None while the account waits for its activation; else the journey ends (the link was
    followed in another browser, or the school blocked the account) and the login page says
    why."""
    account = accounts.find_by_id(tx(), state["compte"])
    if account and account["state"] == activation.WAITING:
        return None
    JOURNEY.finish()
    if account and account["state"] == "actif":
        flash(ALREADY_ACTIVE, "notice")
    else:
        flash(NOT_AVAILABLE, "error")
    return leave_to(url_for("login.show"))


def guard(step: str):
    """The journey's guard (views.journey), which also ends the journey when the account no
    longer waits for its activation."""
    state, elsewhere = JOURNEY.guard(step)
    elsewhere = elsewhere or no_longer_waiting(state)
    return (None, elsewhere) if elsewhere else (state, None)


# Step 1: Votre nouveau mot de passe ---------------------------------------------------------


def personal(state: dict) -> tuple[str, list[str]]:
    return state["identifiant"], [state["nom"], state["prenom"]]


def welcome(state: dict) -> str:
    return (
        f"Bienvenue {state['prenom']} {state['nom']}. Vous vous êtes connecté avec le mot de "
        "passe provisoire de votre courrier : choisissez maintenant votre propre mot de passe "
        f"pour l'identifiant {state['identifiant']}."
    )


def password_chosen(state: dict, password: str):
    ended = no_longer_waiting(state)
    if ended:
        return ended
    # Kept hashed until the link comes back; only then does it replace the temporary one.
    state["password_hash"] = hash_password(password)
    state["step"] = "enfants"
    JOURNEY.save(state)
    return JOURNEY.go_to("enfants")


verification.add_password_step(
    bp, JOURNEY, personal, password_chosen, "Valider mon mot de passe", welcome
)


# Step 2: Vos enfants ------------------------------------------------------------------------


def children_confirmed(state: dict):
    ended = no_longer_waiting(state)
    if ended:
        return ended
    detached = state.pop("detaches", [])
    if detached:
        activation.detach_children(tx(), state["responsables"], detached, now())
    if not accounts.children_of(tx(), state["responsables"]):
        JOURNEY.finish()
        flash(ALL_DETACHED, "error")
        return leave_to(url_for("login.show"))
    state["step"] = "courriel"
    JOURNEY.save(state)
    return JOURNEY.go_to("courriel")


verification.add_children_step(bp, JOURNEY, children_confirmed, detachable=True)


# Step 3: Votre adresse électronique ---------------------------------------------------------


def email_page(state: dict, status: int = 200, form: EmailForm | None = None, **context):
    form = form or EmailForm(formdata=None, courriel=state["email"])
    return JOURNEY.page("courriel", status, form=form, **context)


@bp.get("/courriel")
@writes  # the guard ends the journey of an account activated or blocked meanwhile
def courriel():
    state, elsewhere = guard("courriel")
    return elsewhere or email_page(state)


@bp.post("/courriel")
def submit_courriel():
    state, elsewhere = guard("courriel")
    if elsewhere:
        return elsewhere
    form = EmailForm()
    if not form.validate_on_submit():
        return email_page(state, 422, form)
    try:
        email = emails.normalize(form.courriel.data)
    except emails.EmailError as error:
        form.courriel.errors.append(error.message)
        return email_page(state, 422, form)
    if state["mails_sent"] >= MAX_MAILS:
        return email_page(state, 422, form, failure=TOO_MANY_MAILS)
    failure = send_link(state, email)
    if failure:
        return email_page(state, 422, form, failure=failure)
    state["step"] = "courriel_envoye"
    JOURNEY.save(state)
    return JOURNEY.go_to("courriel_envoye")


def send_link(state: dict, email: str) -> str | None:
    """Send a new activation link to `email` (the one sent before stops working); a French
    failure, or None once sent."""
    nonce = activation.await_confirmation(
        tx(), state["compte"], email, state["password_hash"], now()
    )
    if nonce is None:
        return NOT_AVAILABLE
    token = activation_links.make_token(
        current_app.secret_key, state["compte"], email, nonce, now()
    )
    link = url_for("activation.lien", token=token, _external=True)
    try:
        current_app.extensions["mail"].send(email, MAIL_SUBJECT, mail_body(state, link))
    except (OSError, smtplib.SMTPException, UnicodeError) as error:
        # The error only: the link in the mail is as good as a password.
        current_app.logger.warning("Mail d'activation non envoyé : %s", type(error).__name__)
        return MAIL_FAILED
    state["email"] = email
    state["mails_sent"] += 1
    state["mail"] = {"sent_at": now().isoformat()}
    return None


def mail_body(state: dict, link: str) -> str:
    # No identifiant here: an address mistyped would give it to a stranger.
    return (
        f"Bonjour {state['prenom']} {state['nom']},\n\n"
        "Pour confirmer votre adresse électronique et activer votre compte ÉduConnect, "
        "ouvrez ce lien :\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {LINK_HOURS} heures et ne sert qu'une fois. Si vous n'avez pas "
        "demandé l'activation d'un compte ÉduConnect, ignorez ce message : rien ne sera "
        "activé.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )


# Step 4: Confirmation de votre adresse (the waiting screen) ---------------------------------


def waiting_page(state: dict, status: int = 200, **context):
    return JOURNEY.page(
        "courriel_envoye", status, email=state["email"], hours=LINK_HOURS, **context
    )


@bp.get("/courriel/envoye")
@writes  # the guard ends the journey of an account activated or blocked meanwhile
def courriel_envoye():
    state, elsewhere = guard("courriel_envoye")
    return elsewhere or waiting_page(state)


@bp.post("/courriel/renvoyer")
def resend():
    state, elsewhere = guard("courriel_envoye")
    if elsewhere:
        return elsewhere
    allowed = sms_codes.can_resend(state["mail"], state["mails_sent"], now(), max_codes=MAX_MAILS)
    if allowed.status is sms_codes.ResendStatus.WAIT:
        plural = "s" if allowed.seconds_left > 1 else ""
        wait = MAIL_WAIT.format(seconds=allowed.seconds_left, s=plural)
        return waiting_page(state, 422, failure=wait)
    if not allowed.allowed:
        return waiting_page(state, 422, failure=TOO_MANY_MAILS)
    failure = send_link(state, state["email"])
    JOURNEY.save(state)
    if failure:
        return waiting_page(state, 422, failure=failure)
    return waiting_page(state, notice=MAIL_SENT_AGAIN)


@bp.post("/courriel/modifier")
def change_email():
    state, elsewhere = guard("courriel_envoye")
    if elsewhere:
        return elsewhere
    # The address may be someone else's: the link sent there must not activate anything.
    activation.forget_pending(tx(), state["compte"])
    state["step"] = "courriel"
    JOURNEY.save(state)
    return JOURNEY.go_to("courriel")


JOURNEY.views.update(courriel=courriel, courriel_envoye=courriel_envoye)


# The link -----------------------------------------------------------------------------------


LINKS = LinkPages("journeys/activation_lien.html", LINK_PAGES)


def read_link(token: str):
    """((account id, address, nonce), None) for a genuine link within its 48 hours, else
    (None, the page saying what is wrong with it)."""
    return LINKS.read(lambda: activation_links.read_token(current_app.secret_key, token, now=now()))


@bp.get("/lien/<token>")
def lien(token: str):
    # Opening the link changes nothing: mail filters that open every link would spend it. The
    # page asks for one click, which posts.
    content, refusal = read_link(token)
    if refusal:
        return refusal
    check = activation.check_link(tx(), *content)
    if check.outcome is not LinkOutcome.VALID:
        return LINKS.refused(check.outcome)
    return LINKS.page(
        200,
        JOURNEY.heading,
        identifiant=check.account["identifiant"],
        email=content[1],
        token=token,
    )


@bp.post("/lien/<token>")
def confirm_lien(token: str):
    content, refusal = read_link(token)
    if refusal:
        return refusal
    result = activation.confirm(tx(), *content, now())
    if result.outcome is not LinkOutcome.VALID:
        return LINKS.refused(result.outcome)
    if session.get(JOURNEY.blueprint):
        journeys.finish(tx(), session[JOURNEY.blueprint])
    sign_in_session(result.account["id"])
    flash(ACTIVATED.format(identifiant=result.account["identifiant"]), "notice")
    return redirect(url_for("services.home"), code=303)
