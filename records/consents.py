"""The consent to the automatic examination of the right to the scholarship (journeys §7 bis,
issue 14), table "bourse_consents": one row per pupil and responsable's account.

A parent gives or refuses it in the fiche de renseignements, for one collège pupil. Given, it
holds the état civil élargi of the applicant (the parent) and of the partner living with them,
if any, and counts as a request for every school year until withdrawn: it has no year, so
nothing is carried from one year to the next. Refused or withdrawn, the état civil is erased
(nothing is kept that the examination no longer needs); the choice and its history stay.

Both responsables of a pupil may consent; the school examines one household per pupil:
`examined` says which, and why (`Examined.reason`, a French sentence for the back office).

Every change of a row is made under the lock "consent:<ine>", so two parents (or two tabs)
choosing at once never write over each other, and the examination reads a settled choice.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from outside.storage import Tx
from rules.civil_status import CivilStatus
from rules.clock import in_paris

CONSENTS = "bourse_consents"


class ConsentState(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


# What the history lines say (French: the parent and the school read them).
_HISTORY = {
    ConsentState.GIVEN: "Accord donné pour l'examen automatique du droit à bourse.",
    ConsentState.REFUSED: "Examen automatique refusé.",
    ConsentState.WITHDRAWN: "Accord retiré.",
}
_CHANGED = "Accord confirmé, état civil mis à jour."


@dataclass(frozen=True)
class Examined:
    """The consent whose household the school examines for a pupil, and why this one."""

    consent: dict
    reason: str


def choose(
    tx: Tx,
    account: dict,
    child: dict,
    given: bool,
    now: datetime,
    applicant: CivilStatus | None = None,
    partner: CivilStatus | None = None,
) -> dict:
    """Record the parent's choice for `child` (an entry of `records.accounts.children_of`):
    given (with the `applicant`'s état civil, the `partner`'s if any) or refused. A new choice
    replaces the last; the history keeps each."""
    if given and applicant is None:
        raise ValueError("un accord sans l'état civil du demandeur")
    state = ConsentState.GIVEN if given else ConsentState.REFUSED
    changes = {
        "state": state.value,
        "applicant": applicant.to_record() if given else None,
        "partner": partner.to_record() if given and partner else None,
        "uai": child["uai"],
    }
    tx.lock(f"consent:{child['ine']}")
    existing = of_account_for_pupil(tx, account["id"], child["ine"])
    moment = in_paris(now).isoformat()
    if existing is None:
        row = {
            "ine": child["ine"],
            "account_id": account["id"],
            "parent": {"first_name": account["first_name"], "last_name": account["last_name"]},
            **changes,
            "given_at": moment if given else None,
            "changed_at": moment,
            "history": [_entry(state, moment, _HISTORY[state])],
        }
        row_id = tx.insert(CONSENTS, row)
        return {**copy.deepcopy(row), "id": row_id}
    was_given = existing["state"] == ConsentState.GIVEN
    detail = _CHANGED if given and was_given else _HISTORY[state]
    changes.update(
        given_at=(existing["given_at"] if was_given else moment) if given else None,
        changed_at=moment,
        history=[*existing["history"], _entry(state, moment, detail)],
    )
    tx.update(CONSENTS, existing["id"], changes)
    return {**existing, **copy.deepcopy(changes)}


def withdraw(tx: Tx, account_id: int, ine: str, now: datetime) -> dict:
    """The parent withdraws a given consent (raises LookupError when none is given): the
    état civil is erased, the pupil's next examinations no longer use this household."""
    tx.lock(f"consent:{ine}")
    existing = of_account_for_pupil(tx, account_id, ine)
    if existing is None or existing["state"] != ConsentState.GIVEN:
        raise LookupError(f"aucun accord donné pour l'élève {ine} par le compte {account_id}")
    moment = in_paris(now).isoformat()
    state = ConsentState.WITHDRAWN
    changes = {
        "state": state.value,
        "applicant": None,
        "partner": None,
        "given_at": None,
        "changed_at": moment,
        "history": [*existing["history"], _entry(state, moment, _HISTORY[state])],
    }
    tx.update(CONSENTS, existing["id"], changes)
    return {**existing, **changes}


