"""Where a pupil's automatic examination of the right to the scholarship stands in a school year
(journeys §7 bis, issue 14), as « Mes services » shows it and as the online request obeys it.

The consent counts as a request: a pupil whose household is examined (`consents.examined`) has
no online request to make, unless the examination of the year could not find the household's
notice (« not_found »): the family is then invited to apply online before the campaign's end.
Until the examination has run, a given consent is awaited; withdrawn, it no longer counts, and
the family applies online or on paper as any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from outside.storage import Tx
from records import consents, examinations
from records.consents import ConsentState, Examined
from rules.examination import NOT_FOUND


class Stage(StrEnum):
    """What the parent reads first about the examination of a pupil."""

    NO_CHOICE = "no_choice"  # no responsable consents, and this one has not refused
    REFUSED = "refused"  # this parent refused (or withdrew), and no other consents
    AWAITING = "awaiting"  # a consent counts, the year's examination has not run
    EXAMINED = "examined"  # the year's result is in `ExaminationState.result`


@dataclass(frozen=True)
class ExaminationState:
    examined: Examined | None  # the consent whose household is examined, if any
    own: dict | None  # this account's own choice for the pupil, if it made one
    result: dict | None  # the year's examination of the examined household, if it ran

    @property
    def stage(self) -> Stage:
        if self.examined is None:
            refused = self.own is not None and self.own["state"] != ConsentState.GIVEN
            return Stage.REFUSED if refused else Stage.NO_CHOICE
        return Stage.AWAITING if self.result is None else Stage.EXAMINED

    @property
    def outcome(self) -> str | None:
        """The year's result ("eligible", "not_eligible", "not_found", "unavailable")."""
        return self.result["result"] if self.stage == Stage.EXAMINED else None

    @property
    def may_apply_online(self) -> bool:
        """Whether the online request is offered: nobody's consent counts, or the examination
        found nothing."""
        return self.examined is None or self.outcome == NOT_FOUND

    @property
    def by_this_account(self) -> bool:
        return bool(self.examined and self.own and self.examined.consent["id"] == self.own["id"])


def of_pupils(tx: Tx, ines, school_year: str, account_id: int) -> dict[str, ExaminationState]:
    """The state of each of these pupils in school year `school_year` ("2026-2027"), as the parent
    with this account sees it."""
    choices = consents.of_pupils(tx, ines)
    return {ine: _state(tx, choices.get(ine, []), ine, school_year, account_id) for ine in ines}


def of_pupil(tx: Tx, ine: str, school_year: str, account_id: int) -> ExaminationState:
    return of_pupils(tx, [ine], school_year, account_id)[ine]


def _state(tx: Tx, choices: list[dict], ine: str, school_year: str, account_id: int):
    examined = consents.examined(choices)
    own = next((choice for choice in choices if choice["account_id"] == account_id), None)
    result = examinations.of_pupil(tx, ine, school_year) if examined else None
    return ExaminationState(examined, own, result)
