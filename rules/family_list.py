"""The back office's list of a school's responsables (journeys §4) as the database pages it:
the keys kept on each responsable record, so that a page, its count and its filters are read by
an index, not by reading the school's every family.

- order: by nom, then prénom, compared as names are (`rules.names.normalize_name`), then by the
  record's id;
- search: a text is found in the name of the responsable or of one of its children at the
  school, « prénom nom » or « nom prénom », compared as names are ("lea" finds "Léa");
- filters: a class of one of those children, the state of the responsable's account.
"""

from __future__ import annotations

from rules.account_states import AccountState
from rules.names import normalize_name

NO_ACCOUNT = AccountState.NOT_ACTIVATED  # the state listed for a responsable without an account

# Between the names of the search key: normalize_name leaves no space, so a text searched never
# spans two names.
_BETWEEN = " "


def children_at_school(responsable: dict, eleves: dict[str, dict]) -> list[dict]:
    """The responsable's children among `eleves` (by INE) who are at its school, by prénom."""
    children = [
        eleves[ine]
        for ine in responsable.get("eleves", [])
        if ine in eleves and eleves[ine]["uai"] == responsable["uai"]
    ]
    return sorted(children, key=lambda child: normalize_name(child["prenom"]))


def list_keys(responsable: dict, children: list[dict]) -> dict:
    """The keys of a responsable record for the list, from its names and its children at the
    school (`children_at_school`)."""
    names = [
        normalize_name(text)
        for person in (responsable, *children)
        for text in (f"{person['prenom']} {person['nom']}", f"{person['nom']} {person['prenom']}")
    ]
    return {
        "tri_nom": normalize_name(responsable["nom"]),
        "tri_prenom": normalize_name(responsable["prenom"]),
        "recherche": _BETWEEN.join(names),
        "classes": sorted({child["classe"] for child in children}),
    }


def list_changes(responsable: dict, eleves: dict[str, dict], state: str) -> dict:
    """The list's keys of a responsable record that differ from those it holds, given the
    pupils among whom its children are (by INE) and its account's `state`."""
    keys = list_keys(responsable, children_at_school(responsable, eleves))
    keys["etat_compte"] = state
    return {name: value for name, value in keys.items() if responsable.get(name) != value}


def searched(text: str) -> str | None:
    """What the search key must hold for `text`; None when the text searches nothing (blank)."""
    return normalize_name(text) if text.strip() else None
