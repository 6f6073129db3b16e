"""The consent to the automatic examination of the right to the scholarship, in the fiche de
renseignements (journeys §7 bis, issue 14 item 1): `/fiche/<ine>/examen-automatique`.

The parent reads what is shared with the tax administration and why, gives the état civil élargi
of the applicant (themselves) and of the partner living with them if any, and consents or
refuses (`records/consents.py`). The fiche shows the choice afterwards and leads back here to
change it; « Retirer mon accord » asks for a confirmation, then erases the état civil.

Decided:
- Only for a collège pupil of the signed-in parent: any other INE is « not found » (404), as a
  child who is not in collège (the scholarship is the collège's).
- Given or refused while the fiche is open (inscription, réinscription): a closed fiche's page
  leads back to the fiche, which says so. A given consent can be withdrawn at any time, the fiche
  closed or not: it holds for years.
- The choice is the button pressed. Refusing reads nothing else, and keeps no état civil; a
  consent already given is withdrawn through its confirmation, not refused in one click.
- A sibling: when the parent gave a consent for another of their pupils and not (or no longer)
  for this one, its état civil is offered filled in, said so above the form, with a way to start
  from an empty form: it is kept for this pupil only when the parent confirms it by giving the
  consent here.
- When another responsable chose too, the page and the fiche say whose household the school
  examines and why (`records.consents.household_for`), without naming them.
- Without JavaScript each form is a plain POST answered by a 303 to the fiche (success, the
  notice flashed for the fiche's consent section) or by the page with the errors (422); with
  htmx, the form's section is swapped, and success goes to the fiche (HX-Redirect).
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for

from records import consents
from records.accounts import children_of
from records.consents import ConsentState
from rules.civil_status import CivilStatus
from views.auth import account_required
from views.consent_forms import APPLICANT, COUPLE, GIVE, PARTNER, REFUSE, ConsentForm
from views.fiche import CONSENT, consent_context, fiche_open, own_child
from views.journey import now
from views.rendering import leave_to, of, render_page
from views.services import COLLEGE, day
from views.unit import tx

bp = Blueprint("consent", __name__, url_prefix="/fiche")
COMPONENTS = ("form", "radio")

GIVEN = "Votre accord est enregistré : l'établissement examinera le droit de {prenom} à la bourse."
CHANGED = "Votre accord est confirmé, avec l'état civil que vous venez de vérifier."
REFUSED = (
    "Votre refus est enregistré. Pour la bourse, faites une demande chaque année pendant la "
    "campagne, en ligne ou sur papier."
)
WITHDRAWN = (
    "Votre accord est retiré et l'état civil que vous aviez donné est effacé. Pour la bourse, "
    "faites une demande chaque année pendant la campagne, en ligne ou sur papier."
)
NOTHING_TO_WITHDRAW = "Vous n'avez pas d'accord en cours pour {prenom} : il n'y a rien à retirer."


def consent_view(while_closed: bool = False):
    """A view of one of the signed-in parent's collège pupils (`view(account, child)`). Unless
    `while_closed`, a closed fiche leads back to the fiche, which says so."""

    def decorate(view):
        @wraps(view)
        @account_required
        def guarded(account, ine):
            child = own_child(account, ine)
            if child["niveau"] not in COLLEGE:
                abort(404)
            if not while_closed and not fiche_open(child):
                return leave_to(url_for("fiche.show", ine=ine))
            return view(account, child)

        return guarded

    return decorate


def back_to_fiche(child: dict, notice: str):
    flash(notice, CONSENT)
    return leave_to(url_for("fiche.show", ine=child["ine"]))


def today():
    return current_app.extensions["clock"].today()


# The page: what is shared, the état civil, the choice -------------------------------------------


def sibling_offer(account: dict, child: dict, mine: dict | None) -> dict | None:
    """The consent given for another of the parent's pupils, offered for this one, with that
    pupil's first name; None when this one's consent is given or none was given elsewhere."""
    if mine and mine["state"] == ConsentState.GIVEN:
        return None
    other = consents.given_for_another_pupil(tx(), account["id"], child["ine"])
    if other is None:
        return None
    pupils = children_of(tx(), account["responsable_ids"])
    named = next((pupil for pupil in pupils if pupil["ine"] == other["ine"]), None)
    prenom = named["prenom"] if named else "un autre de vos enfants"
    return {**other, "prenom": prenom, "day": day(datetime.fromisoformat(other["given_at"]))}


def consent_page(account: dict, child: dict, form: ConsentForm | None = None, status: int = 200):
    """The page; without `form` (a GET), the état civil kept, or a sibling's offered."""
    choice = consent_context(account, child)  # as the fiche shows it
    mine = choice["consent"]
    given = mine is not None and mine["state"] == ConsentState.GIVEN
    offered = None
    if form is None:
        if request.args.get("reprise") != "non":
            offered = sibling_offer(account, child, mine)
        source = mine if given else offered
        form = ConsentForm.filled(
            CivilStatus.from_record(source and source["applicant"]),
            CivilStatus.from_record(source and source["partner"]),
        )
    invalid = form.invalid()
    return render_page(
        "fiche/consent.html",
        "consentement",
        title=f"Étude automatique du droit à bourse — {child['prenom']} {child['nom']}",
        status=status,
        components=COMPONENTS,
        child=child,
        of=of,
        form=form,
        couple=COUPLE,
        legends={"applicant": APPLICANT, "partner": PARTNER},
        give=GIVE,
        refuse=REFUSE,
        invalid=invalid,
        # One wrong part takes the focus; several, their list (templates/macros/forms.html).
        focus=invalid[0].id if len(invalid) == 1 else None,
        given=given,
        offered=offered,
        **choice,
    )


