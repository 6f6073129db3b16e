"""« Mes services »: the signed-in parent's home, one card per child with the services open now
for that child's school (journeys §6): the fiche de renseignements, and the bourse de collège
during its campaign for collège pupils (outside it, when the school has set a campaign, how to
ask for the paper form)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app

from records.accounts import children_of
from records.teleservices import BOURSE, FICHE, NOT_YET, OVER, services_of
from views.auth import account_required
from views.rendering import flashed, render_page

bp = Blueprint("services", __name__)

COLLEGE = ("6e", "5e", "4e", "3e")
PAPER_FORM = "vous pouvez demander le formulaire papier (CERFA 12539) auprès du secrétariat."


@dataclass(frozen=True)
class Offer:
    """One line of a child's card: what the parent reads, and the school's welcome message."""

    text: str
    message: str = ""


def offers(services: dict, niveau: str) -> list[Offer]:
    found = []
    fiche = services[FICHE]
    if fiche.open:
        # The fiche's own page comes with the next part of issue 6.
        found.append(Offer("Fiche de renseignements : bientôt disponible", fiche.message))
    bourse = services[BOURSE]
    if niveau in COLLEGE:
        if bourse.open:
            found.append(
                Offer(f"Demande de bourse : ouverte jusqu'au {day(bourse.end)}", bourse.message)
            )
        elif bourse.phase == NOT_YET:
            found.append(
                Offer(
                    "La campagne de bourse est fermée : elle ouvrira le "
                    f"{day(bourse.start)}. D'ici là, {PAPER_FORM}"
                )
            )
        elif bourse.phase == OVER:
            found.append(
                Offer(
                    "La campagne de bourse est fermée : elle s'est terminée le "
                    f"{day(bourse.end)}. Toutefois, {PAPER_FORM}"
                )
            )
    return found


def day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


@bp.get("/mes-services")
@account_required
def home(account):
    store = current_app.extensions["store"]
    today = current_app.extensions["clock"].today()
    children = children_of(store, account["responsables"])
    schools = {
        uai: {one.service: one for one in services_of(store, uai, today)}
        for uai in {child["uai"] for child in children}
    }
    failure, notice = flashed()
    return render_page(
        "services/home.html",
        "main",
        title="Mes services",
        components=("form", "card"),
        account=account,
        children=[(child, offers(schools[child["uai"]], child["niveau"])) for child in children],
        failure=failure,
        notice=notice,
    )
