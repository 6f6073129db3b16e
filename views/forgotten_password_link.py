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
    return LINKS.page(200, JOURNEY.heading, identifiant=account["identifier"], token=token)


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
            "account_id": account["id"],
            "identifier": account["identifier"],
            "last_name": account["last_name"],
            "first_name": account["first_name"],
        }
    )
    return redirect(JOURNEY.url("mot_de_passe"), code=303)
