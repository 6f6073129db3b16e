"""Scholarship requests (journeys §7, « Demande de bourse de collège »): the table
"demandes_bourse", one row per request, as the contract of issue 6 describes it.

One active request per pupil and school year: a withdrawn one stays for the record, and a new
one may then be made. Each request has a number per school and school year
("0691234A-2026-00001"), from the counter "demande:<uai>-<year>" taken in the transaction that
inserts it, so two requests sent at once, in any processes, never share one. A request is
submitted with a token (the journey's id): the same token again returns the same request
unchanged, so a double click or a reloaded page never makes a second one; the pupil's lock
("eleve:<ine>") makes two sendings at once one request. The family may correct or withdraw its
request while the campaign is open and no decision is taken; the school's staff take it from
« déposée » to « en instruction »; the secretariat may then propose a decision (an échelon, or a
reason to refuse), and only the school head (a "direction" account) takes it: « accordée » (with
an échelon) or « refusée » (with a reason). Each step is in the journal, written with it, and a
decision names who proposed it. The school's automatic examination (journeys §7 bis) makes the
request of an eligible pupil itself, « en instruction » and marked "origin": "examen
automatique" (`from_examination`), without bank details, which the school asks the family for.
Every change of a request is made under its lock
("demande:<number>"), so a correction, a proposal, a decision and a receipt's claim arriving
together never write over each other.
"""

from __future__ import annotations

import copy
from datetime import datetime
from enum import StrEnum

from outside.storage import Tx
from records import audit
from records.accounts import children_of
from records.staff import DIRECTION
from records.teleservices import BOURSE, service_of
from rules.campaign import school_year_label, school_year_of
from rules.clock import in_paris
from rules.tax_situation import RETRIEVED, TYPED

REQUESTS = "demandes_bourse"


class RequestState(StrEnum):
    """A request's state. Its value is the French word stored and shown as it is: the back
    office's badges and list filter (`?etat=déposée`), the CSV, the receipt and the family's
    pages print it, so one word serves the record, the address and the page."""

    SUBMITTED = "déposée"
    IN_REVIEW = "en instruction"
    GRANTED = "accordée"
    REFUSED = "refusée"
    WITHDRAWN = "retirée"


DECIDED = (RequestState.GRANTED, RequestState.REFUSED)
# What the staff may do from each state; anything else is a BadTransition.
TRANSITIONS = {
    RequestState.SUBMITTED: (RequestState.IN_REVIEW,),
    RequestState.IN_REVIEW: DECIDED,
}

DATA_KEYS = ("contact", "tax", "estimate", "bank")
SOURCES = (RETRIEVED, TYPED)
FAMILY = "famille"  # who made a change in the history, when not a staff member
ECHELONS = (1, 2, 3)
# Why a request's documents are to be checked before deciding (« pièces à vérifier »).
TYPED_BY_FAMILY = "les données fiscales ont été saisies par la famille"
OTHER_DECLARANTS = (
    "déclarants différents du demandeur : le responsable qui fait la demande n'est pas parmi "
    "les déclarants de l'avis d'impôt"
)
REASON_MAX = 500


class AlreadyRequested(Exception):
    """The pupil already has an active request this school year (kept in `existing`)."""

    def __init__(self, existing: dict):
        super().__init__(
            f"Une demande de bourse est déjà enregistrée pour cet élève cette année "
            f"(n° {existing['number']})."
        )
        self.existing = existing


class CampaignClosed(Exception):
    def __init__(self):
        super().__init__(
            "La campagne de bourse de collège n'est pas ouverte : la demande ne peut pas être "
            "envoyée ni modifiée en ligne. Adressez-vous au secrétariat de l'établissement."
        )


class NotChangeable(Exception):
    """Decided or withdrawn: the family can no longer change it (kept in `request`)."""

    def __init__(self, request: dict):
        super().__init__(
            f"La demande n° {request['number']} est « {request['state']} » : elle ne peut plus "
            "être modifiée ni retirée."
        )
        self.request = request


