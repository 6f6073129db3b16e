"""Security headers on every answer (see web-conventions.md)."""

from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface


def content_security_policy(franceconnect_issuer: str) -> str:
    # A form that redirects elsewhere is held to form-action too: the FranceConnect button and
    # the sign-out of a FranceConnect session lead to FranceConnect's origin.
    issuer = urlsplit(franceconnect_issuer)
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action 'self' {issuer.scheme}://{issuer.netloc}",
            "frame-ancestors 'none'",
        ]
    )


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if "Cache-Control" not in headers:
        # Pages carry personal data and CSRF tokens: never kept by shared caches.
        headers["Cache-Control"] = "no-store"
    return response


def expire_when_idle(response):
    # A permanent session expires PERMANENT_SESSION_LIFETIME after the last request (the cookie
    # is renewed on each one); only sessions that hold something, so static files set no cookie.
    if session and not session.permanent:
        session.permanent = True
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Static files are cached by everyone for a year: their answers never carry the session
    cookie (a shared cache would hand it to others) nor `Vary: Cookie` (the cookie changes on
    every request, so browsers would download them again each time)."""

    def save_session(self, app, session, response):
        if request.blueprint != "assets":
            super().save_session(app, session, response)


def register(app: Flask) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(
        app.config["FRANCECONNECT_ISSUER"]
    )
    app.session_interface = SessionInterface()
    app.after_request(expire_when_idle)
    app.after_request(add_security_headers)
