"""« Mes services »: the signed-in parent's home, one card per child with the services open now
for that child's school (journeys §6): the fiche de renseignements, and the bourse de collège
during its campaign for collège pupils (outside it, when it opens or that it closed, and how to
ask for the paper form). A child's request of this school year is shown with its state and a
link, whatever the campaign's phase: the decision comes after the campaign. A request made by the
child's other responsable is shown too, with its state, linking to the child's page that says
what this parent may do (the request's own page is its maker's).

For a collège pupil the card also says where the automatic examination of the right to the
scholarship stands (issue 14, `records/examination_state.py`): no choice yet (with the way to
the fiche's consent page), refused, consent given and awaited, then the year's result. While a
consent counts the online request is not offered: the consent is the request, unless the
examination found no notice, and the family is then invited to apply online before the
campaign's end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app, url_for

from documents.receipt import euros
from records import bourse_requests, examination_state
from records.accounts import children_of
from records.consents import ConsentState
from records.examination_state import ExaminationState, Stage
from records.teleservices import BOURSE, FICHE, Phase, Service, services_of
from rules.bourse import school_year_on
from rules.examination import ELIGIBLE, NOT_ELIGIBLE, NOT_FOUND, UNAVAILABLE
from rules.roster import NIVEAUX
from views.auth import account_required
from views.rendering import flashed, of, render_page
from views.unit import tx

bp = Blueprint("services", __name__)
EXAMEN = "Examen automatique du droit à bourse"

COLLEGE = NIVEAUX  # the roster's levels are the collège's
PAPER_FORM = "vous pouvez demander le formulaire papier (CERFA 12539) auprès du secrétariat."


@dataclass(frozen=True)
class Offer:
    """One line of a child's card: what the parent reads, a link, and the school's welcome
    message."""

    text: str
    message: str = ""
    href: str = ""
    link: str = ""


def offers(
    services: dict,
    child: dict,
    request: dict | None,
    account: dict,
    examination: ExaminationState | None,
) -> list[Offer]:
    found = []
    fiche = services[FICHE]
    if fiche.open:
        href = url_for("fiche.show", ine=child["ine"])
        found.append(Offer("", fiche.message, href, "Fiche de renseignements"))
    if child["niveau"] not in COLLEGE:
        return found
    bourse = services[BOURSE]
    # Once the examination made the request, or the family applied after it found nothing,
    # the request's line says it all.
    if examination and not (request and examination.outcome in (ELIGIBLE, NOT_FOUND)):
        found.append(examination_offer(child, examination, fiche.open))
    if request and request["account_id"] == account["id"]:
        href = url_for("bourse.demande", numero=request["number"])
        text = f"Demande de bourse n° {request['number']}{origin(request)} : {request['state']}."
        found.append(Offer(text, "", href, "Voir la demande"))
    elif request:
        # The child's other responsable applied: its page is theirs, the child's page says
        # what this parent may do.
        href = url_for("bourse.eleve", ine=child["ine"])
        text = (
            f"Demande de bourse n° {request['number']}{origin(request)} : {request['state']}, "
            "faite par un autre responsable."
        )
        found.append(Offer(text, "", href, "En savoir plus"))
    elif examination is None or examination.may_apply_online:
        found.append(request_offer(child, bourse))
    # Otherwise the consent is the request: the examination's line says where it stands.
    return found


def request_offer(child: dict, bourse: Service) -> Offer:
    if bourse.open:
        text = f"Demande de bourse : ouverte jusqu'au {day(bourse.end)}."
        href = url_for("bourse.eleve", ine=child["ine"])
        return Offer(text, bourse.message, href, "Faire une demande")
    # Even when the school has not opened it online, a parent learns how to apply.
    return Offer(closed_message(bourse))


def origin(request: dict) -> str:
    """ " (examen automatique)" for a request the school's examination made."""
    return f" ({request['origin']})" if request.get("origin") else ""


