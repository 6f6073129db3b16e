"""The bank details of a scholarship request (journeys §7, « Coordonnées bancaires »): the
account holder, the IBAN (checked with python-stdnum) and the optional BIC. The scholarship is
paid by a SEPA credit transfer, so the IBAN must be of a country of the SEPA schemes.

Every error is a `BankError` whose message is French, for the parent who typed the number.
"""

from __future__ import annotations

import re

from stdnum import bic, iban, numdb
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError

HOLDER_MAX = 70  # characters of a name in a SEPA credit transfer (ISO 20022 "Nm")

# python-stdnum knows every IBAN country but not which are in SEPA: the countries of the
# European Payments Council's list (EPC409-09): the EU, the EEA, the United Kingdom,
# Switzerland, the microstates, Gibraltar, and Albania, Moldova, Montenegro and North Macedonia
# admitted from November 2024. The French overseas departments and collectivities, Jersey,
# Guernsey, the Isle of Man and Åland use the IBANs of France, the United Kingdom and Finland.
SEPA = frozenset(
    {
        # European Union
        *("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU"),
        *("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"),
        # European Economic Area, then the other participants
        *("IS", "LI", "NO"),
        *("CH", "GB", "MC", "SM", "VA", "AD", "GI"),
        *("AL", "MD", "ME", "MK"),
    }
)

_IBAN_FORMATS = numdb.get("iban")
_STRUCTURE = re.compile(r"(\d+)!([nac])")


class BankError(ValueError):
    """Bank details that cannot be used; the message is French, for the parent."""


def _compact(text: str | None) -> str:
    # Every kind of space (a copied RIB often holds non-breaking ones), then stdnum's separators.
    return iban.compact(re.sub(r"\s", "", text or ""))


def check_iban(text: str | None) -> str:
    """The IBAN compact and in capitals ("FR7630006000011234567890189"), or BankError."""
    number = _compact(text)
    if not number:
        raise BankError("Indiquez l'IBAN du compte (il figure sur votre RIB).")
    if not re.fullmatch(r"[A-Z0-9]+", number):
        raise BankError(
            "L'IBAN ne contient que des lettres et des chiffres, par exemple "
            "FR76 3000 6000 0112 3456 7890 189."
        )
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]*", number):
        raise BankError(
            "L'IBAN commence par le code du pays en deux lettres (FR pour la France) suivi de "
            "deux chiffres."
        )
    country = number[:2]
    structure = _IBAN_FORMATS.info(country)[0][1].get("bban")
    if not structure:
        raise BankError(
            f"« {country} » n'est pas un code de pays d'IBAN : un IBAN français commence par FR."
        )
    if country not in SEPA:
        raise BankError(
            "La bourse est versée par virement SEPA : indiquez le compte d'une banque d'un pays "
            f"de la zone SEPA (l'IBAN saisi est celui d'un pays hors zone, « {country} »)."
        )
    expected = 4 + sum(int(count) for count, _ in _STRUCTURE.findall(structure))
    if len(number) != expected:
        raise BankError(
            f"Un IBAN commençant par {country} compte {expected} caractères ; celui saisi en "
            f"compte {len(number)}. Vérifiez-le sur votre RIB."
        )
    try:
        return iban.validate(number)
    except InvalidChecksum:
        raise BankError(
            "Cet IBAN n'existe pas : sa clé de contrôle ne correspond pas. Vérifiez chaque "
            "caractère sur votre RIB."
        ) from None
    except ValidationError:
        raise BankError(
            f"Cet IBAN n'a pas la forme d'un IBAN {country}. Vérifiez-le sur votre RIB."
        ) from None


def check_bic(text: str | None) -> str:
    """The BIC compact and in capitals, "" when none is given (it is optional), or BankError."""
    code = bic.compact(re.sub(r"\s", "", text or ""))
    if not code:
        return ""
    try:
        return bic.validate(code)
    except InvalidLength:
        raise BankError(
            f"Le BIC compte 8 ou 11 caractères ; celui saisi en compte {len(code)}."
        ) from None
    except ValidationError:
        raise BankError(
            "Ce BIC n'est pas valide : 4 lettres pour la banque, 2 pour le pays, puis 2 ou 5 "
            "lettres ou chiffres (par exemple BNPAFRPP). Il est facultatif."
        ) from None


def check_holder(text: str | None) -> str:
    """The account holder's name, its spaces tidied, or BankError."""
    holder = " ".join((text or "").split())
    if not holder:
        raise BankError("Indiquez le nom du titulaire du compte, tel qu'il figure sur le RIB.")
    if len(holder) > HOLDER_MAX:
        raise BankError(
            f"Le nom du titulaire ne doit pas dépasser {HOLDER_MAX} caractères "
            f"(il en compte {len(holder)})."
        )
    if not holder.isprintable():
        raise BankError("Le nom du titulaire contient des caractères non imprimables.")
    return holder


def format_iban(number: str) -> str:
    """In groups of four, as a RIB prints it: "FR76 3000 6000 0112 3456 7890 189"."""
    return iban.format(number)


def mask_iban(number: str) -> str:
    """Only the country, the check digits and the last three characters, for a receipt that
    may be printed or forwarded: "FR76 **** **** **** **** **** 189"."""
    number = _compact(number)
    hidden = number[:4] + "*" * max(len(number) - 7, 0) + number[4:][-3:]
    return " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
