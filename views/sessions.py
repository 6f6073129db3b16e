"""Sessions held server-side (records/sessions.py): the cookie carries only a random id, signed.

- The id (256 random bits) names a record holding what the session remembers; the records keep
  only its sha256. A cookie that is unknown, ended or badly signed opens a new, empty session.
- A session begun again (`session.clear()` at sign-in and sign-out) or whose account or staff
  member changes gets a new id and its old record ends: an id known before signing in is worth
  nothing after it (no fixation), and a cookie copied before « Se déconnecter » opens nothing.
- The server ends a session 30 idle minutes after its last request (PERMANENT_SESSION_LIFETIME)
  and 12 hours after it began (SESSION_ABSOLUTE_LIFETIME), on the service's clock; it records
  the last request at most once a minute, so pages that only read the session write nothing.
- A visitor who only reads pages is given an id but no record: the session then remembers
  nothing but its CSRF token, which is derived from the id (an HMAC under SECRET_KEY) rather than
  stored. Its record is written when it first remembers something else (a sign-in, a journey,
  a message), under a new id. Showing the login page writes nothing.
- The end of a signed-in session is said two minutes before: views/session_timeout.py.
- Static files are cached by everyone for a year: their answers never read the session, never
  carry its cookie (a shared cache would hand it to others) nor `Vary: Cookie`.

The session is read in a short transaction before the request's unit of work (views/unit.py),
and written within it when the request writes (one write, the session kept or lost with the
records), else in a short transaction of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from flask import Flask, Request, Response, current_app, g, request, session
from flask.sessions import SecureCookieSession, SessionInterface
from itsdangerous import BadSignature, Signer
from werkzeug.exceptions import HTTPException

from outside.storage import StorageError, Tx
from records import sessions
from records.sessions import Lifetimes, digest_of, identity
from views.unit import STATIC_BLUEPRINT, write_apart

# The last request of a session is written at most this often (seconds), or a tenth of its idle
# lifetime when shorter (a lifetime of seconds, for the end-to-end tests).
TOUCH_EVERY = 60
REMAINING_HEADER = "X-Session-Remaining"


class ServerSession(SecureCookieSession):
    def __init__(
        self,
        initial: dict | None = None,
        session_id: str | None = None,
        row: dict | None = None,
    ):
        super().__init__(initial)
        self.session_id = session_id  # None until the session is first written
        self.row = row  # its record as read, then as written
        self.begun_again = False
        # The records could not be read: the session is neither used nor written.
        self.unavailable: StorageError | None = None
        # A visitor's session with no record: its id, what it holds until it needs one (its
        # derived CSRF token), and whether the browser already has its cookie.
        self.unstored_id: str | None = None
        self.unstored_data: dict | None = None
        self.cookie_known = False
        self.saved = False  # saved with the request's unit of work; Flask's later call is a no-op

    def clear(self) -> None:
        # The views clear the session to begin a new one (sign-in, sign-out): a new id for it.
        self.begun_again = True
        super().clear()


class ServerSessionInterface(SessionInterface):
    session_class = ServerSession
    salt = "server-session"

    # Opening -------------------------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> ServerSession | None:
        if not app.secret_key:
            return None
        if _for_static_file(app, request):
            return self.session_class()
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self._unstored(app, secrets.token_urlsafe(32), cookie_known=False)
        try:
            session_id = self._signer(app).unsign(value).decode()
        except (BadSignature, UnicodeDecodeError):
            return self._unstored(app, secrets.token_urlsafe(32), cookie_known=False)
        try:
            with app.extensions["store"].reading() as tx:
                row = sessions.load(tx, digest_of(session_id), timestamp(app))
        except StorageError as error:
            found = self.session_class()
            found.unavailable = error
            return found
        if row is None:
            # Never stored (a visitor's), or ended: nothing but a CSRF token for this id.
            return self._unstored(app, session_id, cookie_known=True)
        return self.session_class(row["data"], session_id, row)

    def _unstored(self, app: Flask, session_id: str, cookie_known: bool) -> ServerSession:
        data = {_csrf_field(app): _csrf_secret(app, session_id)}
        found = self.session_class(data)
        found.unstored_id, found.unstored_data = session_id, data
        found.cookie_known = cookie_known
        return found

    # Saving --------------------------------------------------------------------------------

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if request.blueprint == STATIC_BLUEPRINT or session.unavailable or session.saved:
            return
        session.saved = True
        if response.status_code >= 500:
            # A failed request changes nothing, its session no more than its records (and the
            # database may be what failed).
            return
        if session.accessed:
            response.vary.add("Cookie")
        now_ts = timestamp(app)
        if not session:
            self._end(app, session, response)
            return
        data = _plain(session)
        if self._still_unstored(session, data):
            self._hand_unstored_cookie(app, session, response, now_ts)
            return
        written = True
        if self._begins(session, data):
            row = self._begin(app, session, data, now_ts)
        elif session.modified:
            row = write_apart(
                lambda tx: sessions.save(tx, _digest(session), data, now_ts, lifetimes(app))
            )
        elif now_ts - session.row["last_seen_ts"] >= touch_every(app):
            row = self._touch(app, session, now_ts)
            written = row is not session.row
        else:
            row, written = session.row, False
        if row is None:
            # Ended meanwhile (signed out elsewhere, every session revoked): never written back.
            self._forget(app, response)
            return
        session.row = row
        # Only a written session's cookie: the record's end moves only when it is written, and a
        # request that began before a sign-in and ends after it (the password rules checked as
        # the parent types) would otherwise hand the browser back the id the sign-in replaced.
        if written:
            self._set_cookie(app, response, session.session_id, row, now_ts)
        if identity(data) != (None, None):
            response.headers[REMAINING_HEADER] = str(max(0, int(row["ends_ts"] - now_ts)))

    def _still_unstored(self, session: ServerSession, data: dict) -> bool:
        return (
            session.unstored_id is not None
            and not session.begun_again
            and data == session.unstored_data
        )

    def _hand_unstored_cookie(
        self, app: Flask, session: ServerSession, response: Response, now_ts: float
    ) -> None:
        """The cookie of a session with no record, when this page holds a CSRF token (Flask-WTF
        keeps the token it made in `g`): for as long as an idle session lives, from now."""
        if _csrf_field(app) not in g:
            return
        if session.cookie_known and not app.config["SESSION_REFRESH_EACH_REQUEST"]:
            return
        lifetime = {"ends_ts": now_ts + app.permanent_session_lifetime.total_seconds()}
        self._set_cookie(app, response, session.unstored_id, lifetime, now_ts)

    def _begins(self, session: ServerSession, data: dict) -> bool:
        """Whether the session needs a new id: new, begun again, or another person's."""
        if session.session_id is None or session.begun_again:
            return True
        return identity(data) != identity(session.row["data"])

    def _begin(self, app: Flask, session: ServerSession, data: dict, now_ts: float) -> dict:
        new_id = secrets.token_urlsafe(32)
        old_id = session.session_id

        def begin(tx: Tx) -> dict:
            if old_id is not None:
                sessions.delete(tx, digest_of(old_id))
            return sessions.create(tx, digest_of(new_id), data, now_ts, lifetimes(app))

        row = write_apart(begin)
        session.session_id, session.begun_again = new_id, False
        return row

    def _touch(self, app: Flask, session: ServerSession, now_ts: float) -> dict | None:
        """The last request recorded; if the records are busy, the session stays as it was
        (it only ends a minute earlier) rather than the page failing."""
        try:
            return write_apart(
                lambda tx: sessions.touch(tx, _digest(session), now_ts, lifetimes(app))
            )
        except StorageError:
            app.logger.warning("Session last seen not recorded", exc_info=True)
            return session.row

    def _end(self, app: Flask, session: ServerSession, response: Response) -> None:
        # Only a session this request ends loses its cookie. A cookie the server does not know
        # (ended, or replaced by a sign-in answered a moment ago) is left alone: deleting it
        # could delete, in the browser, the new cookie of a request answered just before.
        if session.session_id is not None:
            write_apart(lambda tx: sessions.delete(tx, _digest(session)))
            session.session_id = session.row = None
            self._forget(app, response)

    # The cookie ----------------------------------------------------------------------------

    def _signer(self, app: Flask) -> Signer:
        # Keys being retired (SECRET_KEY_FALLBACKS) still open the sessions they signed.
        keys = [*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key]
        return Signer(keys, salt=self.salt, key_derivation="hmac", digest_method=hashlib.sha256)

    def _set_cookie(
        self, app: Flask, response: Response, session_id: str, row: dict, now_ts: float
    ) -> None:
        # Max-Age, not a date: the service's clock may be set to another day (setting TODAY),
        # the browser's is not.
        response.set_cookie(
            self.get_cookie_name(app),
            self._signer(app).sign(session_id).decode(),
            max_age=max(0, round(row["ends_ts"] - now_ts)),
            **self._cookie_attributes(app),
        )
        response.vary.add("Cookie")

    def _forget(self, app: Flask, response: Response) -> None:
        response.delete_cookie(self.get_cookie_name(app), **self._cookie_attributes(app))
        response.vary.add("Cookie")

    def _cookie_attributes(self, app: Flask) -> dict:
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


