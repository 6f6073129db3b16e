"""The scholarship request's steps other than the tax situation (views/bourse_situation.py):

1. Vos coordonnées — the fiche's form; saving also declares them on the account
   (`records.contacts.save_contact`). The phone is only shown: changing it needs a code sent to
   the new number, which the fiche de renseignements does.
3. Votre foyer — what was retrieved or typed; a notice with no dependent child cannot lead to
   an estimate (`rules.tax_situation`), so the page says so and offers to change the situation.
   A retrieved notice the parent is no declarant of is said there as a warning, not an error:
   the parent may correct the numbers or go on, and the request is then to be checked.
4. Estimation — the scale of the school year (`rules.bourse.estimate`), computed when the foyer
   is confirmed.
5. Coordonnées bancaires — holder (the parent's name offered), IBAN, optional BIC.
6. Récapitulatif — every section, « Modifier » on those the parent typed, the sworn statement,
   « Envoyer la demande ». The sent request's page (views/bourse.py) is the receipt.

Once the parent has seen the summary, a changed section returns to it (a changed tax situation
goes through the foyer and the estimate first). The journey id is the submission token: the
records return the same request for the same token, and the journey is kept after sending with
the request's number, so a second click on « Envoyer » lands on the same receipt. A campaign
that closed meanwhile leaves the journey as it was. A correction (a journey started from the
request, on the summary) is sent with `correct`.
"""

from __future__ import annotations

from flask import flash, request, url_for

from records import bourse_requests
from records.bourse_requests import CORRECTION, RECEIPT
from records.contacts import Contact, contact_of, save_contact
from rules import bank, tax_situation
from rules.bourse import BourseError
from rules.mail_retry import not_yet_sent
from views.auth import account_required
from views.bourse_journey import (
    JOURNEY,
    SECTIONS,
    after,
    another_responsables_page,
    bp,
    campaign_of,
    child_page,
    examination_of,
    examined_page,
    page,
    parent_and_child,
    school_year,
    still_the_parents,
)
from views.contact import ContactForm, phone_display
from views.family_notices import capital, how_told, not_sent, tell_family, waiting
from views.forms.bourse import BankForm, SummaryForm
from views.journey import now
from views.rendering import leave_to
from views.services import closed_message
from views.unit import tx, writes


@bp.post("/demande/retour")
@account_required
def retour(account):
    """« Précédent » and the summary's « Modifier »."""
    state = JOURNEY.load()
    if state is None or state["account_id"] != account["id"] or state.get("sent"):
        return leave_to(url_for("services.home"))
    return JOURNEY.go_back(state, request.form.get("etape", ""))


# Step 1: Vos coordonnées ------------------------------------------------------------------------


@bp.get("/demande/coordonnees")
@JOURNEY.at_step("coordonnees", guard=still_the_parents)
def coordonnees(state):
    contact = current_contact(state)
    return coordonnees_page(contact, state, ContactForm.filled(contact))


def current_contact(state: dict) -> Contact:
    if state.get("contact"):
        return Contact.from_dict(state["contact"])
    account, _ = parent_and_child(state)
    return contact_of(tx(), account)


def coordonnees_page(contact: Contact, state, form, status=200):
    telephone = phone_display(contact.phone)
    return page("coordonnees", state, status, form=form, telephone=telephone)


@bp.post("/demande/coordonnees")
@JOURNEY.at_step("coordonnees", guard=still_the_parents)
def submit_coordonnees(state):
    form = ContactForm()
    typed = form.read()
    if typed is None:
        return coordonnees_page(current_contact(state), state, form, 422)
    account, _ = parent_and_child(state)
    contact = save_contact(tx(), account["id"], *typed, now())
    state["contact"] = contact.as_dict()
    return JOURNEY.advance(state, after(state, "coordonnees"))


# Step 3: Votre foyer ----------------------------------------------------------------------------


def estimate_of(state: dict) -> tuple[dict | None, str | None]:
    """The estimate of the journey's tax situation, or why there is none."""
    try:
        found = tax_situation.estimate_of(state["tax"], school_year())
    except (tax_situation.NoDependentChild, BourseError) as error:
        return None, str(error)
    return found.as_dict(), None


@bp.get("/demande/foyer")
@JOURNEY.at_step("foyer", guard=still_the_parents)
def foyer(state):
    return foyer_page(state)


def foyer_page(state, status=200):
    _, problem = estimate_of(state)
    account, _ = parent_and_child(state)
    applicant = f"{account['first_name']} {account['last_name']}"
    return page("foyer", state, status, tax=state["tax"], applicant=applicant, failure=problem)


@bp.post("/demande/foyer")
@JOURNEY.at_step("foyer", guard=still_the_parents)
def submit_foyer(state):
    found, problem = estimate_of(state)
    if problem:
        return foyer_page(state, 422)
    state["estimate"] = found
    return JOURNEY.advance(state, "estimation")


