"""Step 2 of the scholarship request, « Votre situation fiscale »: numéro fiscal and référence
of the year-N notice, for the household and, for a couple neither married nor PACSed, the
other parent's (a fieldset always in the page: it must work without JavaScript). The numbers
are required on both ways through the step, since the school checks them; the consent to ask
the DGFiP only to retrieve the data; the renewal consent always. A notice of another year is
refused on its référence. When the data cannot be had (unknown notice, service down, incomplete
answer) the parent is offered the manual entry page — also offered from the start, for a parent
who does not consent.

Manual entry (a detour shown as step 2): RFR, dependent children, the notice(s) uploaded; a
file that passed its checks is kept even when another field is wrong, so it is not sent twice.
"""

from __future__ import annotations

from flask import current_app, request

from outside.tax import TaxUnavailable, TaxUnknown
from rules import tax_situation
from rules.uploads import MAX_BYTES, UploadError, check_upload
from views.bourse_journey import (
    JOURNEY,
    bp,
    page,
    parent_and_child,
    school_year,
    still_the_parents,
)
from views.errors import handle_http_error
from views.forms.bourse import ManualForm, SituationForm

UNKNOWN_NOTICE = (
    "Aucun avis d'impôt ne correspond à ce numéro fiscal et à cette référence. Vérifiez-les sur "
    "votre avis, ou saisissez vos revenus vous-même."
)
UNAVAILABLE = (
    "Vos informations fiscales ne peuvent pas être récupérées pour le moment : le service de "
    "l'administration fiscale ne répond pas. Réessayez plus tard, ou saisissez vos revenus "
    "vous-même et joignez votre avis d'impôt."
)
FILE_TOO_LARGE = (
    f"Le fichier dépasse la taille maximale de {MAX_BYTES // (1024 * 1024)} Mo : envoyez une "
    "version plus légère (un PDF plutôt que des photos, par exemple)."
)


@bp.get("/demande/situation-fiscale")
@JOURNEY.at_step("situation", guard=still_the_parents)
def situation(state):
    return situation_page(state, SituationForm.filled(state.get("tax")))


def situation_page(state, form, status=200, failure=None):
    return page("situation", state, status, form=form, failure=failure)


@bp.post("/demande/situation-fiscale")
@JOURNEY.at_step("situation", guard=still_the_parents)
def submit_situation(state):
    form = SituationForm()
    manual = request.form.get("action") == "saisie"
    numbers = form.read(retrieving=not manual)
    if numbers is None:
        return situation_page(state, form, 422)
    renewal = form.renouvellement.data
    if manual:
        consent = bool(form.consentement.data)
        previous = state.get("tax")
        state["tax"] = tax_situation.typed(previous, numbers, consent, renewal, school_year())
        return JOURNEY.advance(state, "saisie")
    try:
        found = [retrieve(form, index, *notice) for index, notice in enumerate(numbers)]
    except TaxUnavailable:
        return situation_page(state, form, 503, failure=UNAVAILABLE)
    if None in found:
        return situation_page(state, form, 422)
    account, _ = parent_and_child(state)
    declared = tax_situation.applicant_declared(account["last_name"], account["first_name"], found)
    state["tax"] = tax_situation.retrieved(numbers, found, renewal, declared)
    return JOURNEY.advance(state, "foyer")


def retrieve(form: SituationForm, index: int, numero: str, reference: str):
    """The notice from the tax data, or None with the reason on its fields (unknown, or of
    another year than the one of the school year's scale); TaxUnavailable goes up."""
    numero_field, reference_field = form.fields_of(index)
    try:
        avis = current_app.extensions["tax"].lookup(numero, reference)
    except TaxUnknown:
        numero_field.errors.append(UNKNOWN_NOTICE)
        reference_field.errors.append(UNKNOWN_NOTICE)
        return None
    if avis.revenu_fiscal_reference is None:
        raise TaxUnavailable("avis sans revenu fiscal de référence")
    wrong_year = tax_situation.wrong_year(avis, school_year())
    if wrong_year:
        reference_field.errors.append(wrong_year)
        return None
    return avis


# Without the tax data: the manual entry ---------------------------------------------------------


@bp.get("/demande/saisie")
@JOURNEY.at_step("saisie", guard=still_the_parents)
def saisie(state):
    return saisie_page(state, ManualForm.typed_before(state["tax"]))


def too_large(error):
    """Above the service's limit for any request, the upload never reaches the view: the manual
    entry page again, with the file's own limit said on its field."""
    if request.endpoint != "bourse.submit_saisie":
        return handle_http_error(error)
    return saisie_too_large()


@JOURNEY.at_step("saisie", guard=still_the_parents)
def saisie_too_large(state):
    form = ManualForm.typed_before(state["tax"])
    form.avis.errors = [FILE_TOO_LARGE]
    return saisie_page(state, form, 413)


bp.register_error_handler(413, too_large)


def saisie_page(state, form, status=200):
    return page("saisie", state, status, form=form, files=state["tax"]["files"])


@bp.post("/demande/saisie")
@JOURNEY.at_step("saisie", guard=still_the_parents)
def submit_saisie(state):
    form = ManualForm()
    form.validate()
    tax = state["tax"]
    for index, field in enumerate((form.avis, form.avis_2)[: len(tax["notices"])]):
        receive(state, index, field)
    JOURNEY.save(state)  # a file received stays, whatever else is wrong
    if any(field.errors for field in form):
        return saisie_page(state, form, 422)
    tax["rfr"] = form.rfr.number
    tax["enfants_a_charge"] = form.enfants.number
    return JOURNEY.advance(state, "foyer")


def receive(state: dict, index: int, field) -> None:
    """Check and keep the file sent in `field` as the notice number `index`; without a file,
    the one sent before stays, and one is required if there is none."""
    files_kept = state["tax"]["files"]
    upload = field.data
    if not getattr(upload, "filename", ""):
        if files_kept[index] is None:
            field.errors.append("Joignez votre avis d'impôt : un fichier PDF, JPEG ou PNG.")
        return
    data = upload.read()
    try:
        kind = check_upload(upload.filename, upload.mimetype or "", data)
    except UploadError as error:
        field.errors.append(str(error))
        return
    files = current_app.extensions["files"]
    replaced = files_kept[index]
    # Only a file sent during this journey is deleted: a corrected request's files stay its own
    # until the correction is sent.
    if replaced and replaced["key"] in state.get("uploads", []):
        files.delete(replaced["key"])
    key = files.save(data)
    state.setdefault("uploads", []).append(key)
    name = " ".join(upload.filename.split())[-100:]
    files_kept[index] = {"key": key, "name": name, "type": kind, "size": len(data)}
