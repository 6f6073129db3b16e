"""The end of a signed-in session (WCAG 2.2.1) and « Rester connecté ».

Two minutes before a signed-in session ends (SESSION_WARNING_BEFORE), the page warns: every
signed-in page says when the session ends, with « Rester connecté » (POST /session/prolonger,
which records a request: the idle time starts again) and « Se déconnecter »;
static/app/session-timeout.js opens them as a modal dialog at that moment
(templates/macros/session_timeout.html). The end is in the page (`data-session-remaining`) and in
the header X-Session-Remaining of every answer to a signed-in session (views/sessions.py), so
htmx requests move it too. Without JavaScript the same notice stays in the page, above its
content. Also here: `local_url`, the only pages a parent is sent back to after signing in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    has_request_context,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from records.sessions import identity
from rules.clock import PARIS
from views.rendering import leave_to, wants_fragment
from views.sessions import STATIC_BLUEPRINT, lifetimes, timestamp, touch_every

bp = Blueprint("session_timeout", __name__)


def signed_in_only(view):
    """Mark a view that only a signed-in session may use (a parent's or a staff member's):
    a form sent to it once that session has ended leads to signing in again (`after_the_end`)
    rather than to the refusal of its stale CSRF token."""
    view.signed_in_only = True
    return view


def register(app: Flask) -> None:
    app.context_processor(_timeout_context)
    app.register_blueprint(bp)


def signed_in_as() -> str | None:
    """ "parent" or "staff" when the session is signed in, else None."""
    account_id, staff_id = identity(session)
    if account_id is not None:
        return "parent"
    return "staff" if staff_id is not None else None


def seconds_left() -> int:
    """How long the signed-in session of this request lives after it, in whole seconds: as
    saving it will record (a request seen now extends it when `_touch_every` has passed, or
    when it is written)."""
    app = current_app._get_current_object()
    now_ts, lives = timestamp(app), lifetimes(app)
    row = getattr(session, "row", None)
    if row is None or getattr(session, "begun_again", False):
        ends = now_ts + min(lives.idle, lives.absolute)
    elif session.modified or now_ts - row["last_seen_ts"] >= touch_every(app):
        ends = min(now_ts + lives.idle, row["created_ts"] + lives.absolute)
    else:
        ends = row["ends_ts"]
    return max(0, int(ends - now_ts))


def ends_text(seconds: int) -> str:
    """The time of day (Paris) the session ends, as French writes it ("14 h 32"), rounded
    down: the session still lives during that minute. On the real clock: the service's may be
    set to another day (setting TODAY), never to another time."""
    ends = datetime.now(PARIS) + timedelta(seconds=seconds)
    return f"{ends.hour} h {ends.minute:02d}"


def local_url(value, method: str = "GET") -> str | None:
    """`value` if it is a path of this service answering `method` (with its query), else None:
    where to go back after signing in or « Rester connecté », never another site (no scheme, no
    host, no `//` or backslash, no control character)."""
    if not isinstance(value, str) or not value.startswith("/") or len(value) > 2000:
        return None
    if value.startswith("//") or "\\" in value or any(ord(c) < 33 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    try:
        current_app.url_map.bind("localhost").match(parts.path, method=method)
    except HTTPException:
        return None
    return value


def _home_of(who: str | None) -> str:
    return url_for("admin.home" if who == "staff" else "services.home")


def _timeout_context() -> dict:
    """What templates/macros/session_timeout.html shows on a signed-in page; nothing else. Nothing
    in it depends on the page's address: htmx swaps only part of a page, and pushes another
    address, so « Rester connecté » goes back to the page it was sent from by its Referer (the
    script builds the way back after signing in again)."""
    asked = has_request_context() and request.blueprint != STATIC_BLUEPRINT
    who = signed_in_as() if asked else None
    if who is None:
        return {"session_timeout": None}
    seconds = seconds_left()
    staff = who == "staff"
    return {
        "session_timeout": {
            "parent": not staff,
            "remaining": seconds,
            "warning": int(current_app.config["SESSION_WARNING_BEFORE"]),
            "ends": ends_text(seconds),
            "sign_out": url_for("admin.deconnexion" if staff else "login.sign_out"),
            "sign_in": url_for("admin.connexion" if staff else "login.show"),
        }
    }


def _sent_from() -> str | None:
    """The page of this service a form was sent from (its Referer, same origin only)."""
    referrer = urlsplit(request.referrer or "")
    if (referrer.scheme, referrer.netloc) != (request.scheme, request.host):
        return None
    return local_url(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def after_the_end():
    """A form refused for its CSRF token, sent from a session that has ended (the plain form of
    a page left open, without JavaScript to warn; its token was the ended session's): to a view
    that only a signed-in session may use, with nobody signed in now, the way to sign in again,
    back to its page afterwards, as the view itself would answer; else None (the refusal
    stands). Nothing the form held is done."""
    if signed_in_as() is not None:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "signed_in_only", False):
        return None
    back = local_url(request.path) or _sent_from()
    if request.path.startswith("/admin") or (back and back.startswith("/admin")):
        return leave_to(url_for("admin.connexion"))
    return leave_to(url_for("login.show", next=back))


@bp.post("/session/prolonger")
@signed_in_only
def prolonger():
    """« Rester connecté »: the session records this request (its idle time starts again), then
    204 for htmx (the new end in X-Session-Remaining), or back to the page it was sent from."""
    back = _sent_from()
    who = signed_in_as()
    if who is None:
        # Already ended: signed in again, the parent comes back to the page.
        if back and back.startswith("/admin"):
            return leave_to(url_for("admin.connexion"))
        return leave_to(url_for("login.show", next=back))
    session.modified = True
    if wants_fragment():
        return Response(status=204)
    return redirect(back or _home_of(who), code=303)
