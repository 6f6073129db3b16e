"""Activation du compte: the link sent by e-mail, which activates the account in this browser or
any other within its hours (the journey's other steps are views/activation.py's). Opening the
link changes nothing; one click posts."""

from __future__ import annotations

from flask import current_app, flash, redirect, session, url_for

from records import activation, journeys
from records.activation import LinkOutcome
from rules import activation_links
from rules.activation import ACTIVATED, NOT_AVAILABLE
from rules.activation_links import LINK_HOURS
from views.activation import JOURNEY, bp
from views.auth import sign_in_session
from views.journey import now
from views.mailed_links import LinkPages
from views.unit import tx

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


LINKS = LinkPages(
    "journeys/activation_lien.html",
    LINK_PAGES,
    # (account id, address, nonce) of a genuine link within its 48 hours.
    read_token=lambda token: activation_links.read_token(current_app.secret_key, token, now=now()),
    refusal_of=lambda check: None if check.outcome is LinkOutcome.VALID else check.outcome,
)


@bp.get("/lien/<token>")
@LINKS.follow(lambda content: activation.check_link(tx(), *content))
def lien(token: str, content: tuple, check: activation.LinkCheck):
    # Opening the link changes nothing: mail filters that open every link would spend it. The
    # page asks for one click, which posts.
    return LINKS.page(
        200,
        JOURNEY.heading,
        identifiant=check.account["identifier"],
        email=content[1],
        token=token,
    )


@bp.post("/lien/<token>")
@LINKS.follow(lambda content: activation.confirm(tx(), *content, now()))
def confirm_lien(token: str, content: tuple, result: activation.LinkCheck):
    if session.get(JOURNEY.blueprint):
        journeys.finish(tx(), session[JOURNEY.blueprint])
    sign_in_session(result.account["id"])
    flash(ACTIVATED.format(identifiant=result.account["identifier"]), "notice")
    return redirect(url_for("services.home"), code=303)
