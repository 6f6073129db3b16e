"""A page and its fragments live in one template: a plain request gets the page, an htmx request
gets only the named block (with its <title>, which htmx moves into the document head), or the
whole page when the template has no such block of its own."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
)
from flask_htmx import HTMX
from jinja2_fragments.flask import render_block
from markupsafe import escape

htmx = HTMX()
ERROR_PREFIX = "Erreur — "

BASE_STYLESHEETS = [
    "vendor/dsfr/core/core.min.css",
    "vendor/dsfr/component/logo/logo.min.css",
    "vendor/dsfr/component/link/link.min.css",
    "vendor/dsfr/component/skiplink/skiplink.min.css",
    "vendor/dsfr/component/header/header.min.css",
    "vendor/dsfr/component/footer/footer.min.css",
]
BASE_SCRIPTS = ["vendor/htmx/htmx.min.js", "vendor/dsfr/core/core.module.min.js"]

# What each kind of page adds to the base: only the DSFR components it uses are downloaded.
COMPONENTS = {
    "form": ["button", "form", "input", "alert"],
    "password": ["checkbox", "password"],
    "connect": ["connect"],
    "table": ["table"],
    "stepper": ["stepper"],
    "card": ["card"],
    "radio": ["radio"],
    "simulator": ["select", "callout"],
    "request": ["radio", "checkbox", "upload", "callout", "badge"],
    "back-office": ["table", "badge", "select", "checkbox", "pagination", "upload"],
}
COMPONENT_SCRIPTS = {"password": ["vendor/dsfr/component/password/password.module.min.js"]}


def assets_for(kinds: tuple[str, ...]) -> tuple[list[str], list[str]]:
    stylesheets = list(BASE_STYLESHEETS)
    scripts = list(BASE_SCRIPTS)
    for kind in kinds:
        for name in COMPONENTS[kind]:
            path = f"vendor/dsfr/component/{name}/{name}.min.css"
            if path not in stylesheets:
                stylesheets.append(path)
        scripts += COMPONENT_SCRIPTS.get(kind, [])
    return stylesheets, scripts


def of(name: str) -> str:
    """French elision before a vowel: « de Lucas », « d'Emma »."""
    return f"d'{name}" if name[:1].lower() in "aâàeéèêëiîïoôuùûüyœ" else f"de {name}"


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def has_block(template: str, block: str) -> bool:
    """Whether `template` itself declares `block`: a block it only inherits (a back-office
    page's `main`, its layout's) cannot be rendered alone."""
    return block in current_app.jinja_env.get_template(template).blocks


def render_page(
    template: str,
    block: str,
    *,
    title: str,
    status: int = 200,
    components: tuple[str, ...] = (),
    **context,
):
    """Render `template` whole, or only `block` for htmx; both from the same context. Any
    request may say it comes from htmx: a page with no fragment of that name answers whole,
    which is what a browser would show. An error's page title starts with « Erreur — » (the
    first thing a screen reader says of the page, RGAA 8.6). A page's live region says its
    `failure` and `notice` when the view gives them, and nothing otherwise."""
    context = {"failure": None, "notice": None, **context}
    page_title = title if status < 400 or title.startswith("Erreur") else ERROR_PREFIX + title
    if wants_fragment() and has_block(template, block):
        body = f"<title>{escape(page_title)} — Téléservices</title>" + render_block(
            template, block, title=title, **context
        )
    else:
        stylesheets, scripts = assets_for(components)
        body = render_template(
            template,
            title=title,
            page_title=page_title,
            stylesheets=stylesheets,
            scripts=scripts,
            **context,
        )
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def leave_to(url: str):
    """Go to another page after a POST: a 303 for a plain form; for htmx, a full navigation
    (HX-Redirect), since a redirect would be followed inside the XHR and swapped in place."""
    if wants_fragment():
        return Response(status=200, headers={"HX-Redirect": url})
    return redirect(url, code=303)


def flashed() -> tuple[str | None, str | None]:
    """The failure and the notice left for this page by the previous request (Flask's flash)."""
    messages = get_flashed_messages(with_categories=True)
    failure = next((text for category, text in messages if category == "error"), None)
    notice = next((text for category, text in messages if category != "error"), None)
    return failure, notice