def of_account_for_pupil(tx: Tx, account_id: int, ine: str) -> dict | None:
    return tx.find_one(CONSENTS, ine=ine, account_id=account_id)


def of_account(tx: Tx, account_id: int) -> list[dict]:
    """The account's choices, one per pupil."""
    return tx.find(CONSENTS, account_id=account_id)


def given_for_another_pupil(tx: Tx, account_id: int, ine: str) -> dict | None:
    """The account's consent given for another of its pupils (the last changed), whose état
    civil the parent is offered for this one (a sibling), to confirm."""
    given = [
        consent
        for consent in of_account(tx, account_id)
        if consent["ine"] != ine and consent["state"] == ConsentState.GIVEN
    ]
    return max(given, key=lambda consent: consent["changed_at"], default=None)


def of_pupils(tx: Tx, ines) -> dict[str, list[dict]]:
    """Every responsable's choice for each of these pupils (a pupil with none is absent)."""
    found: dict[str, list[dict]] = {}
    for consent in tx.find_any(CONSENTS, "ine", sorted(set(ines))):
        found.setdefault(consent["ine"], []).append(consent)
    return found


def examined(consents: list[dict]) -> Examined | None:
    """Of one pupil's consents (every responsable's), the one whose household is examined:
    None when no responsable consents. When both consent, the first given (an examination may
    already have used it, and both households are the pupil's); when one refuses, the other's
    consent still counts: either parent may apply for the scholarship alone."""
    given = sorted(
        (consent for consent in consents if consent["state"] == ConsentState.GIVEN),
        key=lambda consent: (datetime.fromisoformat(consent["given_at"]), consent["id"]),
    )
    if not given:
        return None
    chosen = given[0]
    name = _name(chosen)
    if len(given) > 1:
        reason = (
            f"Les deux responsables ont donné leur accord : le foyer examiné est celui de "
            f"{name}, qui l'a donné le premier."
        )
    elif any(consent["state"] == ConsentState.REFUSED for consent in consents):
        reason = (
            f"L'autre responsable a refusé l'examen automatique ; l'accord de {name} suffit, "
            "comme suffirait sa demande en ligne."
        )
    else:
        reason = f"Accord donné par {name}."
    return Examined(chosen, reason)


def household_for(consents: list[dict], account_id: int) -> str | None:
    """What the parent of `account_id` reads of the household examined for the pupil, when
    another responsable has chosen too (None otherwise): whose, and why. The other responsable
    is not named: what they chose is said, as the school sees it, not who they are."""
    others = [consent for consent in consents if consent["account_id"] != account_id]
    if not others:
        return None
    found = examined(consents)
    if found is None:
        return (
            "Aucun responsable de l'élève n'a donné son accord : l'établissement n'examine pas "
            "son droit à la bourse. Pour la bourse, faites une demande pendant la campagne."
        )
    other_given = any(consent["state"] == ConsentState.GIVEN for consent in others)
    if found.consent["account_id"] == account_id:
        if other_given:
            return (
                "Un autre responsable de l'élève a aussi donné son accord. L'établissement "
                "examine un seul foyer par élève : le vôtre, car vous avez donné votre accord "
                "le premier."
            )
        if any(consent["state"] == ConsentState.REFUSED for consent in others):
            return (
                "Un autre responsable de l'élève a refusé l'examen automatique. Votre accord "
                "suffit : l'établissement examine votre foyer."
            )
        return "L'établissement examine votre foyer : l'autre responsable a retiré son accord."
    mine = next((consent for consent in consents if consent["account_id"] == account_id), None)
    if mine and mine["state"] == ConsentState.GIVEN:
        return (
            "Un autre responsable de l'élève a aussi donné son accord, avant vous. "
            "L'établissement examine un seul foyer par élève : le sien, car son accord est le "
            "premier donné. Le vôtre servira s'il retire le sien."
        )
    return (
        "Un autre responsable de l'élève a donné son accord : l'établissement examine son "
        "foyer. L'accord d'un seul responsable suffit, comme suffirait sa demande en ligne."
    )


def _name(consent: dict) -> str:
    parent = consent["parent"]
    return f"{parent['first_name']} {parent['last_name']}"


def _entry(state: ConsentState, moment: str, detail: str) -> dict:
    return {"state": state.value, "at": moment, "detail": detail}
