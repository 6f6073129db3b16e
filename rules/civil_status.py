"""The « état civil élargi » of a person (décret n° 2024-306): what the tax administration finds a
household's notice by, for the automatic examination of the right to the scholarship (journeys
§7 bis). Nom de naissance, nom d'usage (may be empty), every prénom in order, date of birth, and
the place of birth: a commune and its département in France, or a country abroad (then the
commune may be given, the département is empty).

Kept in records as a plain dict with English keys (`to_record` / `from_record`).

`same_person(typed, held)` says whether the état civil a parent typed is the one the tax
administration holds for a declarant (the sandbox's stand-in for the DGFiP's own search, and the
rule the tests of the examination rely on). Names, prénoms and communes are compared as §2.1
compares names (`rules.names.normalize_name`: case, accents, spaces, hyphens and apostrophes
ignored), and all of these must agree:
- a name: the birth name or the usage name typed is the declarant's birth name or usage name
  (the notice's nomNaissance or nom);
- the first prénom: the notice's first prénom, whichever way a composed prénom is spaced
  (« Marie-Josée » is « MARIE JOSÉE LUCIENNE »'s first, « Marie » is not); the next prénoms are
  not compared, a parent often gives only the first;
- the date of birth;
- the place of birth: born in France (no country, or « France »), the same département code
  (« 1 » is « 01 », « 2a » is « 2A ») and the same commune, « ST » and « STE » read as « SAINT »
  and « SAINTE » (« Saint-Étienne » is « ST ETIENNE », as administrative files abbreviate);
  born abroad, the same country, and the same city when both give one (the tax administration
  often holds the country only). Born in France is never born abroad.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date

from rules.names import normalize_name


@dataclass(frozen=True)
class CivilStatus:
    birth_name: str  # nom de naissance
    first_names: str  # every prénom, in order, separated by spaces
    birth_date: date
    birth_commune: str = ""
    birth_departement: str = ""  # "69", "2A", "971"; empty when born abroad
    birth_country: str = ""  # empty when born in France
    usage_name: str = ""  # nom d'usage, when there is one

    @property
    def born_abroad(self) -> bool:
        return bool(_country_key(self.birth_country))

    def to_record(self) -> dict:
        return {**asdict(self), "birth_date": self.birth_date.isoformat()}

    @classmethod
    def from_record(cls, record: dict | None) -> CivilStatus | None:
        if not record:
            return None
        return cls(**{**record, "birth_date": date.fromisoformat(record["birth_date"])})


def same_person(typed: CivilStatus, held: CivilStatus) -> bool:
    """True when `typed` (as a parent gave it) is the état civil `held` (the declarant's)."""
    return (
        typed.birth_date == held.birth_date
        and bool(_names(typed) & _names(held))
        and same_first_name(typed.first_names, held.first_names)
        and same_birthplace(typed, held)
    )


def same_first_name(typed: str, held: str) -> bool:
    """The first prénom agrees: the first word of one is the first words of the other joined
    (spaces and hyphens inside a composed prénom are not told apart)."""
    typed_words, held_words = _prenom_words(typed), _prenom_words(held)
    if not typed_words or not held_words:
        return False
    return typed_words[0] in _leading_runs(held_words) or held_words[0] in _leading_runs(
        typed_words
    )


def same_birthplace(typed: CivilStatus, held: CivilStatus) -> bool:
    country = _country_key(typed.birth_country)
    if country or _country_key(held.birth_country):
        return country == _country_key(held.birth_country) and _same_city_abroad(typed, held)
    departement, commune = (
        _departement_key(typed.birth_departement),
        _commune_key(typed.birth_commune),
    )
    return (
        bool(departement and commune)
        and departement == _departement_key(held.birth_departement)
        and commune == _commune_key(held.birth_commune)
    )


def _same_city_abroad(typed: CivilStatus, held: CivilStatus) -> bool:
    """A city abroad is compared only when both give one: the tax administration often holds
    the country alone."""
    city, held_city = _commune_key(typed.birth_commune), _commune_key(held.birth_commune)
    return not city or not held_city or city == held_city


def _names(person: CivilStatus) -> set[str]:
    return {normalize_name(person.birth_name), normalize_name(person.usage_name)} - {""}


# Prénoms are separated by spaces, and by commas when a parent lists them.
_PRENOM_SEPARATORS = re.compile(r"[\s,;]+")


def _prenom_words(prenoms: str) -> list[str]:
    words = (normalize_name(word) for word in _PRENOM_SEPARATORS.split(prenoms))
    return [word for word in words if word]


def _leading_runs(words: list[str]) -> set[str]:
    """The first words joined, one more each time: MARIE JOSÉE LUCIENNE gives "marie",
    "mariejosee" and "mariejoseelucienne"."""
    return {"".join(words[:end]) for end in range(1, len(words) + 1)}


# Words of a place's name: what normalize_name ignores also separates them, so that « ST » is
# found whether it is followed by a space or a hyphen.
_PLACE_SEPARATORS = re.compile(r"[\s\-\u2010'\u2019\u02bc]+")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def _commune_key(commune: str) -> str:
    words = (normalize_name(word) for word in _PLACE_SEPARATORS.split(commune))
    return "".join(_ABBREVIATIONS.get(word, word) for word in words)


def _country_key(country: str) -> str:
    """Empty for no country and for France: born in France either way."""
    key = normalize_name(country)
    return "" if key == "france" else key


def _departement_key(departement: str) -> str:
    code = "".join(departement.split()).upper()
    return code.zfill(2) if code.isdigit() else code
