"""The school's online services in the back office (journeys §6, "Téléservices"): each service
with its state, welcome message and (bourse) campaign dates, and a form per service to change
them. Only the staff member's own school; every change goes to the journal."""

from __future__ import annotations

from datetime import date, datetime

from flask import abort, flash, request, url_for

from records.teleservices import (
    BOURSE,
    LABELS,
    MESSAGE_MAX,
    Phase,
    ServiceErrors,
    State,
    check,
    services_of,
    set_service,
)
from views.admin import admin_page, bp, staff_required
from views.journey import now
from views.rendering import leave_to
from views.unit import tx

UNREADABLE = {
    "debut": "Date d'ouverture illisible : indiquez-la au format JJ/MM/AAAA.",
    "fin": "Date de clôture illisible : indiquez-la au format JJ/MM/AAAA.",
}
FAILED = "Les modifications n'ont pas été enregistrées : corrigez les erreurs signalées."


def read_day(text: str) -> date | None:
    """A date typed in a date field (ISO, "2026-09-01") or by hand ("01/09/2026"); None when
    empty; ValueError when unreadable."""
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise ValueError(text)


# A service's fields that may be refused, none of them yet.
NO_ERRORS = dict.fromkeys(("etat", "debut", "fin", "message"))


def teleservices_page(staff: dict, status: int = 200, typed: dict | None = None, **context):
    """The page; `typed` holds the form of the service just refused: its values and errors."""
    services = services_of(tx(), staff["uai"], now().date())
    forms = {
        one.service: {
            "etat": one.state,
            "message": one.message,
            "debut": one.start.isoformat() if one.start else "",
            "fin": one.end.isoformat() if one.end else "",
            "errors": NO_ERRORS,
        }
        for one in services
    }
    if typed:
        forms[typed["service"]] = typed
    return admin_page(
        "teleservices",
        "main",
        "Téléservices",
        staff,
        status,
        ("form", "back-office", "radio"),
        services=services,
        forms=forms,
        states=State,
        phases=Phase,
        message_max=MESSAGE_MAX,
        **context,
    )


@bp.get("/teleservices")
@staff_required
def teleservices(staff):
    return teleservices_page(staff)


@bp.post("/teleservices/<service>")
@staff_required
def change_teleservice(staff, service: str):
    if service not in LABELS:
        abort(404)
    typed = {
        "service": service,
        "etat": request.form.get("etat", ""),
        "message": request.form.get("message", "").strip(),
        "debut": request.form.get("debut", ""),
        "fin": request.form.get("fin", ""),
    }
    days, unreadable = {"debut": None, "fin": None}, {}
    if service == BOURSE:
        for field in days:
            try:
                days[field] = read_day(typed[field])
            except ValueError:
                unreadable[field] = UNREADABLE[field]
    errors = check(
        service, typed["etat"], typed["message"], days["debut"], days["fin"], now().date()
    )
    errors.update(unreadable)
    if not errors:
        try:
            set_service(
                tx(),
                staff["uai"],
                service,
                typed["etat"],
                typed["message"],
                days["debut"],
                days["fin"],
                staff,
                now(),
            )
        except ServiceErrors as refused:
            errors = refused.errors
    if errors:
        return teleservices_page(
            staff, 422, typed={**typed, "errors": {**NO_ERRORS, **errors}}, failure=FAILED
        )
    flash(f"« {LABELS[service]} » : modifications enregistrées.", "notice")
    return leave_to(url_for("admin.teleservices") + f"#service-{service}")
