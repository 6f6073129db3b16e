"""Help pages (journeys §8): one per way into the service and one for forgotten credentials,
linked from the login page, the footer, every journey's pages and their error messages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, request, url_for

from records import journeys
from rules import activation_links, passwords, sms_codes, temporary_passwords
from rules.birthdates import BLOCK_DURATION, MAX_FAILED_SUBMISSIONS
from views.rendering import render_page

bp = Blueprint("help_pages", __name__, url_prefix="/aide")


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str


FRANCECONNECT = HelpPage("franceconnect", "Se connecter avec FranceConnect")
REGISTRATION = HelpPage("inscription", "Créer son compte : « Je n'ai pas encore d'identifiant »")
LETTER = HelpPage("courrier", "Activer le compte reçu de l'établissement")
FORGOTTEN = HelpPage("oubli", "Identifiant ou mot de passe oublié")
PAGES = {page.slug: page for page in (FRANCECONNECT, REGISTRATION, LETTER, FORGOTTEN)}

# Which help a page's errors point to, by the blueprint that answers it.
HELP_BY_BLUEPRINT = {
    "login": FORGOTTEN,
    "forgotten_password": FORGOTTEN,
    "forgotten_identifier": FORGOTTEN,
    "registration": REGISTRATION,
    "franceconnect": FRANCECONNECT,
    "franceconnect_first_connection": FRANCECONNECT,
    "activation": LETTER,
}


def help_for_this_page() -> dict | None:
    """The help page for the journey answering this request, for templates: its title and URL."""
    page = HELP_BY_BLUEPRINT.get(request.blueprint or "")
    if page is None:
        return None
    return {"title": page.title, "url": url_for("help_pages.page", slug=page.slug)}


def limits() -> dict:
    """The numbers the pages quote, from the rules and settings that enforce them: in every
    template's context, so that no template writes one of them again."""
    return {
        "code_minutes": int(sms_codes.CODE_LIFETIME.total_seconds() // 60),
        "code_tries": sms_codes.MAX_WRONG_TRIES,
        "codes_per_journey": sms_codes.MAX_CODES_PER_JOURNEY,
        "sms_per_day": current_app.config["SMS_PER_NUMBER_PER_DAY"],
        "birthdate_tries": MAX_FAILED_SUBMISSIONS,
        "birthdate_block_minutes": int(BLOCK_DURATION.total_seconds() // 60),
        "letter_months": temporary_passwords.VALIDITY_MONTHS,
        "link_hours": int(activation_links.MAX_AGE.total_seconds() // 3600),
        "activation_mails": current_app.config["ACTIVATION_MAILS_PER_JOURNEY"],
        "password_length": passwords.MIN_LENGTH,
        "activation_minutes": int(journeys.JOURNEY_LIFETIME.total_seconds() // 60),
    }


@bp.get("")
def index():
    return render_page("aide/index.html", "main", title="Aide", pages=PAGES)


@bp.get("/<any({}):slug>".format(", ".join(PAGES)))
def page(slug: str):
    return render_page(f"aide/{slug}.html", "main", title=PAGES[slug].title)


def register(app) -> None:
    app.jinja_env.globals["help_for_this_page"] = help_for_this_page
    app.context_processor(limits)
