"""The scholarship request's child page (`/bourse/eleves/<ine>`): what the request is for this
child, or where it stands when it exists (another responsable's, the automatic examination's);
its POST starts the journey (views/bourse_journey.py) at « Vos coordonnées »."""

from __future__ import annotations

from functools import partial

from flask import abort, redirect, url_for

from records import bourse_requests
from views.auth import account_required
from views.bourse_journey import (
    JOURNEY,
    another_responsables_page,
    bp,
    campaign_of,
    child_of,
    child_page,
    examination_of,
    examined_page,
    school_year,
)
from views.rendering import leave_to
from views.services import closed_message
from views.unit import tx


@bp.get("/eleves/<ine>")
@account_required
def eleve(account, ine):
    child = child_of(account, ine) or abort(404)
    to_request = partial(redirect, code=303)
    return where_it_stands(account, child, 200, to_request) or intro_page(child)


@bp.post("/eleves/<ine>")
@account_required
def commencer(account, ine):
    child = child_of(account, ine) or abort(404)
    stands = where_it_stands(account, child, 409, leave_to)
    if stands:
        return stands
    if not campaign_of(child).open:
        return intro_page(child)
    JOURNEY.start({"step": "coordonnees", "account_id": account["id"], "ine": ine})
    return JOURNEY.go_to("coordonnees")


def where_it_stands(account: dict, child: dict, status: int, to_request):
    """The answer for a child who has a request this school year — the parent's own, its page
    (`to_request(url)`); another responsable's, or the automatic examination's, their pages
    with `status` — or None when this parent may apply."""
    existing = bourse_requests.active_for_child(tx(), child["ine"], school_year())
    if existing and existing["account_id"] == account["id"]:
        return to_request(url_for(".demande", numero=existing["number"]))
    if existing:
        return another_responsables_page(child, existing, status)
    examination = examination_of(account, child)
    if not examination.may_apply_online:
        return examined_page(child, examination, status)
    return None


def intro_page(child: dict):
    service = campaign_of(child)
    state = JOURNEY.load()
    ongoing = state if state and state["ine"] == child["ine"] and not state.get("sent") else None
    return child_page(
        "eleve",
        f"Demande de bourse de collège pour {child['prenom']} {child['nom']}",
        child,
        service=service,
        closed=None if service.open else closed_message(service),
        ongoing_url=JOURNEY.url(ongoing["step"]) if ongoing else None,
    )