def current_digest() -> str | None:
    """The digest of this request's session, for `records.sessions.end_all(keep_digest=…)` when
    the device asking stays signed in; None before the session is first written."""
    session_id = getattr(session, "session_id", None)
    return digest_of(session_id) if session_id else None


def _refuse_when_unavailable() -> None:
    """A session the records could not give is not taken for an empty one (a parent would look
    signed out): the request ends on the page « Service momentanément indisponible »."""
    if getattr(session, "unavailable", None):
        raise session.unavailable


def _save_with_the_unit(response: Response) -> Response:
    """Saves the session before the request's unit of work is (views/unit.py runs after every
    other after_request function), so a request that writes writes its session in the same
    transaction: one write, and the session kept or lost with the records."""
    app = current_app._get_current_object()
    if app.session_interface.is_null_session(session):
        return response
    try:
        app.session_interface.save_session(app, session._get_current_object(), response)
    except StorageError:
        app.logger.exception("Session not saved")
        from views.errors import storage_unavailable

        return storage_unavailable()
    return response


def register(app: Flask) -> None:
    app.session_interface = ServerSessionInterface()
    app.before_request(_refuse_when_unavailable)
    app.after_request(_save_with_the_unit)


# Helpers ------------------------------------------------------------------------------------


def timestamp(app: Flask) -> float:
    return app.extensions["clock"].now().timestamp()


