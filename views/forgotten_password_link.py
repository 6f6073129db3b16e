"""« Mot de passe oublié ? »: the link sent by e-mail, which takes whichever browser opens it to
the new password (the journey's other steps are views/forgotten_password.py's). Opening the link
changes nothing; one click posts."""

from __future__ import annotations

from flask import current_app, redirect

from records import recovery as records
from rules import recovery as rules
from views.forgotten_password import JOURNEY, bp
from views.journey import now
from views.mailed_links import LinkPages
from views.recovery import link_lifetime
from views.unit import tx

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


LINKS = LinkPages(
    "recovery/lien.html",
    LINK_PAGES,
    read_token=lambda token: rules.read_token(
        current_app.secret_key, token, link_lifetime(), now()
    ),
    # The records answer the account, or None for a link used, superseded or of an account
    # blocked since: the page does not tell which.
    refusal_of=lambda account: "spent" if account is None else None,
    text_values=lambda: {"duration": rules.duration_text(link_lifetime())},
)


@bp.get("/lien/<token>")
@LINKS.follow(lambda content: records.check_link(tx(), *content))
def lien(token: str, content: tuple, account: dict):
    # Opening the link changes nothing (mail filters open links): one click posts.
    return LINKS.page(200, JOURNEY.heading, identifiant=account["identifier"], token=token)


@bp.post("/lien/<token>")
@LINKS.follow(lambda content: records.use_link(tx(), *content))
def confirm_lien(token: str, content: tuple, account: dict):
    # This browser (maybe not the one that asked) goes on to the new password.
    JOURNEY.start(
        {
            "step": "mot_de_passe",
            "decoy": False,
            "verified": True,
            "account_id": account["id"],
            "identifier": account["identifier"],
            "last_name": account["last_name"],
            "first_name": account["first_name"],
        }
    )
    return redirect(JOURNEY.url("mot_de_passe"), code=303)
