"""Security headers on every answer (see web-conventions.md); the server-side sessions."""

from urllib.parse import urlsplit

from flask import Flask, current_app, request

from views import session_timeout, sessions


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


def register(app: Flask) -> None:
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(
        app.config["FRANCECONNECT_ISSUER"]
    )
    # Sessions held server-side; static files never carry them (views/sessions.py).
    sessions.register(app)
    session_timeout.register(app)
    app.after_request(add_security_headers)
