"""Public information pages linked from the footer. The accessibility statement and the
footer's « Accessibilité : … » are rendered from the audit kept in data/accessibilite/
(rules/accessibility.py)."""

from functools import cache

from flask import Blueprint

from rules import accessibility
from views.rendering import render_page

bp = Blueprint("info", __name__)

PAGES = {
    "accessibilite": "Déclaration d'accessibilité",
    "mentions-legales": "Mentions légales",
    "donnees-personnelles": "Données personnelles",
}


@cache
def audit() -> accessibility.Audit | None:
    """The audit file, read once per process (it changes with a deployment)."""
    return accessibility.load()


@bp.app_template_global("accessibility_status")
def accessibility_status() -> str:
    return accessibility.status(audit())


def statement() -> dict:
    found = audit()
    rate = accessibility.rate(found)
    return {
        "audit": found,
        "conformance": accessibility.status(found),
        "rate": None if rate is None else accessibility.percent(rate),
        "themes": accessibility.THEMES,
    }


@bp.get("/<any({}):name>".format(", ".join(f"'{name}'" for name in PAGES)))
def page(name: str):
    context = statement() if name == "accessibilite" else {}
    return render_page(f"info/{name}.html", "main", title=PAGES[name], **context)
