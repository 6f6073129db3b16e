"""La demande de bourse de collège, the parent's side (journeys §7): the request sent — its
page, which is the receipt, and the receipt's PDF —, its correction and withdrawal, and a
sibling's request started from it.

The blueprint « bourse » and what the journey's modules share are views/bourse_journey.py's;
the child's page and the start views/bourse_start.py's; the steps views/bourse_steps.py's and
views/bourse_situation.py's. Importing them here puts their routes on the blueprint, which
views/__init__.py registers as `bourse.bp`.

Correction starts the journey from the request (on the summary) and sends with `correct`; a
sibling's request (same collège, no active request this year) starts from the household's
coordonnées, tax situation and bank details, on the summary too.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for

from documents.pdf import PdfUnavailable
from documents.receipt import moment_text, receipt_pdf
from records import bourse_requests
from records.accounts import children_of
from records.bourse_requests import WITHDRAWAL, RequestState
from records.contacts import Contact
from records.teleservices import BOURSE, service_of
from rules import bank
from rules.mail_retry import not_yet_sent
from views import bourse_situation, bourse_start, bourse_steps  # noqa: F401 (their routes)
from views.auth import account_required
from views.bourse_journey import (
    BADGES,
    COMPONENTS,
    JOURNEY,
    SECTIONS,
    bp,
    examination_of,
    own_request,
    school_year,
    today,
)
from views.contact import phone_display
from views.family_notices import capital, how_told, tell_family, waiting
from views.journey import now
from views.rendering import flashed, leave_to, render_page
from views.services import COLLEGE
from views.unit import tx

RECEIPT_UNAVAILABLE = (
    "L'accusé d'enregistrement ne peut pas être produit pour le moment. Votre demande est bien "
    "enregistrée : réessayez plus tard."
)


def siblings(account: dict, sent: dict) -> list[dict]:
    """The account's other collège children in the same school with no active request this
    year, while the campaign is open."""
    if not service_of(tx(), sent["uai"], BOURSE, today()).open:
        return []
    if sent["school_year"] != school_year():
        return []
    return [
        child
        for child in children_of(tx(), account["responsable_ids"])
        if child["uai"] == sent["uai"]
        and child["ine"] != sent["ine"]
        and child["niveau"] in COLLEGE
        and bourse_requests.active_for_child(tx(), child["ine"], sent["school_year"]) is None
        and examination_of(account, child).may_apply_online
    ]


@bp.get("/demandes/<numero>")
@account_required
def demande(account, numero):
    sent = own_request(account, numero)
    failure, notice = flashed()
    return render_page(
        "bourse/demande.html",
        "main",
        title=f"Demande de bourse n° {numero}",
        components=COMPONENTS,
        sent=sent,
        states=RequestState,
        badges=BADGES,
        changeable=bourse_requests.changeable(tx(), sent, now()),
        siblings=siblings(account, sent),
        iban=bank.mask_iban(sent["bank"]["iban"]),
        contact=Contact.from_dict(sent["contact"]),
        telephone=phone_display(sent["contact"]["phone"]),
        submitted_at=moment_text(sent["submitted_at"]),
        modified_at=moment_text(sent["modified_at"]) if sent.get("modified_at") else None,
        failure=failure,
        notice=notice,
    )


@bp.get("/demandes/<numero>/accuse.pdf")
@account_required
def accuse(account, numero):
    sent = own_request(account, numero)
    try:
        pdf = receipt_pdf(sent)
    except PdfUnavailable as error:
        current_app.logger.error("accusé non produit : %s", error)
        flash(RECEIPT_UNAVAILABLE, "error")
        return redirect(url_for("bourse.demande", numero=numero), code=303)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="accuse-{numero}.pdf"'
    return response


def restart_from(account: dict, sent: dict, ine: str, number: str | None):
    """A journey on the summary, its sections from a request (to correct it, or for a
    sibling)."""
    state = {
        "step": "recapitulatif",
        "account_id": account["id"],
        "ine": ine,
        "number": number,
        "reviewed": True,
        **{name: sent[name] for name in SECTIONS},
    }
    JOURNEY.start(state)
    return redirect(JOURNEY.url("recapitulatif"), code=303)


@bp.post("/demandes/<numero>/corriger")
@account_required
def corriger(account, numero):
    sent = own_request(account, numero)
    if not bourse_requests.changeable(tx(), sent, now()):
        flash("Cette demande ne peut plus être corrigée.", "error")
        return redirect(url_for(".demande", numero=numero), code=303)
    return restart_from(account, sent, sent["ine"], numero)


@bp.post("/demandes/<numero>/autre-enfant")
@account_required
def autre_enfant(account, numero):
    sent = own_request(account, numero)
    wanted = request.form.get("ine", "")
    sibling = next((child for child in siblings(account, sent) if child["ine"] == wanted), None)
    if sibling is None:
        abort(404)
    return restart_from(account, sent, sibling["ine"], None)


@bp.get("/demandes/<numero>/retrait")
@account_required
def retrait(account, numero):
    sent = own_request(account, numero)
    if not bourse_requests.changeable(tx(), sent, now()):
        return redirect(url_for(".demande", numero=numero), code=303)
    return render_page(
        "bourse/retrait.html",
        "main",
        title=f"Retirer la demande de bourse n° {numero}",
        components=COMPONENTS,
        sent=sent,
    )


@bp.post("/demandes/<numero>/retrait")
@account_required
def retirer(account, numero):
    own_request(account, numero)
    try:
        withdrawn = bourse_requests.withdraw(tx(), numero, account["id"], now())
    except (bourse_requests.NotChangeable, bourse_requests.CampaignClosed) as refusal:
        flash(str(refusal), "error")
    else:
        told = tell_family(withdrawn, WITHDRAWAL)
        how, later = how_told(told), waiting(told)
        confirmed = f" Une confirmation vous a été envoyée {how}." if how else ""
        if later:
            confirmed += f" {not_yet_sent(capital(later))}"
        flash(f"Votre demande est retirée. Vous pouvez en faire une nouvelle.{confirmed}", "info")
    return leave_to(url_for(".demande", numero=numero))
