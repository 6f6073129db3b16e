"""The scholarship request's tax situation ("tax" in the journey's state and the request),
no Flask: retrieved from the DGFiP (one notice, or two for partners neither married nor PACSed,
added up by `rules.bourse.household_of`) or typed by the parent; the notice's year a school
year takes (`rules.examination.tax_year`, as the automatic examination); the estimate, refused
for a retrieved notice with no dependent child (the pupil counts)."""

from __future__ import annotations

from rules.bourse import Estimate, estimate, household_of
from rules.declarants import among_declarants
from rules.examination import tax_year

RETRIEVED, TYPED = "dgfip", "manuel"
NO_CHILD = (
    "Votre avis d'impôt ne compte aucun enfant à charge : or votre enfant doit être à la charge "
    "du foyer. Si vous vivez en couple sans être mariés ni pacsés, ajoutez l'avis du parent qui "
    "a l'enfant à charge ; sinon, saisissez vos revenus vous-même."
)


class NoDependentChild(ValueError):
    """A retrieved notice that counts no dependent child: no estimate (its message French)."""


def wrong_year(avis, annee: str) -> str | None:
    """Why the notice `avis` is not the one school year `annee` takes, or None when it is."""
    wanted = tax_year(annee)
    if avis.annee_impots == wanted:
        return None
    return (
        f"Cet avis est celui de {avis.annee_impots}, sur les revenus {avis.annee_revenus} : "
        f"pour la bourse {annee}, indiquez l'avis d'impôt {wanted} sur les revenus "
        f"{wanted - 1}."
    )


def retrieved(numbers: list[tuple[str, str]], notices: list, renewal: str, declared: bool) -> dict:
    """The tax situation of the notices retrieved for `numbers` (numéro fiscal, référence)."""
    rfr, enfants = household_of(notices)
    return {
        "source": RETRIEVED,
        "notices": [
            {"numero_fiscal": numero, "reference_avis": reference, "notice": avis.to_api()}
            for (numero, reference), avis in zip(numbers, notices, strict=True)
        ],
        "rfr": rfr,
        "enfants_a_charge": enfants,
        "annee_revenus": notices[0].annee_revenus,
        "dgfip_consent": True,
        "renewal": renewal,
        "files": [],
        "other_declarants": not declared,
    }


def typed(
    previous: dict | None, numbers: list[tuple[str, str]], consent: bool, renewal: str, annee: str
) -> dict:
    """The tax situation the parent is going to type, keeping what was already typed (and the
    files already sent) for the same notices."""
    previous = previous if previous and previous["source"] == TYPED else {}
    files = previous.get("files", [])
    return {
        "source": TYPED,
        "notices": [
            {"numero_fiscal": numero, "reference_avis": reference, "notice": None}
            for numero, reference in numbers
        ],
        "rfr": previous.get("rfr"),
        "enfants_a_charge": previous.get("enfants_a_charge"),
        "annee_revenus": tax_year(annee) - 1,
        "dgfip_consent": consent,
        "renewal": renewal,
        "files": (files + [None, None])[: len(numbers)],
    }


def applicant_declared(nom: str, prenom: str, notices: list) -> bool:
    """Whether the parent is a declarant of one of the notices: any valid numbers retrieve a
    notice, another household's too."""
    declarants = [
        declarant
        for avis in notices
        for declarant in (avis.declarant1, avis.declarant2)
        if declarant is not None
    ]
    return among_declarants(nom, prenom, declarants)


def estimate_of(fiscal: dict, annee: str) -> Estimate:
    """The estimate of a tax situation on the scale of `annee`; raises NoDependentChild, or
    rules.bourse.BourseError for what the scale cannot answer."""
    if fiscal["source"] == RETRIEVED and fiscal["enfants_a_charge"] < 1:
        raise NoDependentChild(NO_CHILD)
    return estimate(annee, fiscal["rfr"], fiscal["enfants_a_charge"])
