"""Non-recours made visible (issue 14, item 5): the school's collège pupils of a school year
for whom no responsable consents to the automatic examination and no request is active, per
class, with the families to remind. A refused or withdrawn consent is no consent, a withdrawn
request no request; a paper request the school has not typed in is not known here (the page
says so).

Reads the school's pupils, their consents, the year's requests and the school's responsables
with their accounts: keyed reads, whatever the school's size.
"""

from __future__ import annotations

from dataclasses import dataclass

from outside.storage import Tx
from records import bourse_requests, consents, school
from records.bourse_requests import RequestState
from records.email_changes import confirmed_email
from records.roster import eleves_of
from records.school import Family, class_order
from rules.names import normalize_name
from rules.roster import NIVEAUX


@dataclass(frozen=True)
class ClassCount:
    classe: str
    pupils: int
    consents: int  # pupils examined on a responsable's consent
    requests: int  # pupils with an active request this school year
    neither: int


@dataclass(frozen=True)
class Pupil:
    eleve: dict
    responsables: list[str]  # "Mme Odile Fontaine", as the back office names them


@dataclass(frozen=True)
class Recipient:
    """One way to reach a family: its mobile, and its confirmed e-mail address if any."""

    telephone: str
    email: str


@dataclass(frozen=True)
class NonRecours:
    counts: list[ClassCount]
    pupils: list[Pupil]  # by class, then name
    families: list[Family]  # the responsables of those pupils, each once

    @property
    def classes(self) -> list[str]:
        return [count.classe for count in self.counts]

    def recipients(self) -> list[Recipient]:
        """Each responsable once: the mobile of its account (the one it proved), else the
        school's; the e-mail only when the account confirmed it."""
        return [
            Recipient(
                (family.account or {}).get("phone") or family.responsable["telephone"],
                confirmed_email(family.account),
            )
            for family in self.families
        ]


def of_school(tx: Tx, uai: str, school_year: str) -> NonRecours:
    pupils = [pupil for pupil in eleves_of(tx, uai) if pupil["niveau"] in NIVEAUX]
    choices = consents.of_pupils(tx, [pupil["ine"] for pupil in pupils])
    consenting = {ine for ine, found in choices.items() if consents.examined(found)}
    requesting = {
        request["ine"]
        for request in bourse_requests.of_school(tx, uai, school_year)
        if request["state"] != RequestState.WITHDRAWN
    }
    neither = [p for p in pupils if p["ine"] not in consenting | requesting]
    neither.sort(key=lambda p: (class_order(p["classe"]), normalize_name(p["nom"]), p["prenom"]))
    wanted = {pupil["ine"] for pupil in neither}
    families = [
        family
        for family in school.families(tx, uai)
        if any(child["ine"] in wanted for child in family.children)
    ]
    names: dict[str, list[str]] = {}
    for family in families:
        for child in family.children:
            names.setdefault(child["ine"], []).append(family.name)
    return NonRecours(
        _counts(pupils, consenting, requesting),
        [Pupil(pupil, names.get(pupil["ine"], [])) for pupil in neither],
        families,
    )


def _counts(pupils: list[dict], consenting: set[str], requesting: set[str]) -> list[ClassCount]:
    classes = sorted({pupil["classe"] for pupil in pupils}, key=class_order)
    counts = []
    for classe in classes:
        ines = {pupil["ine"] for pupil in pupils if pupil["classe"] == classe}
        counts.append(
            ClassCount(
                classe,
                len(ines),
                len(ines & consenting),
                len(ines & requesting),
                len(ines - consenting - requesting),
            )
        )
    return counts
