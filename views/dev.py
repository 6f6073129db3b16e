"""Development pages: what the SMS and mail outboxes hold, newest first (the last 200). Served
only when the DEV_PAGES setting is on (404 otherwise), never in production."""

from flask import Blueprint, abort, current_app, jsonify

from views.rendering import render_page
from views.unit import tx

bp = Blueprint("dev", __name__, url_prefix="/dev")

OUTBOXES = {
    "sms": ("SMS envoyés", ["to", "body"]),
    "mail": ("Courriels envoyés", ["to", "subject", "body"]),
}


@bp.before_request
def only_in_development():
    if not current_app.config["DEV_PAGES"]:
        abort(404)


def messages(kind: str) -> list[dict]:
    tx()  # the request's snapshot, which the outbox's read joins
    return current_app.extensions["outboxes"][kind].newest_first()


@bp.get("/<any(sms, mail):kind>.json")
def outbox_json(kind: str):
    fields = OUTBOXES[kind][1] + ["sent_at"]
    return jsonify([{field: message.get(field) for field in fields} for message in messages(kind)])


@bp.get("/<any(sms, mail):kind>")
def outbox_page(kind: str):
    title, fields = OUTBOXES[kind]
    return render_page(
        "dev/outbox.html",
        "main",
        title=title,
        components=("table",),
        kind=kind,
        fields=fields,
        messages=messages(kind),
    )
