"""The application factory: `flask --app app run`, or `gunicorn 'app:create_app()'`."""

from __future__ import annotations

import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import commands
import settings
import views
from outside.files import FolderFileStore
from outside.franceconnect import FranceConnectClient
from outside.mail import MailOutbox, mail_sender
from outside.sms import SmsOutbox
from outside.storage import open_store
from outside.tax import SandboxTaxData
from rules.bourse import use_scales
from rules.clock import Clock
from rules.passwords import set_hash_cost


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_prefixed_env()
    app.config.update(config or {})
    try:
        settings.check(app.config)
    except settings.ConfigError as error:
        message = f"Configuration invalide : {error}"
        print(message, file=sys.stderr)
        raise settings.StartRefused(message) from None

    if app.config["PASSWORD_HASH_COST"]:
        set_hash_cost(app.config["PASSWORD_HASH_COST"])
    use_scales(app.config["BOURSE_SCALES"])
    store = open_store(app.config["DATABASE"], app.config["DATABASE_POOL_SIZE"])
    clock = Clock(app.config["TODAY"])
    outboxes = {"sms": SmsOutbox(store, clock), "mail": MailOutbox(store, clock)}
    app.extensions.update(
        store=store,
        clock=clock,
        outboxes=outboxes,
        sms=outboxes["sms"],
        mail=mail_sender(app.config, outboxes["mail"]),
        franceconnect=FranceConnectClient(
            app.config["FRANCECONNECT_ISSUER"],
            app.config["FRANCECONNECT_CLIENT_ID"],
            app.config["FRANCECONNECT_CLIENT_SECRET"],
        ),
        tax=SandboxTaxData(app.config["TAX_SANDBOX_DATA"]),
        files=FolderFileStore(app.config["UPLOAD_FOLDER"]),
    )
    views.register(app)
    commands.register(app)
    trust_proxies(app, app.config["TRUSTED_PROXIES"])
    return app


def trust_proxies(app: Flask, count: int) -> None:
    """Behind `count` proxies, read the client's address, scheme, host and port from their
    X-Forwarded-* headers: the per-IP sign-in limit, HSTS and FranceConnect's https redirect_uri
    depend on them. Never by default: without a proxy, anyone could send those headers."""
    if count > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
        )
