"""The « état civil élargi » of a person (décret n° 2024-306): what the tax administration finds a
household's notice by, for the automatic examination of the right to the scholarship (journeys
§7 bis). Nom de naissance, nom d'usage (may be empty), every prénom in order, date of birth, and
the place of birth: a commune and its département in France, or a country abroad (then the
commune may be given, the département is empty).

Kept in records as a plain dict with English keys (`to_record` / `from_record`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date


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
        return bool(self.birth_country)

    def to_record(self) -> dict:
        return {**asdict(self), "birth_date": self.birth_date.isoformat()}

    @classmethod
    def from_record(cls, record: dict | None) -> CivilStatus | None:
        if not record:
            return None
        return cls(**{**record, "birth_date": date.fromisoformat(record["birth_date"])})
