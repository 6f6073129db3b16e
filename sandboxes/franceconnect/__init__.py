"""FranceConnect sandbox: an embedded stand-in for FranceConnect v2 (franceconnect.md), built with
Authlib's server side, run as its own Flask app on its own port:

    python -m sandboxes.franceconnect --port 5001 --app-url http://127.0.0.1:5000

It keeps no session; codes and tokens live in memory, so it runs as one process."""

from __future__ import annotations

from flask import Flask

from . import misbehave, settings, views
from .identities import load
from .keys import SigningKey
from .server import Client, Sandbox, create_server
from .settings import DEFAULTS, SandboxConfigError
from .store import Memory

__all__ = ["DEFAULTS", "SandboxConfigError", "create_sandbox"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def create_sandbox(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SANDBOX")
    app.config.update(config or {})
    settings.check(app.config)

    key_file = app.config["SIGNING_KEY_FILE"]
    signing_key = SigningKey.from_file(key_file) if key_file else SigningKey.generate()
    client = Client(app.config)
    server, protector = create_server(app.config, client)
    clock = app.config["CLOCK"]
    app.extensions["franceconnect_sandbox"] = Sandbox(
        client=client,
        signing_key=signing_key,
        identities=load(app.config["IDENTITIES_FILE"]),
        memory=Memory(clock),
        clock=clock,
        misbehave=app.config["MISBEHAVE"],
        server=server,
        protector=protector,
    )
    app.register_blueprint(views.bp)
    misbehave.register(app)
    app.after_request(add_security_headers)
    return app


def add_security_headers(response):
    headers = response.headers
    # No form-action: the identity form's answer redirects to the service's origin.
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cache-Control", "no-store")
    return response
