"""The scholarship requests in the back office (journeys §7): the current school year's requests
of the staff member's school with their filters, counts and CSV export; one request's page with
its documents, the secretariat's proposal and the school head's decision (déposée → en
instruction → accordée with an échelon, or refusée with a reason), the family being told of the
decision only. Only a "direction" account sees the decision's forms and may post one (403
otherwise); the others see the proposal's. A request of another school is "not found", the same
as one that does not exist."""

from __future__ import annotations

from io import BytesIO

from flask import Response, abort, current_app, flash, request, send_file, url_for

from documents.decision import granted_amounts
from documents.requests_csv import requests_csv
from outside.files import UnknownFile
from records import audit, bourse_requests
from records.bourse_requests import (
    DECIDED,
    DECISION,
    REASON_MAX,
    BadTransition,
    DecisionReserved,
    RequestState,
)
from records.staff import DIRECTION
from rules.bank import mask_iban
from rules.bourse import load_scale, school_year_on
from rules.mail_retry import staff_not_yet_sent
from rules.names import normalize_name
from rules.uploads import KINDS
from views.admin import admin_page, bp, paginate, staff_required
from views.family_notices import EVENT_NAMES, capital, how_told, not_sent, tell_family, waiting
from views.journey import now
from views.rendering import leave_to
from views.unit import tx, writes

PER_PAGE = 20
ECHELONS = ("0", "1", "2", "3")
FAILED = "La décision n'a pas été enregistrée : corrigez l'erreur signalée."
PROPOSAL_FAILED = "La proposition n'a pas été enregistrée : corrigez l'erreur signalée."
PROPOSED = (
    "La proposition est enregistrée (demande n° {number}) : la direction de l'établissement "
    "décidera."
)
BADGES = {
    RequestState.SUBMITTED: "new",
    RequestState.IN_REVIEW: "info",
    RequestState.GRANTED: "success",
    RequestState.REFUSED: "error",
    RequestState.WITHDRAWN: "warning",
}
SOURCES = {"dgfip": "transmises par la DGFiP", "manuel": "saisies par la famille"}
DONE = {
    RequestState.IN_REVIEW: "La demande n° {number} est en instruction.",
    RequestState.GRANTED: "La bourse est accordée (demande n° {number}).",
    RequestState.REFUSED: "La demande n° {number} est refusée.",
}


# The list ---------------------------------------------------------------------------------


def matches(found: dict, text: str) -> bool:
    """Whether `text` is part of the request's number, or of the name of its child or of its
    responsable, compared as names are ("lea" finds "Léa")."""
    if text.strip().upper() in found["number"]:
        return True
    wanted = normalize_name(text)
    pupil, applicant = found["pupil"], found["applicant"]
    # The pupil as the roster names them, the parent as their account does.
    names = ((pupil["prenom"], pupil["nom"]), (applicant["first_name"], applicant["last_name"]))
    return any(
        wanted in normalize_name(f"{first} {last}") or wanted in normalize_name(f"{last} {first}")
        for first, last in names
    )


class Filters:
    """The list's filters as the address gives them; an unknown value is no filter."""

    def __init__(self, args):
        self.q = args.get("q", "").strip()
        self.state = args.get("etat", "") if args.get("etat") in set(RequestState) else ""
        self.echelon = args.get("echelon", "") if args.get("echelon") in ECHELONS else ""
        self.pieces = args.get("pieces") == "oui"

    def keep(self, found: dict) -> bool:
        return (
            (not self.q or matches(found, self.q))
            and (not self.state or found["state"] == self.state)
            and (not self.echelon or bourse_requests.echelon_of(found) == int(self.echelon))
            and (not self.pieces or found["documents_to_check"])
        )

    def args(self) -> dict:
        """The filters given, for an address (the CSV export, the other pages of the list)."""
        given = {"q": self.q, "etat": self.state, "echelon": self.echelon}
        given = {name: value for name, value in given.items() if value}
        return {**given, "pieces": "oui"} if self.pieces else given


def school_year() -> str:
    return school_year_on(now().date())


def filtered(staff: dict) -> tuple[str, list[dict], list[dict], Filters]:
    """The school year, its requests, those the filters keep, and the filters."""
    annee = school_year()
    found = bourse_requests.of_school(tx(), staff["uai"], annee)
    filters = Filters(request.args)
    return annee, found, [one for one in found if filters.keep(one)], filters


@bp.get("/bourses")
@staff_required
def bourses(staff):
    annee, found, kept, filters = filtered(staff)
    return admin_page(
        "bourses",
        "resultats",
        "Demandes de bourse",
        staff,
        page=paginate(kept, PER_PAGE, filters.args()),
        annee=annee,
        counts=bourse_requests.counts(found),
        total=len(found),
        filters=filters,
        states=RequestState,
        echelons=ECHELONS,
        request_badges=BADGES,
        echelon_of=bourse_requests.echelon_of,
    )


@bp.get("/bourses/export.csv")
@writes
@staff_required
def export_bourses(staff):
    annee, _, kept, _ = filtered(staff)
    # The file holds personal and bank data: who took it, and how many requests, is journaled.
    audit.record(tx(), staff, "export-bourse", f"{len(kept)} demande(s) de {annee}.", now())
    response = Response(requests_csv(kept), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="demandes-bourse-{staff["uai"]}-{annee}.csv"'
    )
    # Personal and bank-related data: no cache keeps it.
    response.headers["Cache-Control"] = "no-store"
    return response


# One request ------------------------------------------------------------------------------


def request_or_404(staff: dict, numero: str) -> dict:
    found = bourse_requests.find(tx(), numero)
    if found is None or found["uai"] != staff["uai"]:
        abort(404)
    return found


