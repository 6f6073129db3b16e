"""What « Mon compte » says of an account, in French: how and when it was activated, and since
when FranceConnect is linked to it."""

from __future__ import annotations

from datetime import datetime

from rules.clock import moment_text

METHOD_NAMES = {
    "auto-inscription": "en ligne, avec « Je n'ai pas encore d'identifiant »",
    "franceconnect": "avec FranceConnect",
    "notification": "avec les identifiants envoyés par l'établissement (courrier ou courriel)",
}


def when_text(iso: str | None) -> str | None:
    """ "le 14/09/2026 à 10 h 05", in Paris time."""
    return f"le {moment_text(datetime.fromisoformat(iso))}" if iso else None


def activation_text(account: dict) -> str:
    how = METHOD_NAMES.get(account.get("method"), "")
    when = when_text(account.get("activated_at"))
    return f"Compte activé {how}" + (f", {when}" if when else "") + "."


def franceconnect_since(account: dict) -> str | None:
    """When FranceConnect was linked, if known (accounts linked before it was recorded and
    made through FranceConnect: their activation)."""
    if not account.get("franceconnect_sub"):
        return None
    linked = account.get("franceconnect_linked_at")
    if not linked and account.get("method") == "franceconnect":
        linked = account.get("activated_at")
    return when_text(linked)