def consent_url(ine: str) -> str:
    """The fiche's page where a parent gives, refuses or withdraws the consent."""
    return url_for("consent.show", ine=ine)


def examination_offer(child: dict, state: ExaminationState, fiche_open: bool = True) -> Offer:
    """The card's line on the automatic examination of the pupil's right to the scholarship;
    the way to the choice is the fiche's, not shown while the school has closed the fiche."""
    href = consent_url(child["ine"]) if fiche_open else ""
    if state.stage == Stage.NO_CHOICE:
        text = (
            f"{EXAMEN} : donnez votre accord, dans la fiche de renseignements, pour que "
            f"l'établissement examine chaque année le droit à bourse {of(child['prenom'])}, sans "
            "demande à faire."
        )
        return Offer(text, "", href, "Donner ou refuser mon accord")
    if state.stage == Stage.REFUSED:
        withdrawn = state.own["state"] == ConsentState.WITHDRAWN
        done = "vous avez retiré votre accord" if withdrawn else "vous l'avez refusé"
        return Offer(f"{EXAMEN} : {done}.", "", href, "Changer mon choix")
    who = (
        "vous avez donné votre accord"
        if state.by_this_account
        else (f"l'autre responsable {of(child['prenom'])} a donné son accord")
    )
    if state.stage == Stage.AWAITING:
        text = (
            f"{EXAMEN} : {who} ; il vaut demande de bourse. L'établissement examinera le droit "
            "à bourse pendant l'année scolaire, vous n'avez rien à faire."
        )
        return Offer(text, "", href, "Voir mon choix")
    return examined_offer(state)


def examined_offer(state: ExaminationState) -> Offer:
    """The year's result, said plainly, with what the family may do next."""
    result = state.result
    if state.outcome == NOT_ELIGIBLE:
        text = (
            f"{EXAMEN} : d'après l'avis d'imposition, le revenu fiscal de référence du foyer "
            f"({euros(result['rfr'])}) dépasse le plafond de la bourse "
            f"({euros(result['ceiling'])}) : pas de bourse de collège cette année scolaire. "
            "Le simulateur montre les plafonds."
        )
        return Offer(text, "", url_for("simulator.show"), "Simulateur de bourse")
    if state.outcome == NOT_FOUND:
        # The request's line follows: until when, and the way to apply.
        return Offer(
            f"{EXAMEN} : nous n'avons pas retrouvé votre avis d'imposition. Faites une demande "
            "de bourse vous-même, en ligne ou sur papier."
        )
    if state.outcome == UNAVAILABLE:
        return Offer(
            f"{EXAMEN} : le service de l'administration fiscale n'a pas répondu ; l'examen "
            "sera repris, vous n'avez rien à faire."
        )
    if result.get("request_number"):
        # Shown only when the pupil has no active request: the one made was withdrawn.
        return Offer(
            f"{EXAMEN} : votre foyer pouvait bénéficier de la bourse ; la demande "
            f"n° {result['request_number']} qui en est issue a été retirée."
        )
    return Offer(f"{EXAMEN} : votre foyer peut bénéficier de la bourse ; la direction décidera.")


def closed_message(bourse: Service) -> str:
    """What a parent reads when the campaign is not open: when it opens, or that it closed, and
    the paper form."""
    if bourse.phase is Phase.NOT_YET:
        return (
            f"La campagne de bourse est fermée : elle ouvrira le {day(bourse.start)}. "
            f"D'ici là, {PAPER_FORM}"
        )
    if bourse.phase is Phase.OVER:
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
    children = children_of(tx(), account["responsable_ids"])
    annee = school_year_on(today)
    schools = {
        uai: {one.service: one for one in services_of(tx(), uai, today)}
        for uai in {child["uai"] for child in children}
    }
    examinations = examination_state.of_pupils(
        tx(),
        [child["ine"] for child in children if child["niveau"] in COLLEGE],
        annee,
        account["id"],
    )
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
                    examinations.get(child["ine"]),
                ),
            )
            for child in children
        ],
        failure=failure,
        notice=notice,
    )