@bp.get("/<ine>/examen-automatique")
@consent_view()
def show(account, child):
    return consent_page(account, child)


@bp.post("/<ine>/examen-automatique")
@consent_view()
def choose(account, child):
    form = ConsentForm()
    decision = request.form.get("decision", "")
    read = form.read(decision, today())
    if read is None:
        return consent_page(account, child, form, 422)
    given, applicant, partner = read
    before = consents.of_account_for_pupil(tx(), account["id"], child["ine"])
    if not given and before and before["state"] == ConsentState.GIVEN:
        # A given consent is withdrawn through its confirmation, not in one click.
        return leave_to(url_for(".withdrawal", ine=child["ine"]))
    consents.choose(tx(), account, child, given, now(), applicant=applicant, partner=partner)
    if not given:
        return back_to_fiche(child, REFUSED)
    was_given = before is not None and before["state"] == ConsentState.GIVEN
    return back_to_fiche(child, CHANGED if was_given else GIVEN.format(prenom=child["prenom"]))


# Withdrawing: a confirmation, then the état civil erased --------------------------------------


@bp.get("/<ine>/examen-automatique/retrait")
@consent_view(while_closed=True)
def withdrawal(account, child):
    mine = consents.of_account_for_pupil(tx(), account["id"], child["ine"])
    if mine is None or mine["state"] != ConsentState.GIVEN:
        return redirect(url_for("fiche.show", ine=child["ine"]), code=303)
    return render_page(
        "fiche/consent_withdraw.html",
        "main",
        title=f"Retirer votre accord — {child['prenom']} {child['nom']}",
        components=COMPONENTS,
        child=child,
        of=of,
        given_day=day(datetime.fromisoformat(mine["given_at"])),
        with_partner=bool(mine["partner"]),
    )


@bp.post("/<ine>/examen-automatique/retrait")
@consent_view(while_closed=True)
def withdraw(account, child):
    try:
        consents.withdraw(tx(), account["id"], child["ine"], now())
    except LookupError:
        return back_to_fiche(child, NOTHING_TO_WITHDRAW.format(prenom=child["prenom"]))
    return back_to_fiche(child, WITHDRAWN)
