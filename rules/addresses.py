"""A postal address typed by a parent (journeys §6, the fiche de renseignements, and §7 step 1):
read as people type it (spaces around and doubled spaces dropped) and checked well enough for a
letter to arrive.

Decided: the lines follow the French postal standard (AFNOR NF Z10-011), which La Poste's
machines read: 38 characters per line, so the commune has 32 once the code postal and its space
are on the same line. The street line, the code postal and the commune are required; the
complement (building, flat, lieu-dit) is not. A code postal is 5 digits, not starting with « 00 »
(no département has that number); a space typed inside (« 69 001 ») is dropped. Nothing is
looked up: the school would rather have an address than a refusal from an incomplete list of
communes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

LINE_LENGTH = 38
COMMUNE_LENGTH = LINE_LENGTH - 6  # « 69001 » and a space share the last line

FIELDS = ("line1", "line2", "postal_code", "city")

MISSING = {
    "line1": "Indiquez le numéro et le nom de la voie.",
    "postal_code": "Indiquez le code postal.",
    "city": "Indiquez la commune.",
}
TOO_LONG = "Cette ligne est trop longue ({length} caractères au plus)."
COMMUNE_TOO_LONG = f"Ce nom de commune est trop long ({COMMUNE_LENGTH} caractères au plus)."
BAD_POSTAL_CODE = "Le code postal doit comporter 5 chiffres. Exemple : 69001."
UNPRINTABLE = "Ce texte contient des caractères qui ne peuvent pas être imprimés sur un courrier."

_POSTAL_CODE = re.compile(r"(?!00)[0-9]{5}")


class AddressErrors(ValueError):
    """What is wrong with an address: a French message per field of FIELDS."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Address:
    """Kept as it is here (`as_dict`) on the account and in a scholarship request."""

    line1: str
    line2: str
    postal_code: str
    city: str

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Address:
        return cls(**{name: data.get(name) or "" for name in FIELDS})

    def lines(self) -> list[str]:
        """The address as it is written on an envelope, without an empty complement."""
        return [line for line in (self.line1, self.line2) if line] + [
            f"{self.postal_code} {self.city}"
        ]


def check_address(line1: str, line2: str, postal_code: str, city: str) -> Address:
    """The address as it will be kept, or AddressErrors naming every wrong field at once."""
    typed = {
        "line1": _clean(line1),
        "line2": _clean(line2),
        "postal_code": re.sub(r"\s+", "", postal_code or ""),
        "city": _clean(city),
    }
    errors = {}
    for name, value in typed.items():
        error = _error(name, value)
        if error:
            errors[name] = error
    if errors:
        raise AddressErrors(errors)
    return Address(**typed)


def _clean(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _error(name: str, value: str) -> str | None:
    if not value:
        return MISSING.get(name)
    if not value.isprintable():
        return UNPRINTABLE
    if name == "postal_code":
        return None if _POSTAL_CODE.fullmatch(value) else BAD_POSTAL_CODE
    if name == "city":
        return COMMUNE_TOO_LONG if len(value) > COMMUNE_LENGTH else None
    return TOO_LONG.format(length=LINE_LENGTH) if len(value) > LINE_LENGTH else None