def touch_every(app: Flask) -> float:
    return min(TOUCH_EVERY, app.permanent_session_lifetime.total_seconds() / 10)


def lifetimes(app: Flask) -> Lifetimes:
    return Lifetimes(
        idle=app.permanent_session_lifetime.total_seconds(),
        absolute=float(app.config["SESSION_ABSOLUTE_LIFETIME"]),
    )


def _csrf_field(app: Flask) -> str:
    return app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _csrf_secret(app: Flask, session_id: str) -> str:
    """The CSRF token of a session with no record: bound to its id, never stored, unknown to
    whoever lacks SECRET_KEY (pages show it, signed but readable, in their forms)."""
    key = app.secret_key.encode() if isinstance(app.secret_key, str) else app.secret_key
    return hmac.new(key, b"csrf-token:" + session_id.encode(), hashlib.sha256).hexdigest()


def _digest(session: ServerSession) -> str:
    return digest_of(session.session_id)


def _plain(session: ServerSession) -> dict:
    """What the record keeps: JSON as both engines give it back (a flash's tuple as a list)."""
    return json.loads(json.dumps(dict(session)))


def _for_static_file(app: Flask, request: Request) -> bool:
    """Whether the request is for a static file: known before Flask matches its URL, which it
    does after opening the session."""
    try:
        endpoint, _ = app.create_url_adapter(request).match()
    except HTTPException:
        return False
    return endpoint.rpartition(".")[0] == STATIC_BLUEPRINT
