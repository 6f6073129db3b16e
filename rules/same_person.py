"""Are two accounts the same person's (journeys §5, « Ajouter des élèves depuis un autre compte »)?

Names are compared as §2.1 compares them (`rules.names.normalize_name`: case, accents, spaces,
hyphens and apostrophes ignored): the noms must be equal. The prénoms must be equal too, or, as
FranceConnect's list of first names is read (§3), one of them must be one of the other's first
names, given whole: « Nadège » is « Marie Nadège », « Marie » is not « Marie-Josée ».

An account is known by several names: the one it was made with and those of each roster record
it holds (one per school, each typed by its secretariat). Two accounts are the same person's
when any name of one matches any name of the other.
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.names import normalize_name

Name = tuple[str, str]  # (nom, prénom)


def same_person(names: Iterable[Name], other_names: Iterable[Name]) -> bool:
    others = list(other_names)
    return any(same_name(name, other) for name in names for other in others)


def same_name(name: Name, other: Name) -> bool:
    nom, prenom = name
    other_nom, other_prenom = other
    key = normalize_name(nom or "")
    return (
        bool(key)
        and key == normalize_name(other_nom or "")
        and prenoms_match(prenom or "", other_prenom or "")
    )


def prenoms_match(prenom: str, other: str) -> bool:
    whole, other_whole = normalize_name(prenom), normalize_name(other)
    if not whole or not other_whole:
        return False
    return (
        whole == other_whole or whole in _first_names(other) or other_whole in _first_names(prenom)
    )


def _first_names(prenom: str) -> set[str]:
    return {normalize_name(word) for word in prenom.split()} - {""}