class DecisionReserved(PermissionError):
    """A staff member who is not the school head tried to grant or refuse."""

    def __init__(self):
        super().__init__(
            "Seule la direction de l'établissement peut accorder ou refuser une bourse. "
            "Vous pouvez proposer une décision : la direction la verra sur cette page."
        )


class BadTransition(ValueError):
    """A state change the staff cannot make, or a decision without its échelon or its reason:
    `field` is then the form's "echelon" or "motif", for the form to show the message on it."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# -- The family ----------------------------------------------------------------------------------


def submit(tx: Tx, account: dict, child: dict, data: dict, token: str, now: datetime) -> dict:
    """Record the request of `account` for `child` (an entry of `records.accounts.children_of`),
    with the parent's `data` ("contact", "tax", "estimate", "bank").

    The same `token` again returns the request it made, unchanged (even corrected or withdrawn
    since). Raises CampaignClosed, AlreadyRequested, or LookupError for a child not the
    account's.
    """
    _check_data(data)
    if child["ine"] not in {one["ine"] for one in children_of(tx, account["responsable_ids"])}:
        raise LookupError(f"l'élève {child['ine']} n'est pas un enfant du compte {account['id']}")
    moment = in_paris(now)
    year = school_year_of(moment.date())
    school_year = school_year_label(year)
    # Two sendings at once for one pupil (a double click reaching two processes, two tabs):
    # the second waits here, then finds the first's request by its token or as the active one.
    tx.lock(f"eleve:{child['ine']}")
    same_token = _by_token(tx, child["ine"], token)
    if same_token is not None:
        return same_token
    existing = _active(tx, child["ine"], school_year)
    if existing is not None:
        raise AlreadyRequested(existing)
    # Checked last: a double click after the campaign's last minute still gets its answer.
    _check_open(tx, child["uai"], moment)
    row = {
        "number": _next_number(tx, child["uai"], year),
        "school_year": school_year,
        "uai": child["uai"],
        "ine": child["ine"],
        "account_id": account["id"],
        "pupil": {
            key: child[key] for key in ("prenom", "nom", "classe", "niveau", "etablissement_nom")
        },
        "applicant": {key: account[key] for key in ("first_name", "last_name")},
        **_data(data),
        "state": RequestState.SUBMITTED,
        "granted_echelon": None,
        "refusal_reason": None,
        "submitted_at": moment.isoformat(),
        "modified_at": None,
        "decided_at": None,
        "token": token,
        "correction_tokens": [],
        "history": [_entry(RequestState.SUBMITTED, moment, FAMILY, "Demande déposée en ligne.")],
    }
    doc_id = tx.insert(REQUESTS, row)
    return {**copy.deepcopy(row), "id": doc_id}


# -- The automatic examination ------------------------------------------------------------------

EXAMINATION = "examen automatique"  # the "origin" of a request the examination made
# An examination finds no bank details: the school asks the family for them.
NO_BANK = {"holder": "", "iban": "", "bic": ""}


def from_examination(
    tx: Tx,
    account: dict,
    child: dict,
    school_year: str,
    tax: dict,
    estimate: dict,
    contact: dict,
    now: datetime,
) -> tuple[dict, bool]:
    """The request of an eligible pupil of the automatic examination (journeys §7 bis): the
    consent counts as a request, so it is « en instruction » at once, marked
    `"origin": "examen automatique"`, for `account` (the consenting parent) and `child` (its
    roster record, with "etablissement_nom"). Returns (the request, True) when made now, or
    (the pupil's active request of `school_year`, False): a request is never made twice for a
    pupil and year, whoever made the first (the family online, another run)."""
    tx.lock(f"eleve:{child['ine']}")
    existing = _active(tx, child["ine"], school_year)
    if existing is not None:
        return existing, False
    moment = in_paris(now)
    detail = "Demande issue de l'examen automatique du droit à bourse (accord de la famille)."
    row = {
        "number": _next_number(tx, child["uai"], int(school_year[:4])),
        "school_year": school_year,
        "uai": child["uai"],
        "ine": child["ine"],
        "account_id": account["id"],
        "origin": EXAMINATION,
        "pupil": {
            key: child[key] for key in ("prenom", "nom", "classe", "niveau", "etablissement_nom")
        },
        "applicant": {key: account[key] for key in ("first_name", "last_name")},
        "contact": copy.deepcopy(contact),
        "tax": copy.deepcopy(tax),
        "estimate": copy.deepcopy(estimate),
        "bank": dict(NO_BANK),
        "documents_to_check": False,
        "reasons_to_check": [],
        "state": RequestState.IN_REVIEW,
        "granted_echelon": None,
        "refusal_reason": None,
        "submitted_at": moment.isoformat(),
        "modified_at": None,
        "decided_at": None,
        "token": f"examen:{child['ine']}:{school_year}",
        "correction_tokens": [],
        "history": [_entry(RequestState.IN_REVIEW, moment, EXAMINATION, detail)],
    }
    doc_id = tx.insert(REQUESTS, row)
    return {**copy.deepcopy(row), "id": doc_id}, True


def correct(tx: Tx, number: str, account_id: int, data: dict, token: str, now: datetime) -> dict:
    """Replace the parent's data of their request. The same `token` again returns the request
    unchanged. Raises LookupError (not theirs), NotChangeable (decided or withdrawn) or
    CampaignClosed."""
    _check_data(data)
    moment = in_paris(now)
    request = _own(tx, number, account_id)
    if token == request["token"] or token in request["correction_tokens"]:
        return request
    _check_changeable(tx, request, moment)
    changes = {
        **_data(data),
        "modified_at": moment.isoformat(),
        "correction_tokens": [*request["correction_tokens"], token],
        "history": [
            *request["history"],
            _entry(request["state"], moment, FAMILY, "Demande corrigée par la famille."),
        ],
    }
    tx.update(REQUESTS, request["id"], changes)
    return {**request, **copy.deepcopy(changes)}


def withdraw(tx: Tx, number: str, account_id: int, now: datetime) -> dict:
    """The family withdraws its request: it stays, « retirée », and a new one may be made.
    Raises LookupError, NotChangeable or CampaignClosed, as `correct` does."""
    moment = in_paris(now)
    request = _own(tx, number, account_id)
    _check_changeable(tx, request, moment)
    changes = {
        "state": RequestState.WITHDRAWN,
        "modified_at": moment.isoformat(),
        "history": [
            *request["history"],
            _entry(RequestState.WITHDRAWN, moment, FAMILY, "Demande retirée par la famille."),
        ],
    }
    tx.update(REQUESTS, request["id"], changes)
    return {**request, **changes}


def claim_receipt(tx: Tx, number: str, token: str) -> bool:
    """True the first time only for this request and token: the receipt of one sending is
    mailed once, even when two clicks on « Envoyer » arrive at the same moment."""
    request = _locked(tx, number)
    if request is None:
        raise LookupError(f"aucune demande n° {number}")
    mailed = request.get("receipts_sent", [])
    if token in mailed:
        return False
    tx.update(REQUESTS, request["id"], {"receipts_sent": [*mailed, token]})
    return True


# What a notice to the family was about, and how it went (channel: "courriel" or "sms").
RECEIPT, CORRECTION, WITHDRAWAL, DECISION = "accuse", "correction", "retrait", "decision"


def record_notices(tx: Tx, number: str, event: str, sent: list[dict], now: datetime) -> None:
    """Keep on the request how the family was told of `event`: each of `sent` is {"channel",
    "to", "sent": bool}. The back office shows them."""
    request = _locked(tx, number)
    if request is None:
        raise LookupError(f"aucune demande n° {number}")
    moment = in_paris(now).isoformat()
    added = [{"event": event, "at": moment, **one} for one in sent]
    tx.update(REQUESTS, request["id"], {"notices": [*request.get("notices", []), *added]})


def mail_outcome(tx: Tx, number: str, event: str, to: str, sent: bool | None) -> None:
    """How a later try of the e-mail of `event` to `to` went (records/mail_queue.py): True
    sent, None to be tried again, False given up. A notice said sent stays so."""
    request = _locked(tx, number)
    if request is None:
        return  # the request's own notice is written after the first try
    notices = [
        {**notice, "sent": sent}
        if (notice["channel"], notice["event"], notice["to"]) == ("courriel", event, to)
        and notice["sent"] is not True
        else notice
        for notice in request.get("notices", [])
    ]
    tx.update(REQUESTS, request["id"], {"notices": notices})


def kept_pieces(tx: Tx) -> set[str]:
    """The keys of every file a request holds (any state, any year: a withdrawn or refused
    request stays on record with its documents). Reads every request: for the purge command
    only, never on a request path."""
    return {
        piece["key"]
        for request in tx.scan(REQUESTS)
        for piece in request["tax"].get("files", [])
        if piece
    }


def find(tx: Tx, number: str) -> dict | None:
    return tx.find_one(REQUESTS, number=number)


def of_account(tx: Tx, account_id: int) -> list[dict]:
    """The account's requests, newest first."""
    return sorted(tx.find(REQUESTS, account_id=account_id), key=_moment, reverse=True)


def changeable(tx: Tx, request: dict, now: datetime) -> bool:
    """Whether the family may still correct or withdraw the request (what `correct` and
    `withdraw` check), to offer « Corriger » and « Retirer » only then."""
    try:
        _check_changeable(tx, request, now)
    except (NotChangeable, CampaignClosed):
        return False
    return True


def active_for_child(tx: Tx, ine: str, school_year: str) -> dict | None:
    """The pupil's request of that school year ("2026-2027") not withdrawn, if any."""
    return _active(tx, ine, school_year)


# -- The school's staff --------------------------------------------------------------------------


def of_school(tx: Tx, uai: str, school_year: str) -> list[dict]:
    """The school's requests of that school year, by number (so in the order they came)."""
    found = tx.find(REQUESTS, uai=uai, school_year=school_year)
    return sorted(found, key=lambda request: request["number"])


def set_state(
    tx: Tx,
    number: str,
    staff: dict,
    new_state: str,
    now: datetime,
    echelon: int | None = None,
    reason: str = "",
) -> dict:
    """A staff member of the request's school moves it on: « déposée » → « en instruction » →
    « accordée » (`echelon` 1, 2 or 3) or « refusée » (`reason`, 500 characters at most), these
    two by the direction only. Raises LookupError for another school's request,
    DecisionReserved, or BadTransition. The change and its journal entry are written
    together; a decision's entry names who proposed it, if anyone did."""
    moment = in_paris(now)
    reason = (reason or "").strip()
    request = _of_school(tx, number, staff)
    if new_state in DECIDED and staff.get("role") != DIRECTION:
        raise DecisionReserved()
    new_state = _check_transition(request, new_state)
    changes = {"state": new_state}
    if new_state == RequestState.GRANTED:
        _check_echelon(echelon, "accordé")
        changes.update(granted_echelon=echelon, refusal_reason=None)
    elif new_state == RequestState.REFUSED:
        _check_reason(reason)
        changes.update(granted_echelon=None, refusal_reason=reason)
    detail = _decision_text(new_state, echelon, reason)
    if new_state in DECIDED:
        changes["decided_at"] = moment.isoformat()
        proposal = request.get("proposal")
        if proposal:
            detail = f"Proposition de {proposal['by']} : {_proposal_text(proposal)} {detail}"
    return _changed(
        tx, request, staff, changes, _entry(new_state, moment, staff["identifier"], detail), now
    )


def propose(
    tx: Tx,
    number: str,
    staff: dict,
    decision: str,
    now: datetime,
    echelon: int | None = None,
    reason: str = "",
) -> dict:
    """A staff member proposes to grant the request « en instruction » (`echelon` 1, 2 or 3) or
    to refuse it (`reason`), for the direction to decide; a new proposal replaces the last. The
    state stays; the proposal, its history line and its journal entry are written together.
    Raises LookupError for another school's request, BadTransition otherwise."""
    moment = in_paris(now)
    reason = (reason or "").strip()
    request = _of_school(tx, number, staff)
    if decision not in DECIDED:
        raise BadTransition("Proposez d'accorder la bourse ou de refuser la demande.")
    decision = RequestState(decision)
    if request["state"] != RequestState.IN_REVIEW:
        raise BadTransition(
            f"Une demande « {request['state']} » ne peut pas recevoir de proposition : seule "
            "une demande en instruction peut être accordée ou refusée."
        )
    if decision == RequestState.GRANTED:
        _check_echelon(echelon, "proposé")
    else:
        _check_reason(reason)
    proposal = {
        "state": decision,
        "echelon": echelon if decision == RequestState.GRANTED else None,
        "reason": reason if decision == RequestState.REFUSED else None,
        "by": staff["identifier"],
        "at": moment.isoformat(),
    }
    detail = f"Proposition : {_proposal_text(proposal)}"
    entry = _entry(RequestState.IN_REVIEW, moment, staff["identifier"], detail)
    return _changed(tx, request, staff, {"proposal": proposal}, entry, now)


def _of_school(tx: Tx, number: str, staff: dict) -> dict:
    """The request, locked, if it is of the staff member's school."""
    request = _locked(tx, number)
    if request is None or request["uai"] != staff["uai"]:
        raise LookupError(f"aucune demande {number} dans l'établissement {staff['uai']}")
    return request


def _check_transition(request: dict, new_state: str) -> RequestState:
    """The state the request may go to, as a RequestState; BadTransition for any other."""
    if new_state not in TRANSITIONS.get(request["state"], ()):
        raise BadTransition(
            f"Une demande « {request['state']} » ne peut pas passer à « {new_state} »."
        )
    return RequestState(new_state)


def _changed(tx: Tx, request: dict, staff: dict, changes: dict, entry: dict, now: datetime) -> dict:
    """Write the staff's change with its history line and its journal entry."""
    changes = {**changes, "history": [*request["history"], entry]}
    tx.update(REQUESTS, request["id"], changes)
    detail = f"Demande n° {request['number']} ({_pupil(request)}) : {entry['detail']}"
    audit.record(tx, staff, "bourse", detail, now)
    return {**request, **changes}


def _decision_text(state: RequestState, echelon: int | None, reason: str) -> str:
    if state == RequestState.GRANTED:
        return f"Bourse accordée, échelon {echelon}."
    if state == RequestState.REFUSED:
        return f"Demande refusée : {reason}"
    return "Demande mise en instruction."


def _proposal_text(proposal: dict) -> str:
    if proposal["state"] == RequestState.GRANTED:
        return f"accorder la bourse, échelon {proposal['echelon']}."
    return f"refuser la demande, motif « {proposal['reason']} »."


def counts(requests: list[dict]) -> dict:
    """How many requests in each state, and for each échelon (0: none): the one granted when
    « accordée », else the estimate's."""
    states = dict.fromkeys(RequestState, 0)
    echelons = dict.fromkeys((0, *ECHELONS), 0)
    for request in requests:
        states[request["state"]] += 1
        echelons[echelon_of(request)] += 1
    return {"states": states, "echelons": echelons}


def echelon_of(request: dict) -> int:
    """The échelon a request counts in: the one granted, else the estimate's."""
    if request["state"] == RequestState.GRANTED:
        return request["granted_echelon"]
    return request["estimate"]["echelon"]


# -- Checks --------------------------------------------------------------------------------------


def _check_data(data: dict) -> None:
    """The views build `data`: a missing part is a programming error, not the parent's."""
    missing = [key for key in DATA_KEYS if key not in data]
    if missing:
        raise ValueError(f"données de la demande incomplètes : {', '.join(missing)}")
    if data["tax"].get("source") not in SOURCES:
        raise ValueError(f"source des données fiscales inconnue : {data['tax'].get('source')}")


def _check_open(tx: Tx, uai: str, moment: datetime) -> None:
    if not service_of(tx, uai, BOURSE, moment.date()).open:
        raise CampaignClosed()


def _check_changeable(tx: Tx, request: dict, moment: datetime) -> None:
    if request["state"] in (*DECIDED, RequestState.WITHDRAWN):
        raise NotChangeable(request)
    # A request of an earlier school year is closed even when this year's campaign is open.
    if request["school_year"] != school_year_label(school_year_of(moment.date())):
        raise CampaignClosed()
    _check_open(tx, request["uai"], moment)


def _check_echelon(echelon, granted_or_proposed: str) -> None:
    if isinstance(echelon, bool) or echelon not in ECHELONS:
        raise BadTransition(
            f"Choisissez l'échelon {granted_or_proposed} : 1, 2 ou 3.", field="echelon"
        )


def _check_reason(reason: str) -> None:
    if not reason:
        raise BadTransition("Indiquez le motif du refus : la famille le recevra.", field="motif")
    if len(reason) > REASON_MAX:
        raise BadTransition(
            f"Le motif du refus ne doit pas dépasser {REASON_MAX} caractères "
            f"(il en compte {len(reason)}).",
            field="motif",
        )


# -- Lookups and helpers ---------------------------------------------------------------------------


def _next_number(tx: Tx, uai: str, year: int) -> str:
    """The next number of the school and school year, taken in the inserting transaction."""
    return f"{uai}-{year}-{tx.next_number(f'demande:{uai}-{year}'):05d}"


def _data(data: dict) -> dict:
    """The parent's part of a row, with why the school must check its documents, if it must."""
    parts = {key: copy.deepcopy(data[key]) for key in DATA_KEYS}
    reasons = _to_check(data["tax"])
    return {**parts, "documents_to_check": bool(reasons), "reasons_to_check": reasons}


def _to_check(tax: dict) -> list[str]:
    """The tax data typed in by the family, or a notice the parent is not a declarant of (the
    views compare the names: `rules.declarants`)."""
    reasons = []
    if tax["source"] == TYPED:
        reasons.append(TYPED_BY_FAMILY)
    if tax.get("other_declarants"):
        reasons.append(OTHER_DECLARANTS)
    return reasons


def _own(tx: Tx, number: str, account_id: int) -> dict:
    request = _locked(tx, number)
    if request is None or request["account_id"] != account_id:
        raise LookupError(f"aucune demande {number} pour le compte {account_id}")
    return request


def _locked(tx: Tx, number: str) -> dict | None:
    """The request, read once no other transaction may change it until this one ends: the
    family's correction, a staff decision and a receipt's claim never overwrite each other."""
    tx.lock(f"demande:{number}")
    return tx.find_one(REQUESTS, number=number)


def _by_token(tx: Tx, ine: str, token: str) -> dict | None:
    """The pupil's request sent with this token (the journey's id), if any."""
    return next((found for found in tx.find(REQUESTS, token=token) if found["ine"] == ine), None)


def _active(tx: Tx, ine: str, school_year: str) -> dict | None:
    found = tx.find(REQUESTS, ine=ine, school_year=school_year)
    return next((one for one in found if one["state"] != RequestState.WITHDRAWN), None)


def _entry(state: RequestState, moment: datetime, by: str, detail: str) -> dict:
    return {"state": state, "at": moment.isoformat(), "by": by, "detail": detail}


def _pupil(request: dict) -> str:
    return f"{request['pupil']['prenom']} {request['pupil']['nom']}"


def _moment(request: dict) -> tuple:
    # Compared as moments, not as text: offsets differ across the change to summer time.
    return datetime.fromisoformat(request["submitted_at"]), request["id"]
