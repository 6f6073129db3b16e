"""Public information pages linked from the footer."""

from flask import Blueprint

from views.rendering import render_page

bp = Blueprint("info", __name__)

PAGES = {
    "accessibilite": "Déclaration d'accessibilité",
    "mentions-legales": "Mentions légales",
    "donnees-personnelles": "Données personnelles",
}


@bp.get("/<any({}):name>".format(", ".join(f"'{name}'" for name in PAGES)))
def page(name: str):
    return render_page(f"info/{name}.html", "main", title=PAGES[name])
