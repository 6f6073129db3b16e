"""The online services of a school (journeys §6, "Téléservices"): the table "teleservices", one
row per school and service, written only when the school changes something.

- "fiche", « Fiche de renseignements »: open unless the school closes it;
- "bourse", « Bourse de collège »: periodic; open when the school has opened it and today is
  within its campaign dates (by default 1 September to the third Thursday of October).

A campaign belongs to one school year: a row whose dates are of an earlier school year counts as
not set (the school opens each year's campaign), its welcome message kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from outside.storage import Tx
from records import audit
from rules.campaign import default_campaign, school_year_bounds, school_year_label, school_year_of
from rules.clock import in_paris

TELESERVICES = "teleservices"
FICHE, BOURSE = "fiche", "bourse"
LABELS = {FICHE: "Fiche de renseignements", BOURSE: "Bourse de collège"}
MESSAGE_MAX = 500


class State(StrEnum):
    """A service as the school set it; the value is stored ("state") and shown."""

    OPEN = "ouvert"
    CLOSED = "fermé"


class Phase(StrEnum):
    """Where a service stands today, as the parents' page and the back office say it."""

    OPEN = "ouverte"
    NOT_YET = "à venir"  # opened by the school, its campaign not begun
    OVER = "terminée"  # opened by the school, its campaign ended
    CLOSED = "fermée"


@dataclass(frozen=True)
class Service:
    service: str
    label: str
    state: State
    message: str
    start: date | None  # the campaign's dates, for a periodic service only
    end: date | None
    phase: Phase

    @property
    def open(self) -> bool:
        """Open now: what the parents see."""
        return self.phase is Phase.OPEN

    @property
    def periodic(self) -> bool:
        return self.start is not None


class ServiceErrors(ValueError):
    """What is wrong with a change, a French message per field of the form ("etat", "message",
    "debut", "fin")."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def services_of(tx: Tx, uai: str, today: date) -> list[Service]:
    """The school's services, fiche first, with their state on `today`."""
    rows = {doc["service"]: doc for doc in tx.find(TELESERVICES, uai=uai)}
    return [_effective(name, rows.get(name), today) for name in LABELS]


def service_of(tx: Tx, uai: str, service: str, today: date) -> Service:
    row = tx.find_one(TELESERVICES, uai=uai, service=service)
    return _effective(service, row, today)


def _effective(service: str, row: dict | None, today: date) -> Service:
    row = row or {}
    state = State(row.get("state", State.OPEN if service == FICHE else State.CLOSED))
    message = row.get("message", "")
    if service == FICHE:
        return Service(service, LABELS[service], state, message, None, None, _phase(state))
    year = school_year_of(today)
    start, end = default_campaign(year)
    if row.get("start") and school_year_of(date.fromisoformat(row["start"])) == year:
        start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
    else:
        state = State.CLOSED  # no campaign set for this school year yet
    if state is State.OPEN and today < start:
        phase = Phase.NOT_YET
    elif state is State.OPEN and today > end:
        phase = Phase.OVER
    else:
        phase = _phase(state)
    return Service(service, LABELS[service], state, message, start, end, phase)


def _phase(state: State) -> Phase:
    return Phase.OPEN if state is State.OPEN else Phase.CLOSED


def check(
    service: str, state: str, message: str, start: date | None, end: date | None, today: date
) -> dict[str, str]:
    """The French errors of a change, by field; empty when it can be saved."""
    if service not in LABELS:
        raise ValueError(f"service inconnu : {service}")
    errors = {}
    if state not in tuple(State):
        errors["etat"] = f"Choisissez « {State.OPEN} » ou « {State.CLOSED} »."
    if len(message) > MESSAGE_MAX:
        errors["message"] = (
            f"Le message d'accueil ne doit pas dépasser {MESSAGE_MAX} caractères "
            f"(il en compte {len(message)})."
        )
    if service != BOURSE:
        return errors
    year = school_year_of(today)
    first, last = school_year_bounds(year)
    outside = (
        f"Indiquez une date de l'année scolaire {school_year_label(year)} "
        f"(du {first:%d/%m/%Y} au {last:%d/%m/%Y})."
    )
    if start is None:
        errors["debut"] = "Indiquez la date d'ouverture de la campagne."
    elif not first <= start <= last:
        errors["debut"] = outside
    if end is None:
        errors["fin"] = "Indiquez la date de clôture de la campagne."
    elif not first <= end <= last:
        errors["fin"] = outside
    elif start is not None and end <= start:
        errors["fin"] = "La date de clôture doit être après la date d'ouverture."
    return errors


def save_service(
    tx: Tx,
    uai: str,
    service: str,
    state: str,
    message: str,
    start: date | None,
    end: date | None,
    now: datetime,
) -> Service:
    """Check and write a service's state, message and (bourse) dates, without a journal entry
    (the demo data uses it; staff changes go through `set_service`)."""
    message = (message or "").strip()
    today = in_paris(now).date()
    errors = check(service, state, message, start, end, today)
    if errors:
        raise ServiceErrors(errors)
    periodic = service == BOURSE
    row = {
        "uai": uai,
        "service": service,
        "state": state,
        "message": message,
        "start": start.isoformat() if periodic else None,
        "end": end.isoformat() if periodic else None,
        "changed_at": in_paris(now).isoformat(),
    }
    # Two first changes at once would both insert the row: the second waits, then updates it.
    tx.lock(f"teleservice:{uai}:{service}")
    found = tx.find_one(TELESERVICES, uai=uai, service=service)
    if found is None:
        tx.insert(TELESERVICES, row)
    else:
        tx.update(TELESERVICES, found["id"], row)
    return service_of(tx, uai, service, today)


def set_service(
    tx: Tx,
    uai: str,
    service: str,
    state: str,
    message: str,
    start: date | None,
    end: date | None,
    staff: dict,
    now: datetime,
) -> Service:
    """A staff member's change to a service of their own school, written to the journal in the
    same transaction: the change and its entry are saved together, or neither."""
    if staff["uai"] != uai:
        raise PermissionError("un personnel ne modifie que les services de son établissement")
    saved = save_service(tx, uai, service, state, message, start, end, now)
    audit.record(tx, staff, "teleservice", describe(saved), now)
    return saved


def describe(service: Service) -> str:
    """The journal's sentence: « Bourse de collège : ouvert du 01/09/2026 au 15/10/2026, sans
    message d'accueil. »"""
    dates = f" du {service.start:%d/%m/%Y} au {service.end:%d/%m/%Y}" if service.periodic else ""
    message = "avec un message d'accueil" if service.message else "sans message d'accueil"
    return f"{service.label} : {service.state}{dates}, {message}."
