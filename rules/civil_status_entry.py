"""An « état civil élargi » typed by a parent in the fiche de renseignements (journeys §7 bis,
issue 14): the applicant's own, or the partner's. Read as people type it (spaces around and
doubled dropped, commas between prénoms taken as spaces) and checked so that the tax
administration can find the household's notice by it: every wrong field named at once.

Decided:
- Names and prénoms are letters, with spaces, hyphens and apostrophes (« N'Diaye », « Jean-Luc »):
  no digit. The nom d'usage is optional.
- The date of birth is typed in three fields (jour, mois, année, as a child's in §2.3) and must be
  plausible for a parent or a partner living with one: between MIN_AGE and MAX_AGE years old.
- Born in France: the commune and the département's number (01 to 95, 2A, 2B, and the overseas
  971 to 978, 986 to 988); « 20 », Corsica before 1976, is asked again as 2A or 2B, the code the
  tax administration now keeps. Born abroad: the country, the town if the parent wishes. Both a
  département and a country is refused: the parent says which.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from rules import birthdates
from rules.civil_status import CivilStatus
from rules.names import normalize_name

MIN_AGE = 16
MAX_AGE = 110
NAME_LENGTH = 80
FIRST_NAMES_LENGTH = 120
PLACE_LENGTH = 60

# The form's parts, in the page's order: each error is named by one of them.
FIELDS = ("nom_naissance", "nom_usage", "prenoms", "naissance", "commune", "departement", "pays")

MISSING_BIRTH_NAME = "Indiquez le nom de naissance."
MISSING_FIRST_NAMES = "Indiquez les prénoms."
BAD_NAME = (
    "Un nom ne contient que des lettres, et si besoin des espaces, des traits d'union et des "
    "apostrophes."
)
BAD_FIRST_NAMES = (
    "Les prénoms ne contiennent que des lettres, et si besoin des traits d'union et des "
    "apostrophes ; séparez-les par un espace."
)
NAME_TOO_LONG = f"Ce nom est trop long ({NAME_LENGTH} caractères au plus)."
FIRST_NAMES_TOO_LONG = f"Ces prénoms sont trop longs ({FIRST_NAMES_LENGTH} caractères au plus)."
FUTURE = "La date de naissance ne peut pas être dans le futur."
TOO_YOUNG = f"Vérifiez l'année de naissance : cette date donne moins de {MIN_AGE} ans."
TOO_OLD = f"Vérifiez l'année de naissance : cette date donne plus de {MAX_AGE} ans."
MISSING_COMMUNE = "Indiquez la commune de naissance."
BAD_PLACE = "Ce nom de lieu contient des caractères qui ne peuvent pas être lus."
PLACE_TOO_LONG = f"Ce nom de lieu est trop long ({PLACE_LENGTH} caractères au plus)."
MISSING_PLACE = (
    "Indiquez le département de naissance, ou le pays de naissance pour une naissance à l'étranger."
)
BAD_DEPARTEMENT = (
    "Ce numéro de département n'existe pas. Indiquez son numéro : 2 ou 3 caractères, par "
    "exemple 69, 2A ou 971."
)
CORSICA = (
    "Pour une naissance en Corse, indiquez 2A (Corse-du-Sud) ou 2B (Haute-Corse), même avant 1976."
)
BOTH_PLACES = (
    "Indiquez soit un département (naissance en France), soit un pays (naissance à "
    "l'étranger), pas les deux."
)
FRANCE_AS_COUNTRY = (
    "Pour une naissance en France, laissez le pays vide et indiquez le département de naissance."
)
BAD_COUNTRY = (
    "Un nom de pays ne contient que des lettres, et si besoin des espaces, des traits d'union "
    "et des apostrophes."
)

_DEPARTEMENTS = frozenset(
    [f"{number:02d}" for number in range(1, 96) if number != 20]
    + ["2A", "2B"]
    + [str(number) for number in (*range(971, 979), 986, 987, 988)]
)
# Letters with, inside, single spaces, hyphens or apostrophes (straight or typographic).
_WORDS = re.compile(r"[^\W\d_]+(?:[ '’-]{1,2}[^\W\d_]+)*")


class CivilStatusErrors(ValueError):
    """What is wrong with a typed état civil: a French message per part of FIELDS."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def check_civil_status(
    *,
    nom_naissance: str,
    nom_usage: str,
    prenoms: str,
    jour: str,
    mois: str,
    annee: str,
    commune: str,
    departement: str,
    pays: str,
    today: date,
) -> CivilStatus:
    """The état civil as it will be kept, or CivilStatusErrors naming every wrong part."""
    errors: dict[str, str] = {}
    birth_name = _name(nom_naissance, "nom_naissance", errors, MISSING_BIRTH_NAME)
    usage_name = _name(nom_usage, "nom_usage", errors, None)
    first_names = _first_names(prenoms, errors)
    birth_date = _birth_date(jour, mois, annee, today, errors)
    place = _place(commune, departement, pays, errors)
    if errors:
        raise CivilStatusErrors(errors)
    return CivilStatus(
        birth_name=birth_name,
        first_names=first_names,
        birth_date=birth_date,
        usage_name=usage_name,
        **place,
    )


