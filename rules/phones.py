"""French mobile numbers, metropolitan or overseas, read with the `phonenumbers` library.

A number is read first with the region of the child's school, then as a metropolitan one: a
parent in Cayenne types "0694 20 12 34", a parent in Lyon "06 12 34 56 78", and either may type
the international form. Everything is kept in E.164 ("+594694201234").
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Départements whose numbers are not metropolitan ones: the UAI starts with the département.
_REGION_BY_DEPARTEMENT = {
    "0971": "GP",  # Guadeloupe
    "0972": "MQ",  # Martinique
    "0973": "GF",  # Guyane
    "0974": "RE",  # La Réunion
    "0976": "YT",  # Mayotte
}

# Metropolitan France and the overseas territories whose mobiles a French operator serves.
FRENCH_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"})

# Digits with the separators people type; anything else (letters) is not a phone number, even
# though phonenumbers would read "06 CALL ME" as a vanity number.
_TYPED_NUMBER = re.compile(r"^\+?[\d\s.\-/()]+$")

MISSING = "Indiquez un numéro de téléphone portable."
NOT_A_NUMBER = (
    "Ce n'est pas un numéro de téléphone : utilisez seulement des chiffres, des espaces "
    "et le signe +. Exemple : 06 12 34 56 78."
)
INVALID = (
    "Ce numéro de téléphone n'est pas valide : vérifiez les chiffres. "
    "Exemple : 06 12 34 56 78, ou pour l'outre-mer +594 694 20 12 34."
)
LANDLINE = "C'est un numéro de téléphone fixe : indiquez un numéro de portable."
NOT_MOBILE = "Ce numéro n'est pas un numéro de portable : indiquez un numéro de portable."
FOREIGN = (
    "Ce numéro n'est pas un numéro français : indiquez un numéro de portable français "
    "(métropole ou outre-mer)."
)


class PhoneError(ValueError):
    """A typed number that is not a French mobile; the message is shown to the user as is.

    `kind` lets code tell the cases apart without reading the French text:
    "missing", "not_a_number", "invalid", "landline", "not_mobile", "foreign".
    """

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.kind = kind


def region_for_uai(uai: str) -> str:
    """The phone region of a school: overseas départements by their UAI prefix, else FR."""
    return _REGION_BY_DEPARTEMENT.get(uai.strip()[:4], "FR")


def parse_mobile(text: str, region: str = "FR") -> str:
    """The E.164 form of a French mobile number, or PhoneError saying what is wrong with it."""
    typed = text.strip()
    if not typed:
        raise PhoneError(MISSING, "missing")
    if not _TYPED_NUMBER.match(typed):
        raise PhoneError(NOT_A_NUMBER, "not_a_number")

    valid = [number for number in _readings(typed, region) if phonenumbers.is_valid_number(number)]
    for number in valid:
        if _is_french(number) and _is_mobile(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if not valid:
        raise PhoneError(INVALID, "invalid")
    # The first valid reading (the school's region first) says why the number is refused.
    number = valid[0]
    if not _is_french(number):
        raise PhoneError(FOREIGN, "foreign")
    if phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE:
        raise PhoneError(LANDLINE, "landline")
    raise PhoneError(NOT_MOBILE, "not_mobile")


_ERROR_PRECEDENCE = ("missing", "not_a_number", "landline", "not_mobile", "foreign", "invalid")
# The regions a number typed in national form may belong to, metropolitan first.
_NATIONAL_READINGS = ("FR", "GP", "MQ", "GF", "RE", "YT")


def mobile_candidates(text: str) -> list[str]:
    """Every French mobile a parent may mean by `text` when the school is not known yet:
    "0694 20 12 34" is a Guyane number to a parent in Cayenne, a metropolitan one in Lyon.
    Raises PhoneError, as a metropolitan reading would, when it is no mobile anywhere."""
    candidates, errors = [], []
    for region in _NATIONAL_READINGS:
        try:
            candidates.append(parse_mobile(text, region))
        except PhoneError as error:
            errors.append(error)
    if not candidates:
        # "0594 30 00 00" is invalid in Lyon but a landline in Cayenne: say the most telling.
        raise min(errors, key=lambda error: _ERROR_PRECEDENCE.index(error.kind))
    return list(dict.fromkeys(candidates))


def mask_mobile(e164: str) -> str:
    """The national form with the middle groups hidden: "06 •• •• •• 78", "0694 •• •• 34"."""
    number = phonenumbers.parse(e164, None)
    groups = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL).split()
    if len(groups) < 3:
        return " ".join(groups)
    hidden = ["•" * len(group) for group in groups[1:-1]]
    return " ".join([groups[0], *hidden, groups[-1]])


def _readings(typed: str, region: str) -> list[phonenumbers.PhoneNumber]:
    """The number read with the school's region, then as a metropolitan number."""
    readings = []
    failure = None
    for candidate in dict.fromkeys([region, "FR"]):
        try:
            readings.append(phonenumbers.parse(typed, candidate))
        except NumberParseException as error:
            failure = error
    if not readings:
        # Too short, too long or an unknown country code is a mistyped number, not just text.
        if failure.error_type == NumberParseException.NOT_A_NUMBER:
            raise PhoneError(NOT_A_NUMBER, "not_a_number")
        raise PhoneError(INVALID, "invalid")
    return readings


def _is_french(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.region_code_for_number(number) in FRENCH_REGIONS


def _is_mobile(number: phonenumbers.PhoneNumber) -> bool:
    return phonenumbers.number_type(number) == PhoneNumberType.MOBILE