# Step 4: Estimation -----------------------------------------------------------------------------


@bp.get("/demande/estimation")
@JOURNEY.at_step("estimation", guard=still_the_parents)
def estimation(state):
    return page("estimation", state, estimate=state["estimate"])


@bp.post("/demande/estimation")
@JOURNEY.at_step("estimation", guard=still_the_parents)
def submit_estimation(state):
    return JOURNEY.advance(state, after(state, "estimation"))


# Step 5: Coordonnées bancaires ------------------------------------------------------------------


@bp.get("/demande/banque")
@JOURNEY.at_step("banque", guard=still_the_parents)
def banque(state):
    account, _ = parent_and_child(state)
    typed = state.get("bank") or {"holder": f"{account['first_name']} {account['last_name']}"}
    if typed.get("iban"):
        typed = {**typed, "iban": bank.format_iban(typed["iban"])}
    return page("banque", state, form=BankForm.filled(typed))


@bp.post("/demande/banque")
@JOURNEY.at_step("banque", guard=still_the_parents)
def submit_banque(state):
    form = BankForm()
    found = form.read()
    if found is None:
        return page("banque", state, 422, form=form)
    state["bank"] = found
    return JOURNEY.advance(state, after(state, "banque"))


# Step 6: Récapitulatif, and sending -------------------------------------------------------------


@bp.get("/demande/recapitulatif")
@writes
@JOURNEY.at_step("recapitulatif", guard=still_the_parents)
def recapitulatif(state):
    state["reviewed"] = True
    JOURNEY.save(state)
    return summary_page(state, SummaryForm(formdata=None))


def summary_page(state, form, status=200):
    return page("recapitulatif", state, status, form=form, **sections(state))


def sections(state: dict) -> dict:
    return {
        "contact": Contact.from_dict(state["contact"]),
        "telephone": phone_display(state["contact"]["phone"]),
        "tax": state["tax"],
        "estimate": state["estimate"],
        "bank": state["bank"],
        "iban": bank.format_iban(state["bank"]["iban"]),
        "correction": state.get("number"),
    }


@bp.post("/demande/recapitulatif")
@JOURNEY.at_step("recapitulatif", guard=still_the_parents)
def submit_recapitulatif(state):
    account, child = parent_and_child(state)
    if not state.get("number"):
        # A consent given since the journey began is the request now.
        examination = examination_of(account, child)
        if not examination.may_apply_online:
            return examined_page(child, examination, 409)
    form = SummaryForm()
    if not form.certified():
        return summary_page(state, form, 422)
    data = {name: state[name] for name in SECTIONS}
    token = JOURNEY.journey_id()
    try:
        if state.get("number"):
            sent = bourse_requests.correct(tx(), state["number"], account["id"], data, token, now())
        else:
            sent = bourse_requests.submit(tx(), account, child, data, token, now())
    except bourse_requests.CampaignClosed:
        return message_page(child, closed_message(campaign_of(child)), 409)
    except bourse_requests.AlreadyRequested as refusal:
        if refusal.existing["account_id"] != account["id"]:
            return another_responsables_page(child, refusal.existing, 409)
        return message_page(child, str(refusal), 409, existing=refusal.existing)
    except bourse_requests.NotChangeable as refusal:
        return message_page(child, str(refusal), 409, existing={"number": state["number"]})
    state["sent"] = sent["number"]
    JOURNEY.save(state)
    if bourse_requests.claim_receipt(tx(), sent["number"], token):
        send_receipt(sent, corrected=bool(state.get("number")))
    return leave_to(url_for(".demande", numero=sent["number"]))


CHECK_ADDRESS = "Si vous ne le recevez pas, vérifiez cette adresse dans « Mon compte »."


def message_page(child: dict, text: str, status: int, existing: dict | None = None):
    title = "Votre demande n'a pas pu être envoyée"
    return child_page("message", title, child, status, text=text, existing=existing)


def send_receipt(sent: dict, corrected: bool) -> None:
    """Send the receipt (by e-mail, by SMS), and say how (or what failed) on the request's
    page, where the PDF is too."""
    told = tell_family(sent, CORRECTION if corrected else RECEIPT)
    how, failed, later = how_told(told), not_sent(told), waiting(told)
    said = [f"Votre demande est {'corrigée' if corrected else 'envoyée'}."]
    if how:
        said.append(f"L'accusé d'enregistrement vous a été envoyé {how}.")
    if later:
        said.append(f"{not_yet_sent(capital(later))} {CHECK_ADDRESS}")
    if failed:
        said.append(f"{capital(failed)} n'a pas pu partir.")
    if failed or later or not how:
        said.append("Téléchargez l'accusé d'enregistrement ci-dessous.")
    flash(" ".join(said), "error" if failed or later else "info")