def _clean(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _name(typed: str, field: str, errors: dict, missing: str | None) -> str:
    value = _clean(typed)
    if not value:
        if missing:
            errors[field] = missing
    elif len(value) > NAME_LENGTH:
        errors[field] = NAME_TOO_LONG
    elif not _WORDS.fullmatch(value):
        errors[field] = BAD_NAME
    return value


def _first_names(typed: str, errors: dict) -> str:
    value = _clean((typed or "").replace(",", " "))
    if not value:
        errors["prenoms"] = MISSING_FIRST_NAMES
    elif len(value) > FIRST_NAMES_LENGTH:
        errors["prenoms"] = FIRST_NAMES_TOO_LONG
    elif not _WORDS.fullmatch(value):
        errors["prenoms"] = BAD_FIRST_NAMES
    return value


def _birth_date(jour: str, mois: str, annee: str, today: date, errors: dict) -> date | None:
    try:
        born = birthdates.parse(jour, mois, annee)
    except birthdates.BirthDateError as error:
        errors["naissance"] = error.message
        return None
    if born > today:
        errors["naissance"] = FUTURE
    elif _age(born, today) < MIN_AGE:
        errors["naissance"] = TOO_YOUNG
    elif _age(born, today) > MAX_AGE:
        errors["naissance"] = TOO_OLD
    return born


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _place(commune: str, departement: str, pays: str, errors: dict) -> dict:
    """The place of birth's three parts as CivilStatus keeps them; errors noted."""
    town = _clean(commune)
    code = re.sub(r"\s+", "", departement or "").upper()
    country = _clean(pays)
    if len(code) == 1 and code.isdigit():
        code = f"0{code}"  # « 1 » for the Ain
    if town and not town.isprintable():
        errors["commune"] = BAD_PLACE
    elif len(town) > PLACE_LENGTH:
        errors["commune"] = PLACE_TOO_LONG
    if country:
        if code:
            errors["pays"] = BOTH_PLACES
        elif normalize_name(country) == "france":
            errors["pays"] = FRANCE_AS_COUNTRY
        elif len(country) > PLACE_LENGTH:
            errors["pays"] = PLACE_TOO_LONG
        elif not _WORDS.fullmatch(country):
            errors["pays"] = BAD_COUNTRY
        return {"birth_commune": town, "birth_departement": "", "birth_country": country}
    if not town:
        errors.setdefault("commune", MISSING_COMMUNE)
    if not code:
        errors["departement"] = MISSING_PLACE
    elif code == "20":
        errors["departement"] = CORSICA
    elif code not in _DEPARTEMENTS:
        errors["departement"] = BAD_DEPARTEMENT
    return {"birth_commune": town, "birth_departement": code, "birth_country": ""}
