"""Passwords (journeys §2.4): the rules shown live beside the field, and the stored hash.

The rules follow the CNIL 2022 recommendation for a password alone (12 characters, four kinds
of characters) and add that it must not contain the identifiant or the person's name. Hashes are
argon2id, memory-hard, at argon2-cffi's default cost (RFC 9106's low-memory choice) unless the
setting PASSWORD_HASH_COST gives another, as the tests do: a hash carries its cost, so any hash
made earlier is still verified.
"""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from rules.names import normalize_name

MIN_LENGTH = 12
# A name part shorter than this ("Li", the "D" of "D'Almeida") is too common inside words to
# forbid it.
MIN_NAME_LENGTH = 3

PASSWORD_RULES = [
    ("length", f"{MIN_LENGTH} caractères minimum"),
    ("upper", "1 lettre majuscule minimum"),
    ("lower", "1 lettre minuscule minimum"),
    ("digit", "1 chiffre minimum"),
    ("special", "1 caractère spécial minimum"),
    ("personal", "ne contient ni votre identifiant ni votre nom"),
]
RULE_TEXTS = dict(PASSWORD_RULES)

MISMATCH = "Les deux mots de passe ne sont pas identiques."

# The separators inside a compound name: "Lefèvre-D'Almeida" forbids "lefevre" and "almeida".
_NAME_PARTS = re.compile(r"[\s\-\u2010'\u2019\u02bc]+")

# time_cost, memory_cost (KiB) and parallelism of argon2-cffi's default hasher.
PRODUCTION_COST = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}
_hasher = PasswordHasher(**PRODUCTION_COST)


def set_hash_cost(cost: dict) -> None:
    """The cost of the hashes made from now on in this process, instead of PRODUCTION_COST: the
    app factory's, when the tests' setting gives one."""
    global _hasher
    _hasher = PasswordHasher(**cost)


def unmet_rules(
    password: str,
    identifiant: str | None,
    names: list[str],
    min_length: int = MIN_LENGTH,
    min_name_length: int = MIN_NAME_LENGTH,
) -> list[str]:
    """The keys of the rules the password does not meet, in the order of PASSWORD_RULES."""
    met = {
        # Counted in characters as the person sees them: "é" typed as e + accent is one.
        "length": len(unicodedata.normalize("NFC", password)) >= min_length,
        "upper": any(char.isupper() for char in password),
        "lower": any(char.islower() for char in password),
        "digit": any(char in "0123456789" for char in password),
        # Punctuation and symbols; a space is allowed but does not count as one.
        "special": any(not char.isalnum() and not char.isspace() for char in password),
        "personal": not _contains_personal(password, identifiant, names, min_name_length),
    }
    return [key for key, _ in PASSWORD_RULES if not met[key]]


def rule_states(password: str, identifiant: str | None, names: list[str]) -> list[tuple]:
    """Each rule of PASSWORD_RULES as (key, text, met by `password`), as shown beside the
    field while it is typed."""
    unmet = unmet_rules(password, identifiant, names)
    return [(key, text, key not in unmet) for key, text in PASSWORD_RULES]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """Whether the password matches; a missing or damaged hash is a mismatch, never an error."""
    if not hashed:
        return False
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _contains_personal(
    password: str, identifiant: str | None, names: list[str], min_name_length: int
) -> bool:
    # Compared as names are: "SOPHIE", "Sophié" and "so-phie" all contain "sophie".
    typed = normalize_name(password)
    forbidden = [normalize_name(part) for part in _personal_words(identifiant, names)]
    return any(len(word) >= min_name_length and word in typed for word in forbidden)


def _personal_words(identifiant: str | None, names: list[str]) -> list[str]:
    words = []
    if identifiant and identifiant.strip():
        plain = identifiant.strip()
        # "m.durand2" must not hide in "M.Durand7!": the number is dropped too.
        words += [plain, plain.rstrip("0123456789")]
    for name in names:
        if name:
            words += [name, *_NAME_PARTS.split(name)]
    return words
