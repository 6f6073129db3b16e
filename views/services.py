"""« Mes services »: the signed-in parent's home, one card per child with the services open now
for that child's school (journeys §6): the fiche de renseignements, and the bourse de collège
during its campaign for collège pupils (outside it, when it opens or that it closed, and how to
ask for the paper form). A child's request of this school year is shown with its state and a
link, whatever the campaign's phase: the decision comes after the campaign. A request made by the
child's other responsable is shown too, with its state, linking to the child's page that says
what this parent may do (the request's own page is its maker's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app, url_for

from records import bourse_requests
from records.accounts import children_of
from records.teleservices import BOURSE, FICHE, NOT_YET, OVER, Service, services_of
from rules.bourse import school_year_on
from views.auth import account_required
from views.rendering import flashed, render_page
from views.unit import tx

bp = Blueprint("services", __name__)

COLLEGE = ("6e", "5e", "4e", "3e")
PAPER_FORM = "vous pouvez demander le formulaire papier (CERFA 12539) auprès du secrétariat."


@dataclass(frozen=True)
class Offer:
    """One line of a child's card: what the parent reads, a link, and the school's welcome
    message."""

    text: str
    message: str = ""
    href: str = ""
    link: str = ""


def offers(services: dict, child: dict, request: dict | None, account: dict) -> list[Offer]:
    found = []
    fiche = services[FICHE]
    if fiche.open:
        href = url_for("fiche.show", ine=child["ine"])
        found.append(Offer("", fiche.message, href, "Fiche de renseignements"))
    if child["niveau"] not in COLLEGE:
        return found
    bourse = services[BOURSE]
    if request and request["account_id"] == account["id"]:
        href = url_for("bourse.demande", numero=request["numero"])
        text = f"Demande de bourse n° {request['numero']} : {request['etat']}."
        found.append(Offer(text, "", href, "Voir la demande"))
    elif request:
        # The child's other responsable applied: its page is theirs, the child's page says
        # what this parent may do.
        href = url_for("bourse.eleve", ine=child["ine"])
        text = (
            f"Demande de bourse n° {request['numero']} : {request['etat']}, faite par un autre "
            "responsable."
        )
        found.append(Offer(text, "", href, "En savoir plus"))
    elif bourse.open:
        text = f"Demande de bourse : ouverte jusqu'au {day(bourse.end)}."
        href = url_for("bourse.eleve", ine=child["ine"])
        found.append(Offer(text, bourse.message, href, "Faire une demande"))
    else:
        # Even when the school has not opened it online, a parent learns how to apply.
        found.append(Offer(closed_message(bourse)))
    return found


def closed_message(bourse: Service) -> str:
    """What a parent reads when the campaign is not open: when it opens, or that it closed, and
    the paper form."""
    if bourse.phase == NOT_YET:
        return (
            f"La campagne de bourse est fermée : elle ouvrira le {day(bourse.start)}. "
            f"D'ici là, {PAPER_FORM}"
        )
    if bourse.phase == OVER:
        return (
            f"La campagne de bourse est fermée : elle s'est terminée le {day(bourse.end)}. "
            f"Toutefois, {PAPER_FORM}"
        )
    return (
        "La campagne de bourse n'est pas ouverte dans l'établissement de votre enfant : "
        f"{PAPER_FORM}"
    )


def day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


@bp.get("/mes-services")
@account_required
def home(account):
    today = current_app.extensions["clock"].today()
    children = children_of(tx(), account["responsables"])
    annee = school_year_on(today)
    schools = {
        uai: {one.service: one for one in services_of(tx(), uai, today)}
        for uai in {child["uai"] for child in children}
    }
    failure, notice = flashed()
    return render_page(
        "services/home.html",
        "main",
        title="Mes services",
        components=("form", "card"),
        account=account,
        children=[
            (
                child,
                offers(
                    schools[child["uai"]],
                    child,
                    bourse_requests.active_for_child(tx(), child["ine"], annee),
                    account,
                ),
            )
            for child in children
        ],
        failure=failure,
        notice=notice,
    )
