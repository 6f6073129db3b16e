"""What the scholarship request's modules share (journeys §7): the blueprint « bourse », its
`Journey`, the guard of every step, and the pages a refused request shows.

`/bourse/eleves/<ine>` (views/bourse_start.py) presents the request for one child and starts a
`Journey` (kind and session key "bourse") whose state holds the child, the school year and each
section as the request record will keep it ("contact", "tax", "estimate", "bank").
Its steps are views/bourse_steps.py's (Vos coordonnées, Votre foyer, Estimation, Coordonnées
bancaires, Récapitulatif and sending) and views/bourse_situation.py's (Votre situation fiscale
and its manual entry); the request sent, its receipt, correction and withdrawal are
views/bourse.py's, which registers the others' routes on the one blueprint.

Another parent's child or request, or a child who is not in collège, is a 404. When another of
the child's responsables has applied this year, the child's page says so (number and state, not
who made it nor what it holds) and what this parent may do: 200, or 409 to a POST that would
start a second request. A pupil whose household the school examines on a responsable's consent
(issue 14) has its request already: the child's page says so and how to apply online instead
(withdraw the consent in the fiche), 200, or 409 to a POST that would start or send a request;
unless the year's examination found no notice (`records/examination_state.py`).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, g, redirect, url_for

from records import bourse_requests, examination_state, journeys
from records.accounts import children_of
from records.bourse_requests import RequestState
from records.teleservices import BOURSE, service_of
from rules.bourse import school_year_on
from views.auth import current_account
from views.journey import Journey, now
from views.rendering import leave_to, render_page
from views.services import COLLEGE, consent_url, examination_offer
from views.unit import tx

bp = Blueprint("bourse", __name__, url_prefix="/bourse")
COMPONENTS = ("form", "stepper", "request")
JOURNEY = Journey(
    blueprint="bourse",
    kind=journeys.Kind.SCHOLARSHIP,
    heading="Demande de bourse de collège",
    titles={
        "coordonnees": "Vos coordonnées",
        "situation": "Votre situation fiscale",
        "foyer": "Votre foyer",
        "estimation": "Estimation de la bourse",
        "banque": "Coordonnées bancaires",
        "recapitulatif": "Récapitulatif",
    },
    without_journey="services.home",
    folder="bourse",
    components=COMPONENTS,
    detours={"saisie": "situation"},
    detour_titles={"saisie": "Saisie de vos revenus"},
    # Longer than an activation's hour: a parent may stop to find the tax notice or the RIB.
    # Kept under the account: a session ended after 30 idle minutes loses nothing saved, the
    # parent signed in again resumes it (views/journey.py).
    lifetime=timedelta(hours=4),
    owned=True,
)
SECTIONS = ("contact", "tax", "estimate", "bank")
# The DSFR badge of each state on the family's pages.
BADGES = {
    RequestState.SUBMITTED: "info",
    RequestState.IN_REVIEW: "new",
    RequestState.GRANTED: "success",
    RequestState.REFUSED: "error",
    RequestState.WITHDRAWN: "warning",
}


def today():
    return current_app.extensions["clock"].today()


def school_year() -> str:
    return school_year_on(today())


def child_of(account: dict, ine: str) -> dict | None:
    """The account's child with this INE, if in collège (the only pupils with this service)."""
    return next(
        (
            child
            for child in children_of(tx(), account["responsable_ids"])
            if child["ine"] == ine and child["niveau"] in COLLEGE
        ),
        None,
    )


def campaign_of(child: dict):
    return service_of(tx(), child["uai"], BOURSE, today())


def own_request(account: dict, number: str) -> dict:
    found = bourse_requests.find(tx(), number)
    if found is None or found["account_id"] != account["id"]:
        abort(404)
    return found


def examination_of(account: dict, child: dict):
    return examination_state.of_pupil(tx(), child["ine"], school_year(), account["id"])


# The steps' guard ------------------------------------------------------------------------------


def parent_and_child(state: dict) -> tuple[dict | None, dict | None]:
    """The signed-in parent (None when the account is no more) and the journey's child (None
    when no longer the parent's collège child), read once a request."""
    if "bourse_parent" not in g:
        account = current_account()
        g.bourse_parent = account, child_of(account, state["ine"]) if account else None
    return g.bourse_parent


def still_the_parents(state: dict):
    """The steps' guard: a journey already sent goes to its request; a child no longer the
    parent's, or another account's journey, is a 404."""
    account, child = parent_and_child(state)
    if account is None:  # signed in, but the account is no more
        return redirect(url_for("login.show"), code=303)
    if state.get("sent"):
        return leave_to(url_for("bourse.demande", numero=state["sent"]))
    if child is None or state["account_id"] != account["id"]:
        abort(404)
    return None


def after(state: dict, step: str) -> str:
    """The next step; once the summary was seen, the summary again."""
    if state.get("reviewed") and step in ("coordonnees", "estimation", "banque"):
        return "recapitulatif"
    following = {"coordonnees": "situation", "estimation": "banque", "banque": "recapitulatif"}
    return following[step]


def page(step: str, state: dict, status: int = 200, **context):
    """A step's page, about the journey's child."""
    _, child = parent_and_child(state)
    return JOURNEY.page(step, status, child=child, annee=school_year(), **context)


# The pages about the child that are no step ----------------------------------------------------


def child_page(template: str, title: str, child: dict, status: int = 200, **context):
    """A page under the journey's heading about one child: the child's page, or why a request
    cannot be made or sent."""
    return render_page(
        f"bourse/{template}.html",
        "parcours",
        title=title,
        status=status,
        components=COMPONENTS,
        heading=JOURNEY.heading,
        child=child,
        annee=school_year(),
        **context,
    )


def another_responsables_page(child: dict, existing: dict, status: int = 200):
    """The child's request of this school year made by another of the child's responsables:
    its number and state, and what this parent may do (200; 409 to a POST that would start a
    second request). Who made it, and what it holds, stay that responsable's."""
    return child_page(
        "autre_responsable",
        f"Une demande de bourse existe déjà pour {child['prenom']} {child['nom']}",
        child,
        status,
        number=existing["number"],
        state=existing["state"],
        badges=BADGES,
        changeable=bourse_requests.changeable(tx(), existing, now()),
    )


def examined_page(child: dict, examination, status: int = 200):
    """The pupil's household is examined on a responsable's consent, which counts as the
    request: where it stands, and how to apply online instead (200; 409 to a POST)."""
    return child_page(
        "examen",
        f"Le droit à bourse de {child['prenom']} {child['nom']} est examiné automatiquement",
        child,
        status,
        examination=examination,
        summary=examination_offer(child, examination),
        consent_url=consent_url(child["ine"]),
    )
