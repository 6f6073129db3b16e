"""The scale of the bourse de collège (../shared/spec/bourse-college.md): one data file per school
year in data/bourse/, the échelon and amounts for an RFR and a number of dependent children, and
the formula the tables come from (to check them, and to enter a year before it is published).

The estimate is only an estimate: the decision belongs to the school head.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "bourse"
ECHELONS = ("1", "2", "3")
COLUMNS = 8  # the last column holds 8 dependent children or more

# Arrêté du 22/03/2016 (D531-5, D531-7): ceiling = coefficient × gross hourly SMIC on 1 July of
# year N-1, rounded half-up to the euro; amount = a share of the BMAF on 1 January of year N,
# rounded to the nearest multiple of 3 (paid in three equal terms).
COEFFICIENTS = {
    "1": ("1556.2", "1915.3", "2274.4", "2633.5", "2992.7", "3351.8", "3710.9", "4070"),
    "2": ("841.2", "1035.4", "1229.5", "1423.7", "1617.8", "1811.9", "2006.1", "2200.2"),
    "3": ("296.8", "365.3", "433.8", "502.3", "570.8", "639.3", "707.8", "776.3"),
}
BMAF_SHARES = {"1": "25.60", "2": "70.91", "3": "110.75"}

YEAR = re.compile(r"(\d{4})-(\d{4})")


class BourseError(ValueError):
    """Input the scale cannot answer; its message is French, for the person who typed it."""


@dataclass(frozen=True)
class Scale:
    annee: str
    source: str
    provisoire: bool
    incertain: bool
    smic: Decimal
    bmaf: Decimal
    plafonds: dict[str, tuple[int, ...]]
    montants_annuels: dict[str, int]
    date_limite: date

    @property
    def rentree(self) -> int:
        """N, the year of the rentrée: the RFR is on the tax notice of N, on the income of N-1."""
        return int(self.annee[:4])


@dataclass(frozen=True)
class Estimate:
    annee: str
    echelon: int
    montant_annuel: int
    montant_trimestriel: int
    provisoire: bool

    def as_dict(self) -> dict:
        return asdict(self)


def use_scales(folder: str | Path) -> None:
    """Read the scales from `folder` (setting BOURSE_SCALES) from now on."""
    global DATA
    DATA = Path(folder)
    _read.cache_clear()


def annees() -> list[str]:
    """The school years that have a scale, oldest first."""
    return sorted(path.stem for path in DATA.glob("*.json") if YEAR.fullmatch(path.stem))


def load_scale(annee: str) -> Scale:
    if not isinstance(annee, str) or annee not in annees():
        known = annees()
        raise BourseError(
            f"Année scolaire « {annee} » inconnue : les barèmes disponibles vont de "
            f"{known[0]} à {known[-1]}."
        )
    return _read(annee)


@cache
def _read(annee: str) -> Scale:
    raw = json.loads((DATA / f"{annee}.json").read_text(encoding="utf-8"), parse_float=Decimal)
    plafonds = {echelon: tuple(raw["plafonds"][echelon]) for echelon in ECHELONS}
    scale = Scale(
        annee=raw["annee"],
        source=raw["source"],
        provisoire=raw["provisoire"],
        incertain=raw.get("incertain", False),
        smic=Decimal(raw["smic"]),
        bmaf=Decimal(raw["bmaf"]),
        plafonds=plafonds,
        montants_annuels={echelon: raw["montants_annuels"][echelon] for echelon in ECHELONS},
        date_limite=date.fromisoformat(raw["date_limite"]),
    )
    if scale.annee != annee or any(len(row) != COLUMNS for row in plafonds.values()):
        raise ValueError(f"data/bourse/{annee}.json : barème mal formé.")
    return scale


def estimate(annee: str, rfr: int, enfants: int) -> Estimate:
    """The échelon (3 is the highest, 0 no scholarship) and the amounts for a household whose
    revenu fiscal de référence is `rfr` with `enfants` dependent children (D531-5: the
    resources must not exceed the ceiling)."""
    scale = load_scale(annee)
    if not _is_integer(rfr):
        raise BourseError("Le revenu fiscal de référence doit être un nombre entier d'euros.")
    if rfr < 0:
        raise BourseError("Le revenu fiscal de référence ne peut pas être négatif.")
    if not _is_integer(enfants):
        raise BourseError("Le nombre d'enfants à charge doit être un nombre entier.")
    if enfants < 1:
        raise BourseError(
            "Le nombre d'enfants à charge est d'au moins 1 : l'élève de collège compte."
        )
    column = _column(enfants)
    echelon = next(
        (int(e) for e in reversed(ECHELONS) if rfr <= scale.plafonds[e][column]),
        0,
    )
    annual = scale.montants_annuels[str(echelon)] if echelon else 0
    return Estimate(
        annee=scale.annee,
        echelon=echelon,
        montant_annuel=annual,
        montant_trimestriel=annual // 3,
        provisoire=scale.provisoire,
    )


def _column(enfants: int) -> int:
    return min(enfants, COLUMNS) - 1


def ceiling(annee: str, enfants: int) -> int:
    """The highest RFR with a scholarship (échelon 1's ceiling) for `enfants` dependent
    children: what a household above it is told it exceeds."""
    return load_scale(annee).plafonds["1"][_column(max(enfants, 1))]


def household_of(notices) -> tuple[int, int]:
    """The RFR and dependent children of a household from its tax notices: one for a single
    parent or a married or PACSed couple; two for partners neither married nor PACSed, whose
    RFR are added (bourse-college.md) and whose dependent children too."""
    return (
        sum(avis.revenu_fiscal_reference for avis in notices),
        sum(avis.nombre_personnes_charge for avis in notices),
    )


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_whole_number(text: str) -> int:
    """A whole number as a person types it: « 12 000 », « 12000 € »; raises ValueError
    otherwise (a sign, decimals, letters, or more than 9 digits)."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "").removesuffix("€")
    if not re.fullmatch(r"\d{1,9}", cleaned):
        raise ValueError(text)
    return int(cleaned)


# The formula ------------------------------------------------------------------------------


def _euros(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def formula_table(smic: Decimal, bmaf: Decimal) -> tuple[dict[str, list[int]], dict[str, int]]:
    """The ceilings and annual amounts the formula gives for a SMIC (gross hourly, 1 July of
    N-1) and a BMAF (1 January of N)."""
    smic, bmaf = Decimal(str(smic)), Decimal(str(bmaf))
    plafonds = {
        echelon: [_euros(Decimal(c) * smic) for c in coefficients]
        for echelon, coefficients in COEFFICIENTS.items()
    }
    montants = {
        echelon: 3 * _euros(Decimal(share) * bmaf / 100 / 3)
        for echelon, share in BMAF_SHARES.items()
    }
    return plafonds, montants


def recompute(annee: str) -> tuple[dict[str, list[int]], dict[str, int]]:
    """A year's table recomputed from its SMIC and BMAF, to compare with its data file."""
    scale = load_scale(annee)
    return formula_table(scale.smic, scale.bmaf)


def school_year_on(day: date) -> str:
    """The school year under way on `day` (it starts in September)."""
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}-{start + 1}"
