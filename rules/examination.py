"""The automatic examination of the right to the scholarship (journeys §7 bis, issue 14): what a
pupil's household's tax notices give on the scale of the school year, and whether a pupil is
to be examined (again).

School year "2026-2027" examines the notice of tax year 2026 (income 2025), as the online
request does. A household has one notice, or two for partners neither married nor PACSed
(`rules.bourse.household_of` adds them, as for the online request).

Results: ELIGIBLE (an échelon and its amounts), NOT_ELIGIBLE (the RFR above the ceiling), both
final for the school year; NOT_FOUND (no notice for this état civil, or one that counts no
dependent child: the family is asked to apply online), examined again once the consent's état
civil changed; UNAVAILABLE (the tax service did not answer), examined again at the next run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from rules.bourse import ceiling, estimate, household_of

ELIGIBLE, NOT_ELIGIBLE, NOT_FOUND, UNAVAILABLE = (
    "eligible",
    "not_eligible",
    "not_found",
    "unavailable",
)
RESULTS = (ELIGIBLE, NOT_ELIGIBLE, NOT_FOUND, UNAVAILABLE)
FINAL = (ELIGIBLE, NOT_ELIGIBLE)
# As the back office says them.
LABELS = {
    ELIGIBLE: "éligible",
    NOT_ELIGIBLE: "non éligible",
    NOT_FOUND: "données introuvables",
    UNAVAILABLE: "service indisponible",
}


@dataclass(frozen=True)
class Outcome:
    result: str
    rfr: int | None = None
    enfants: int | None = None
    ceiling: int | None = None  # échelon 1's, shown to a household above it
    echelon: int = 0
    montant_annuel: int = 0
    montant_trimestriel: int = 0
    provisoire: bool = False

    def as_record(self) -> dict:
        return asdict(self)


def tax_year(annee: str) -> int:
    """The tax year whose notice school year `annee` ("2026-2027") examines: 2026."""
    return int(annee[:4])


def judged(annee: str, notices: list) -> Outcome:
    """The result of a household's notices (`AvisImposition`, one or two) on the scale of
    `annee`. A notice without its RFR is no usable answer: UNAVAILABLE, tried again."""
    if not notices or any(avis.revenu_fiscal_reference is None for avis in notices):
        return Outcome(UNAVAILABLE)
    rfr, enfants = household_of(notices)
    if enfants < 1:
        # The pupil is not this household's dependant: the family applies online, where it
        # can add the notice of the parent who has the child.
        return Outcome(NOT_FOUND, rfr=rfr, enfants=enfants)
    found = estimate(annee, rfr, enfants)
    if not found.echelon:
        return Outcome(NOT_ELIGIBLE, rfr=rfr, enfants=enfants, ceiling=ceiling(annee, enfants))
    return Outcome(
        ELIGIBLE,
        rfr=rfr,
        enfants=enfants,
        echelon=found.echelon,
        montant_annuel=found.montant_annuel,
        montant_trimestriel=found.montant_trimestriel,
        provisoire=found.provisoire,
    )


def consent_key(consent: dict) -> str:
    """What identifies the household a consent names: its row and both états civils, so a
    corrected état civil (or the other parent's consent) is a new key. A digest: the result
    row keeps no état civil, which is erased when the consent is withdrawn."""
    named = [consent["id"], consent.get("applicant"), consent.get("partner")]
    return hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()


def to_examine(previous: dict | None, key: str) -> bool:
    """Whether a pupil whose last result this school year is `previous` (None: never
    examined) is examined now, the consent's household being `key`."""
    if previous is None or previous["result"] == UNAVAILABLE:
        return True
    if previous["result"] == NOT_FOUND:
        return previous["consent"]["key"] != key
    return False