# The decision's and the proposal's fields that may be refused, none of them yet.
NO_ERRORS = {"echelon": None, "motif": None}


def request_page(staff: dict, found: dict, status: int = 200, typed: dict | None = None, **context):
    """The request's page; `typed` holds the decision or proposal just refused: its values and
    errors. Otherwise its forms hold the proposal, if any."""
    proposal = found.get("proposal") or {}
    typed = typed or {
        "etat": "",
        "echelon": "",
        "motif": proposal.get("reason") or "",
        "errors": NO_ERRORS,
    }
    if not typed["echelon"]:
        typed = {**typed, "echelon": suggested_echelon(found, proposal)}
    granted = granted_amounts(found) if found["state"] == RequestState.GRANTED else None
    return admin_page(
        "bourse",
        "main",
        f"Demande de bourse n° {found['number']}",
        staff,
        status,
        ("form", "back-office", "radio"),
        demande=found,
        proposal=proposal,
        deciding=staff["role"] == DIRECTION,
        typed=typed,
        granted=granted,
        amounts=load_scale(found["school_year"]).montants_annuels,
        masked_iban=mask_iban(found["bank"]["iban"]),
        sources=SOURCES,
        states=RequestState,
        request_badges=BADGES,
        motif_max=REASON_MAX,
        notice_events=EVENT_NAMES,
        **context,
    )


def suggested_echelon(found: dict, proposal: dict) -> str:
    """The échelon chosen beforehand: the one proposed, else the estimate's (none for 0)."""
    echelon = proposal.get("echelon") or found["estimate"]["echelon"]
    return str(echelon) if echelon else ""


@bp.get("/bourses/<numero>")
@staff_required
def bourse(staff, numero: str):
    return request_page(staff, request_or_404(staff, numero))


def read_echelon(text: str) -> int | None:
    return int(text) if text in ("1", "2", "3") else None


def typed_decision() -> dict:
    """The decision or proposal form as posted."""
    return {
        "etat": request.form.get("etat", ""),
        "echelon": request.form.get("echelon", ""),
        "motif": request.form.get("motif", "").strip(),
    }


def refused_page(staff: dict, found: dict, refused: BadTransition, typed: dict, failed: str):
    """422: the message on the field it is about (an échelon or a reason missing), or alone."""
    if refused.field:
        return request_page(
            staff,
            found,
            422,
            {**typed, "errors": {**NO_ERRORS, refused.field: str(refused)}},
            failure=failed,
        )
    return request_page(staff, found, 422, failure=str(refused))


def apply_typed(change, numero: str, staff: dict, typed: dict) -> dict:
    """`change` (a decision or a proposal) with what the form typed."""
    echelon = read_echelon(typed["echelon"])
    return change(tx(), numero, staff, typed["etat"], now(), echelon=echelon, reason=typed["motif"])


@bp.post("/bourses/<numero>/etat")
@staff_required
def change_bourse(staff, numero: str):
    found = request_or_404(staff, numero)
    typed = typed_decision()
    try:
        changed = apply_typed(bourse_requests.set_state, numero, staff, typed)
    except DecisionReserved as reserved:
        # What it meant to decide stays in the proposal's form it now sees.
        return request_page(
            staff, found, 403, {**typed, "errors": NO_ERRORS}, failure=str(reserved)
        )
    except BadTransition as refused:
        return refused_page(staff, found, refused, typed, FAILED)
    flash(DONE[changed["state"]].format(number=numero), "notice")
    if changed["state"] in DECIDED:
        say_how_told(tell_family(changed, DECISION))
    return leave_to(url_for("admin.bourse", numero=numero))


@bp.post("/bourses/<numero>/proposition")
@staff_required
def propose_bourse(staff, numero: str):
    """The secretariat's proposal: the family is told nothing, the direction decides."""
    found = request_or_404(staff, numero)
    typed = typed_decision()
    try:
        apply_typed(bourse_requests.propose, numero, staff, typed)
    except BadTransition as refused:
        return refused_page(staff, found, refused, typed, PROPOSAL_FAILED)
    flash(PROPOSED.format(number=numero), "notice")
    return leave_to(url_for("admin.bourse", numero=numero))


def say_how_told(told: list[dict]) -> None:
    how, failed, later = how_told(told), not_sent(told), waiting(told)
    if later:
        flash(staff_not_yet_sent(capital(later), "prévenez alors la famille autrement"), "error")
    if failed:
        flash(f"{capital(failed)} n'a pas pu partir : prévenez la famille autrement.", "error")
    if how:
        flash(f"La famille est prévenue {how}.", "notice")
    if not told:
        flash(
            "La famille n'a donné ni adresse électronique ni téléphone portable : prévenez-la "
            "autrement.",
            "error",
        )


@bp.get("/bourses/<numero>/pieces/<int:index>")
@staff_required
def bourse_piece(staff, numero: str, index: int):
    """A document the family uploaded (numbered from 1), as a download: never shown inline, so a
    file cannot run as a page of the service."""
    pieces = request_or_404(staff, numero)["tax"]["files"]
    if not 1 <= index <= len(pieces):
        abort(404)
    piece = pieces[index - 1]
    try:
        data = current_app.extensions["files"].read(piece["key"])
    except UnknownFile:
        abort(404)
    # Named by the service, not by the family: nothing typed reaches the header.
    name = f"demande-{numero}-piece-{index}{KINDS.get(piece['type'], '')}"
    response = send_file(
        BytesIO(data), mimetype=piece["type"], as_attachment=True, download_name=name
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
