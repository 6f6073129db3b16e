"""Test identities (data/sandbox/franceconnect-identities.json), their pairwise `sub`, and the
claims each scope releases (franceconnect.md, "Scopes → claims")."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

CLAIMS = (
    "given_name",
    "family_name",
    "preferred_username",
    "birthdate",
    "gender",
    "birthplace",
    "birthcountry",
    "email",
)

# Each scope → the claims it releases; a claim is also a scope of its own name.
SCOPE_GROUPS = {
    "profile": ("given_name", "family_name", "birthdate", "gender", "preferred_username"),
    "identite_pivot": (
        "given_name",
        "family_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
    ),
    "birth": ("birthplace", "birthcountry"),
}
SCOPES = ("openid", *CLAIMS, *SCOPE_GROUPS)
REQUIRED = ("id", "given_name", "family_name", "birthdate", "gender", "birthcountry", "email")


def load(path: str | Path) -> dict[str, dict]:
    """The identities by id, in the file's order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    identities: dict[str, dict] = {}
    for identity in data["identities"]:
        missing = [name for name in REQUIRED if not identity.get(name)]
        if missing:
            raise ValueError(f"{path} : identité sans {', '.join(missing)} : {identity!r}")
        if identity["id"] in identities:
            raise ValueError(f"{path} : identifiant en double : {identity['id']}")
        identities[identity["id"]] = identity
    return identities


def pairwise_sub(identity_id: str, client_id: str, sub_secret: str) -> str:
    """64 hex characters + "v1": HMAC-SHA256 of the identity id with a secret of this client
    (itself derived from the sandbox's SUB_SECRET), so two clients see two different subs."""
    client_secret = hmac.new(sub_secret.encode(), client_id.encode(), hashlib.sha256).digest()
    return hmac.new(client_secret, identity_id.encode(), hashlib.sha256).hexdigest() + "v1"


def released_claims(scope: str) -> set[str]:
    names: set[str] = set()
    for value in scope.split():
        if value in CLAIMS:
            names.add(value)
        names.update(SCOPE_GROUPS.get(value, ()))
    return names


def claims_for(identity: dict, scope: str) -> dict:
    """The identity's claims the scope releases; `birthplace` is "" when born abroad and
    `preferred_username` is left out when the identity has no usage name."""
    claims = {}
    for name in sorted(released_claims(scope)):
        value = identity.get(name)
        if name == "birthplace":
            claims[name] = value or ""
        elif value:
            claims[name] = value
    return claims
