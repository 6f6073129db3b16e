"""An e-mail address typed by a parent (journeys §4, step 3): read as people type it (spaces
around, capitals in the domain) and checked well enough for a link sent there to have a chance
to arrive. Nothing is looked up: the link itself proves the address."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 254  # what SMTP can carry (RFC 5321)
MAX_LOCAL_LENGTH = 64

MISSING = "Indiquez votre adresse électronique."
NO_AT = "L'adresse électronique doit contenir un « @ ». Exemple : nom@exemple.fr."
INVALID = "Cette adresse électronique n'est pas valide. Vérifiez-la. Exemple : nom@exemple.fr."
TOO_LONG = f"Cette adresse électronique est trop longue ({MAX_LENGTH} caractères au plus)."

# The part before "@" as RFC 5322 allows it unquoted: no spaces, no dot at either end or twice.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# A top-level domain is letters ("fr", "org"), or an internationalised one in its ASCII form.
_TOP_LEVEL = re.compile(r"[a-z]{2,63}|xn--[a-z0-9-]{1,59}")


class EmailError(ValueError):
    """An address that cannot be used; the message is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_optional(typed: str | None) -> str:
    """As `normalize`, where an address may be left out: "" when nothing was typed."""
    if not (typed or "").strip():
        return ""
    return normalize(typed)


def normalize(typed: str | None) -> str:
    """The address as it will be used: spaces around dropped, the domain in lower case (the part
    before "@" is kept as typed: only its own server may read capitals there)."""
    text = unicodedata.normalize("NFC", (typed or "").strip())
    if not text:
        raise EmailError(MISSING)
    if "@" not in text:
        raise EmailError(NO_AT)
    if len(text) > MAX_LENGTH:
        raise EmailError(TOO_LONG)
    local, _, domain = text.rpartition("@")
    domain = domain.lower()
    if len(local) > MAX_LOCAL_LENGTH or not _LOCAL.fullmatch(local):
        raise EmailError(INVALID)
    try:
        # An accented domain ("élysée.fr") is checked in the form DNS knows it by.
        labels = domain.encode("idna").decode("ascii").split(".")
    except UnicodeError:
        raise EmailError(INVALID) from None
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise EmailError(INVALID)
    if not _TOP_LEVEL.fullmatch(labels[-1]):
        raise EmailError(INVALID)
    return f"{local}@{domain}"
