"""The two numbers a parent copies from the tax notice (avis d'impôt sur le revenu): the numéro
fiscal of a declarant (13 digits, checked with python-stdnum's `fr.nif`) and the référence de
l'avis (13 digits and capital letters). Each check returns the number without spaces, or raises
`TaxNumberError` with the message to show next to the field."""

from __future__ import annotations

import re

from stdnum.exceptions import ValidationError
from stdnum.fr import nif

LENGTH = 13

_DIGITS = re.compile(r"[0-9]+")
_REFERENCE = re.compile(r"[0-9A-Z]+")


class TaxNumberError(ValueError):
    """A number the tax administration cannot have issued; `str(error)` is the French message."""


def _compact(text: str | None) -> str:
    # Parents copy the numbers with the spaces the notice prints ("30 23 217 600 053"), sometimes
    # non-breaking ones: every kind of white space goes.
    return "".join(str(text or "").split())


def check_numero_fiscal(text: str | None) -> str:
    """The numéro fiscal as 13 digits, or TaxNumberError."""
    number = _compact(text)
    if not number:
        raise TaxNumberError(
            "Saisissez votre numéro fiscal : 13 chiffres, en haut de la première page de votre "
            "avis d'impôt."
        )
    if not _DIGITS.fullmatch(number):
        raise TaxNumberError(
            "Le numéro fiscal ne contient que des chiffres : 13 chiffres, sans lettre."
        )
    if len(number) != LENGTH:
        raise TaxNumberError(
            f"Le numéro fiscal compte 13 chiffres ; vous en avez saisi {len(number)}."
        )
    try:
        # Also refuses a first digit other than 0 to 3, which no numéro fiscal has.
        nif.validate(number)
    except ValidationError:
        raise TaxNumberError(
            "Ce numéro fiscal n'est pas valide : vérifiez-le sur votre avis d'impôt."
        ) from None
    return number


def check_reference_avis(text: str | None) -> str:
    """The référence de l'avis as 13 digits and capital letters, or TaxNumberError. Lower-case
    letters are read as capitals: the notice prints capitals only."""
    reference = _compact(text).upper()
    if not reference:
        raise TaxNumberError(
            "Saisissez la référence de l'avis : 13 chiffres et lettres, en haut de la première "
            "page de votre avis d'impôt."
        )
    if not _REFERENCE.fullmatch(reference):
        raise TaxNumberError(
            "La référence de l'avis ne contient que des chiffres et des lettres, sans accent "
            "ni ponctuation."
        )
    if len(reference) != LENGTH:
        raise TaxNumberError(
            "La référence de l'avis compte 13 chiffres et lettres ; "
            f"vous en avez saisi {len(reference)}."
        )
    return reference
