"""One blueprint per journey: HTTP and forms only; the rules live in `rules/`."""

from flask import Flask
from flask_compress import Compress
from flask_wtf import CSRFProtect
from jinja2 import StrictUndefined

from rules.uploads import limits_text, size_text

# Importing them puts their routes (the links mailed) on activation's and forgotten_password's
# blueprints.
from views import (  # noqa: F401
    account,
    account_contacts,
    account_merge,
    activation,
    activation_link,
    admin,
    assets,
    auth,
    bourse,
    consent,
    dev,
    errors,
    fiche,
    forgotten_identifier,
    forgotten_password,
    forgotten_password_link,
    franceconnect,
    help_pages,
    info,
    login,
    registration,
    security,
    services,
    simulator,
    unit,
)
from views.rendering import htmx, of


def register(app: Flask) -> None:
    # First: its after_request function saves the unit of work once every other one has run.
    unit.register(app)
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "application/json",
            "image/svg+xml",
        ],
    )
    Compress(app)
    CSRFProtect(app)
    htmx.init_app(app)
    login.limiter.init_app(app)
    if app.config["TESTING"]:
        # A misspelt variable fails the tests; in service it still renders nothing rather than a
        # 500 page for a parent, in case one slipped past them.
        app.jinja_env.undefined = StrictUndefined
    app.jinja_env.globals["asset_url"] = assets.asset_url
    app.jinja_env.filters["of"] = of
    app.jinja_env.filters["file_size"] = size_text
    app.jinja_env.globals["upload_limits"] = limits_text()
    app.context_processor(auth.signed_in_context)
    security.register(app)
    help_pages.register(app)
    errors.register(app)
    for blueprint in (
        assets.bp,
        login.bp,
        registration.bp,
        forgotten_identifier.forgotten_identifier,
        forgotten_password.bp,
        franceconnect.bp,
        franceconnect.first,
        activation.bp,
        services.bp,
        account.bp,
        account_contacts.bp,
        fiche.bp,
        consent.bp,
        bourse.bp,
        info.bp,
        help_pages.bp,
        simulator.bp,
        dev.bp,
        admin.bp,
        account_merge.bp,
    ):
        app.register_blueprint(blueprint)
