"""Is the responsable who makes a scholarship request a declarant of the tax notice they gave?

Any valid numéro fiscal and référence retrieve a notice, another household's too: when the
responsable is none of its declarants, the school checks the request before deciding (the
parent may go on: the notice may be their partner's, or under a name the school does not know).

Names are compared as §2.1 compares them (`rules.names.normalize_name`: case, accents, spaces,
hyphens and apostrophes ignored). A declarant is the responsable when, both on that declarant:
- the responsable's nom is the declarant's nom (the usage name on the notice), their nom de
  naissance, or both joined in either order (a double usage name); and
- the responsable's prénom, or its first word, is one of the declarant's prénoms or several of
  them in a row (« Marie-Josée » for « MARIE JOSÉE », « Nadège » for « MARIE NADÈGE »).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rules.names import normalize_name


class Declarant(Protocol):
    """A declarant as the tax notice names them (`outside.tax.Declarant`)."""

    nom: str
    nom_naissance: str
    prenoms: str


def among_declarants(nom: str, prenom: str, declarants: Iterable[Declarant]) -> bool:
    """True when the responsable is one of `declarants` (those of every notice given)."""
    return any(is_declarant(nom, prenom, declarant) for declarant in declarants)


def is_declarant(nom: str, prenom: str, declarant: Declarant) -> bool:
    same_nom = normalize_name(nom) in _noms_of(declarant)
    return same_nom and bool(_prenom_forms(prenom) & _prenoms_of(declarant))


def _noms_of(declarant: Declarant) -> set[str]:
    nom, naissance = normalize_name(declarant.nom), normalize_name(declarant.nom_naissance)
    return {nom, naissance, nom + naissance, naissance + nom} - {""}


def _prenom_forms(prenom: str) -> set[str]:
    """The responsable's prénom as it may stand on a notice: whole, or its first word."""
    words = prenom.split()
    return {normalize_name(prenom), normalize_name(words[0])} - {""} if words else set()


def _prenoms_of(declarant: Declarant) -> set[str]:
    """Each of the declarant's prénoms, and each run of them in a row, joined."""
    words = [normalize_name(word) for word in declarant.prenoms.split()]
    return {
        "".join(words[start:end])
        for start in range(len(words))
        for end in range(start + 1, len(words) + 1)
    } - {""}
