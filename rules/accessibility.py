"""The accessibility audit (RGAA 4.1) kept in the repository, data/accessibilite/audit.json, and
what the statement says from it: the conformance rate and status (issue 13, item 10).

The rate is C ÷ (C + NC) over the applicable criteria (NA left out); the status follows RGAA:
« totalement conforme » at 100 %, « partiellement conforme » from 50 %, « non conforme » below
50 % or when there is no audit at all. A criterion not checked is recorded as NC, never as C.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

AUDIT_PATH = Path(__file__).resolve().parent.parent / "data" / "accessibilite" / "audit.json"

# RGAA 4.1: 13 themes, with the number of criteria in each (106 in all).
THEMES = {
    1: ("Images", 9),
    2: ("Cadres", 2),
    3: ("Couleurs", 3),
    4: ("Multimédia", 13),
    5: ("Tableaux", 8),
    6: ("Liens", 2),
    7: ("Scripts", 5),
    8: ("Éléments obligatoires", 10),
    9: ("Structuration de l'information", 4),
    10: ("Présentation de l'information", 14),
    11: ("Formulaires", 13),
    12: ("Navigation", 11),
    13: ("Consultation", 12),
}
CRITERIA = [f"{theme}.{n}" for theme, (_, count) in THEMES.items() for n in range(1, count + 1)]
RESULTS = {"C": "conforme", "NC": "non conforme", "NA": "non applicable"}

TOTAL = "totalement conforme"
PARTIAL = "partiellement conforme"
NONE = "non conforme"
PARTIAL_FROM = Fraction(1, 2)


@dataclass(frozen=True)
class Criterion:
    id: str
    result: str
    check: str
    title: str = ""
    pages: tuple[str, ...] = ()
    reason: str = ""

    @property
    def theme(self) -> str:
        return THEMES[int(self.id.split(".")[0])][0]


@dataclass(frozen=True)
class Audit:
    date: date
    data: dict
    criteria: tuple[Criterion, ...]

    def with_result(self, result: str) -> list[Criterion]:
        return [criterion for criterion in self.criteria if criterion.result == result]

    def __getitem__(self, key: str):
        return self.data[key]


def parse(data: dict) -> Audit:
    criteria = tuple(
        Criterion(
            id=entry["id"],
            result=entry["result"],
            check=entry["check"],
            title=entry.get("title", ""),
            pages=tuple(entry.get("pages", ())),
            reason=entry.get("reason", ""),
        )
        for entry in data["criteria"]
    )
    return Audit(date=date.fromisoformat(data["date"]), data=data, criteria=criteria)


def load(path: Path = AUDIT_PATH) -> Audit | None:
    """The audit, or None when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse(json.loads(text))


def problems(audit: Audit) -> list[str]:
    """What makes the audit incomplete or unusable (empty when it is sound)."""
    found = []
    ids = [criterion.id for criterion in audit.criteria]
    for missing in sorted(set(CRITERIA) - set(ids), key=CRITERIA.index):
        found.append(f"{missing}: absent")
    for extra in sorted(set(ids) - set(CRITERIA)):
        found.append(f"{extra}: pas un critère du RGAA 4.1")
    for twice in sorted({i for i in ids if ids.count(i) > 1}):
        found.append(f"{twice}: plusieurs fois")
    for criterion in audit.criteria:
        if criterion.result not in RESULTS:
            found.append(f"{criterion.id}: résultat {criterion.result!r}")
        if not criterion.check.strip():
            found.append(f"{criterion.id}: sans méthode de vérification")
        if criterion.result == "NC" and not (
            criterion.pages and criterion.reason.strip() and criterion.title.strip()
        ):
            found.append(f"{criterion.id}: non conforme sans titre, pages ou raison")
    return found


def rate(audit: Audit | None) -> Fraction | None:
    """C ÷ (C + NC); None without an audit or without an applicable criterion."""
    if audit is None:
        return None
    conform = len(audit.with_result("C"))
    applicable = conform + len(audit.with_result("NC"))
    return Fraction(conform, applicable) if applicable else None


def percent(value: Fraction) -> int:
    """The rate as a whole percentage, rounded down (99.6 % is not « 100 % »)."""
    return int(value * 100)


def status(audit: Audit | None) -> str:
    value = rate(audit)
    if value is None:
        return NONE
    if value == 1:
        return TOTAL
    if value >= PARTIAL_FROM:
        return PARTIAL
    return NONE
