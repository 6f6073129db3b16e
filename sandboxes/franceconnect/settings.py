"""The sandbox's settings: defaults, then SANDBOX_* environment variables, then the caller's dict.
Checked once at start so a bad value stops it with a clear message."""

from __future__ import annotations

import time
from pathlib import Path

from . import misbehave

ROOT = Path(__file__).resolve().parents[2]

DEFAULTS = {
    # The Téléservices app this sandbox sends parents back to.
    "APP_URL": "http://127.0.0.1:5000",
    # None: `<scheme>://<host the request came to>/api/v2`.
    "ISSUER": None,
    "CLIENT_ID": "teleservices-sandbox",
    "CLIENT_SECRET": "sandbox-secret-not-for-production",
    # None: APP_URL + /franceconnect/callback, APP_URL + /franceconnect/logout-callback.
    "REDIRECT_URI": None,
    "POST_LOGOUT_REDIRECT_URI": None,
    # The pairwise `sub` is derived from it: keep it to keep the subs across restarts.
    "SUB_SECRET": "sandbox-pairwise-secret-not-for-production",
    # None: a new ES256 key at each start. A path: that key (JWK JSON or PEM), created if absent.
    "SIGNING_KEY_FILE": None,
    "IDENTITIES_FILE": str(ROOT / "data" / "sandbox" / "franceconnect-identities.json"),
    "CODE_LIFETIME": 30,
    "TOKEN_LIFETIME": 60,
    "ID_TOKEN_LIFETIME": 60,
    # Test-only: make the sandbox misbehave on purpose (see misbehave.py), and allow
    # POST /api/v2/_test/misbehave to change that at run time.
    "MISBEHAVE": None,
    "TESTING_SWITCHES": False,
    "SLOW_SECONDS": 10,
    # A callable giving the time in seconds since the epoch; tests pass a clock they move.
    "CLOCK": time.time,
}


class SandboxConfigError(ValueError):
    """A setting the sandbox cannot start with; the message says which and why, in French."""


def check(config: dict) -> None:
    """Validate and normalise the settings in place."""
    app_url = str(config.get("APP_URL") or "").rstrip("/")
    if not app_url.startswith(("http://", "https://")):
        raise SandboxConfigError(f"APP_URL doit être une adresse http(s) (reçu : {app_url!r}).")
    config["APP_URL"] = app_url
    config["REDIRECT_URI"] = config.get("REDIRECT_URI") or f"{app_url}/franceconnect/callback"
    config["POST_LOGOUT_REDIRECT_URI"] = (
        config.get("POST_LOGOUT_REDIRECT_URI") or f"{app_url}/franceconnect/logout-callback"
    )
    if config.get("ISSUER"):
        config["ISSUER"] = str(config["ISSUER"]).rstrip("/")
    for name in ("CLIENT_ID", "CLIENT_SECRET", "SUB_SECRET"):
        if config.get(name) in (None, ""):
            raise SandboxConfigError(f"{name} ne doit pas être vide.")
        config[name] = str(config[name])  # SANDBOX_CLIENT_SECRET=1234 arrives as a number
    for name in ("CODE_LIFETIME", "TOKEN_LIFETIME", "ID_TOKEN_LIFETIME", "SLOW_SECONDS"):
        try:
            config[name] = float(config[name]) if name == "SLOW_SECONDS" else int(config[name])
        except (TypeError, ValueError):
            raise SandboxConfigError(f"{name} doit être un nombre de secondes.") from None
    config["TESTING_SWITCHES"] = _flag("TESTING_SWITCHES", config.get("TESTING_SWITCHES"))
    try:
        config["MISBEHAVE"] = misbehave.check_mode(config.get("MISBEHAVE"))
    except ValueError as error:
        raise SandboxConfigError(str(error)) from None
    if not callable(config.get("CLOCK")):
        raise SandboxConfigError("CLOCK doit être une fonction qui donne l'heure en secondes.")


def _flag(name: str, value) -> bool:
    if isinstance(value, bool) or value in (None, 0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise SandboxConfigError(f"{name} doit valoir true ou false (reçu : {value!r}).")
