"""La demande de bourse de collège, the parent's side (journeys §7).

`/bourse/eleves/<ine>` presents the request for one child and starts a `Journey` (kind and
session key "bourse") whose state holds the child, the school year and each section as the
request record will keep it ("coordonnees", "fiscal", "estimation", "banque"):

1. Vos coordonnées — the fiche's form; saving also declares them on the account
   (`records.contacts.save_contact`). The phone is only shown: changing it needs a code sent to
   the new number, which the fiche de renseignements does.
2. Votre situation fiscale — numéro fiscal and référence of the year-N notice, for the
   household and, for a couple neither married nor PACSed, the other parent's (a fieldset always
   in the page: it must work without JavaScript). The numbers are required on both ways through
   the step, since the school checks them; the consent to ask the DGFiP only to retrieve the
   data; the renewal consent always. A notice of another year is refused on its référence. When
   the data cannot be had (unknown notice, service down, incomplete answer) the parent is offered
   the manual entry page — also offered from the start, for a parent who does not consent.
   Manual entry (shown as step 2): RFR, dependent children, the notice(s) uploaded; a file that
   passed its checks is kept even when another field is wrong, so it is not sent twice.
3. Votre foyer — what was retrieved or typed; a notice with no dependent child cannot lead to
   an estimate (the pupil counts), so the page says so and offers to change the situation. A
   retrieved notice the parent is no declarant of (`rules.declarants`: any valid numbers give a
   notice, another household's too) is said there as a warning, not an error: the parent may
   correct the numbers or go on, and the request is then to be checked by the school.
4. Estimation — the scale of the school year (`rules.bourse.estimate`), computed when the foyer
   is confirmed.
5. Coordonnées bancaires — holder (the parent's name offered), IBAN, optional BIC.
6. Récapitulatif — every section, « Modifier » on those the parent typed, the sworn statement,
   « Envoyer la demande ». The sent request's page (/bourse/demandes/<numero>) is the receipt.

Once the parent has seen the summary, a changed section returns to it (a changed tax situation
goes through the foyer and the estimate first). The journey id is the submission token: the
records return the same request for the same token, and the journey is kept after sending with
the request's number, so a second click on « Envoyer » lands on the same receipt. A campaign that
closed meanwhile leaves the journey as it was.

Correction starts the journey from the request (on the summary) and sends with `correct`; a
sibling's request (same collège, no active request this year) starts from the household's
coordonnées, tax situation and bank details, on the summary too. Another parent's child or
request, or a child who is not in collège, is a 404. The child's page, when another of the
child's responsables has applied this year, says so (number and state, not who made it nor what
it holds) and what this parent may do: 200, or 409 to a POST that would start a second request.

A pupil whose household the school examines on a responsable's consent (issue 14) has its
request already: the child's page says so and how to apply online instead (withdraw the consent
in the fiche), 200, or 409 to a POST that would start or send a request; unless the year's
examination found no notice (`records/examination_state.py`).
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired

from documents.pdf import PdfUnavailable
from documents.receipt import moment_text, receipt_pdf
from outside.tax import TaxUnavailable, TaxUnknown
from records import bourse_requests, examination_state
from records.accounts import children_of
from records.bourse_requests import CORRECTION, RECEIPT, WITHDRAWAL
from records.contacts import Contact, contact_of, save_contact
from records.teleservices import BOURSE, service_of
from rules import bank, tax_numbers
from rules.bourse import BourseError, estimate, household_of, school_year_on
from rules.declarants import among_declarants
from rules.uploads import MAX_BYTES, UploadError, check_upload
from views.auth import account_required, current_account
from views.contact import ContactForm, phone_display
from views.errors import handle_http_error
from views.family_notices import how_told, not_sent, tell_family
from views.journey import Journey, now
from views.rendering import flashed, leave_to, render_page
from views.services import COLLEGE, closed_message, consent_url, examination_offer
from views.simulator import whole_number
from views.unit import tx, writes

bp = Blueprint("bourse", __name__, url_prefix="/bourse")
COMPONENTS = ("form", "stepper", "request")
JOURNEY = Journey(
    blueprint="bourse",
    kind="bourse",
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
SECTIONS = ("coordonnees", "fiscal", "estimation", "banque")
RENEWAL = {"accepte": "J'accepte", "refuse": "Je refuse"}
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
NO_CHILD = (
    "Votre avis d'impôt ne compte aucun enfant à charge : or votre enfant doit être à la charge "
    "du foyer. Si vous vivez en couple sans être mariés ni pacsés, ajoutez l'avis du parent qui "
    "a l'enfant à charge ; sinon, saisissez vos revenus vous-même."
)


def today():
    return current_app.extensions["clock"].today()


def school_year() -> str:
    return school_year_on(today())


def child_of(account: dict, ine: str) -> dict | None:
    """The account's child with this INE, if in collège (the only pupils with this service)."""
    return next(
        (
            child
            for child in children_of(tx(), account["responsables"])
            if child["ine"] == ine and child["niveau"] in COLLEGE
        ),
        None,
    )


def campaign_of(child: dict):
    return service_of(tx(), child["uai"], BOURSE, today())


def own_request(account: dict, numero: str) -> dict:
    found = bourse_requests.find(tx(), numero)
    if found is None or found["account_id"] != account["id"]:
        abort(404)
    return found


# The child's page: before the request -----------------------------------------------------------


@bp.get("/eleves/<ine>")
@account_required
def eleve(account, ine):
    child = child_of(account, ine) or abort(404)
    existing = bourse_requests.active_for_child(tx(), ine, school_year())
    if existing and existing["account_id"] == account["id"]:
        return redirect(url_for(".demande", numero=existing["numero"]), code=303)
    if existing:
        return another_responsables_page(child, existing)
    examination = examination_of(account, child)
    if not examination.may_apply_online:
        return examined_page(child, examination)
    return intro_page(child)


@bp.post("/eleves/<ine>")
@account_required
def commencer(account, ine):
    child = child_of(account, ine) or abort(404)
    existing = bourse_requests.active_for_child(tx(), ine, school_year())
    if existing and existing["account_id"] == account["id"]:
        return leave_to(url_for(".demande", numero=existing["numero"]))
    if existing:
        return another_responsables_page(child, existing, 409)
    examination = examination_of(account, child)
    if not examination.may_apply_online:
        return examined_page(child, examination, 409)
    if not campaign_of(child).open:
        return intro_page(child)
    JOURNEY.start({"step": "coordonnees", "account_id": account["id"], "ine": ine})
    return JOURNEY.go_to("coordonnees")


def intro_page(child: dict):
    service = campaign_of(child)
    state = JOURNEY.load()
    ongoing = state if state and state["ine"] == child["ine"] and not state.get("envoyee") else None
    return render_page(
        "bourse/eleve.html",
        "parcours",
        title=f"Demande de bourse de collège pour {child['prenom']} {child['nom']}",
        components=COMPONENTS,
        heading=JOURNEY.heading,
        child=child,
        annee=school_year(),
        service=service,
        closed=None if service.open else closed_message(service),
        ongoing_url=JOURNEY.url(ongoing["step"]) if ongoing else None,
    )


def another_responsables_page(child: dict, existing: dict, status: int = 200):
    """The child's request of this school year made by another of the child's responsables:
    its number and state, and what this parent may do (200; 409 to a POST that would start a
    second request). Who made it, and what it holds, stay that responsable's."""
    return render_page(
        "bourse/autre_responsable.html",
        "parcours",
        title=f"Une demande de bourse existe déjà pour {child['prenom']} {child['nom']}",
        status=status,
        components=COMPONENTS,
        heading=JOURNEY.heading,
        child=child,
        annee=school_year(),
        numero=existing["numero"],
        etat=existing["etat"],
        changeable=changeable(existing),
    )


def examination_of(account: dict, child: dict):
    return examination_state.of_pupil(tx(), child["ine"], school_year(), account["id"])


def examined_page(child: dict, examination, status: int = 200):
    """The pupil's household is examined on a responsable's consent, which counts as the
    request: where it stands, and how to apply online instead (200; 409 to a POST)."""
    return render_page(
        "bourse/examen.html",
        "parcours",
        title=f"Le droit à bourse de {child['prenom']} {child['nom']} est examiné automatiquement",
        status=status,
        components=COMPONENTS,
        heading=JOURNEY.heading,
        child=child,
        annee=school_year(),
        examination=examination,
        summary=examination_offer(child, examination),
        consent_url=consent_url(child["ine"]),
    )


# The journey's steps ---------------------------------------------------------------------------


def at_step(step: str):
    """The view of a step: signed in, the journey standing at `step`, its child still the
    parent's. A journey already sent goes to its request."""

    def decorate(view):
        @wraps(view)
        def signed_in_first():
            # A step sent after the session ended: signed in again, the parent comes back to
            # the step (the journey is the account's); what this form held is not kept.
            if request.method == "POST" and current_account() is None:
                return leave_to(url_for("login.show", next=request.path))
            return guarded()

        @account_required
        def guarded(account):
            state, elsewhere = JOURNEY.guard(step)
            if elsewhere:
                return elsewhere
            if state.get("envoyee"):
                return leave_to(url_for(".demande", numero=state["envoyee"]))
            child = child_of(account, state["ine"])
            if child is None or state["account_id"] != account["id"]:
                abort(404)
            return view(account, state, child)

        return signed_in_first

    return decorate


def advance(state: dict, step: str):
    state["step"] = step
    JOURNEY.save(state)
    return JOURNEY.go_to(step)


def after(state: dict, step: str) -> str:
    """The next step; once the summary was seen, the summary again."""
    if state.get("revu") and step in ("coordonnees", "estimation", "banque"):
        return "recapitulatif"
    following = {"coordonnees": "situation", "estimation": "banque", "banque": "recapitulatif"}
    return following[step]


def page(step: str, state: dict, child: dict, status: int = 200, **context):
    return JOURNEY.page(step, status, child=child, annee=school_year(), **context)


@bp.post("/demande/retour")
@account_required
def retour(account):
    """« Précédent » and the summary's « Modifier »."""
    state = JOURNEY.load()
    if state is None or state["account_id"] != account["id"] or state.get("envoyee"):
        return leave_to(url_for("services.home"))
    return JOURNEY.go_back(state, request.form.get("etape", ""))


# Step 1: Vos coordonnées ------------------------------------------------------------------------


@bp.get("/demande/coordonnees")
@at_step("coordonnees")
def coordonnees(account, state, child):
    contact = current_contact(account, state)
    return coordonnees_page(contact, state, child, ContactForm.filled(contact))


def current_contact(account: dict, state: dict) -> Contact:
    if state.get("coordonnees"):
        return Contact.from_dict(state["coordonnees"])
    return contact_of(tx(), account)


def coordonnees_page(contact: Contact, state, child, form, status=200):
    telephone = phone_display(contact.telephone)
    return page("coordonnees", state, child, status, form=form, telephone=telephone)


@bp.post("/demande/coordonnees")
@at_step("coordonnees")
def submit_coordonnees(account, state, child):
    form = ContactForm()
    typed = form.read()
    if typed is None:
        return coordonnees_page(current_contact(account, state), state, child, form, 422)
    contact = save_contact(tx(), account["id"], *typed, now())
    state["coordonnees"] = contact.as_dict()
    return advance(state, after(state, "coordonnees"))


# Step 2: Votre situation fiscale ---------------------------------------------------------------


class SituationForm(FlaskForm):
    numero_fiscal = StringField("Numéro fiscal")
    reference_avis = StringField("Référence de l'avis d'impôt")
    numero_fiscal_2 = StringField("Numéro fiscal de l'autre parent")
    reference_avis_2 = StringField("Référence de son avis d'impôt")
    consentement = BooleanField(
        "J'accepte que l'établissement obtienne mes informations fiscales auprès de "
        "l'administration fiscale (DGFiP)"
    )
    renouvellement = StringField("Renouvellement de la bourse")

    @classmethod
    def filled(cls, fiscal: dict | None) -> SituationForm:
        fiscal = fiscal or {}
        avis = fiscal.get("avis", [])
        values = {"consentement": fiscal.get("consentement_dgfip", False)}
        values["renouvellement"] = fiscal.get("renouvellement", "")
        for index, notice in enumerate(avis[:2]):
            suffix = "_2" if index else ""
            values[f"numero_fiscal{suffix}"] = notice["numero_fiscal"]
            values[f"reference_avis{suffix}"] = notice["reference_avis"]
        return cls(formdata=None, **values)

    def read(self, retrieving: bool) -> list[tuple[str, str]] | None:
        """The notices' (numéro fiscal, référence), one or two, or None with the errors on the
        fields."""
        if not self.validate():
            return None
        notices = [self.notice(self.numero_fiscal, self.reference_avis)]
        if (self.numero_fiscal_2.data or "").strip() or (self.reference_avis_2.data or "").strip():
            notices.append(self.notice(self.numero_fiscal_2, self.reference_avis_2))
            if notices[1][0] and notices[1][0] == notices[0][0]:
                self.numero_fiscal_2.errors.append(
                    "C'est le même numéro fiscal : indiquez celui de l'autre parent, qui a son "
                    "propre avis d'impôt."
                )
        if self.renouvellement.data not in RENEWAL:
            self.renouvellement.errors.append(
                "Indiquez si vous acceptez le renouvellement de la bourse chaque année."
            )
        if retrieving and not self.consentement.data:
            self.consentement.errors.append(
                "Cochez cette case pour que vos informations fiscales soient récupérées, ou "
                "choisissez de saisir vos revenus vous-même."
            )
        if any(field.errors for field in self):
            return None
        return notices

    @staticmethod
    def notice(numero, reference) -> tuple[str, str]:
        found = []
        for field, check in (
            (numero, tax_numbers.check_numero_fiscal),
            (reference, tax_numbers.check_reference_avis),
        ):
            try:
                found.append(check(field.data))
            except tax_numbers.TaxNumberError as error:
                field.errors.append(str(error))
                found.append("")
        return found[0], found[1]


@bp.get("/demande/situation-fiscale")
@at_step("situation")
def situation(account, state, child):
    return situation_page(state, child, SituationForm.filled(state.get("fiscal")))


def situation_page(state, child, form, status=200, failure=None):
    return page("situation", state, child, status, form=form, failure=failure)


@bp.post("/demande/situation-fiscale")
@at_step("situation")
def submit_situation(account, state, child):
    form = SituationForm()
    manual = request.form.get("action") == "saisie"
    notices = form.read(retrieving=not manual)
    if notices is None:
        return situation_page(state, child, form, 422)
    if manual:
        state["fiscal"] = manual_situation(state.get("fiscal"), notices, form)
        return advance(state, "saisie")
    try:
        found = [retrieve(form, index, *notice) for index, notice in enumerate(notices)]
    except TaxUnavailable:
        return situation_page(state, child, form, 503, failure=UNAVAILABLE)
    if None in found:
        return situation_page(state, child, form, 422)
    rfr, enfants = household_of(found)
    state["fiscal"] = {
        "source": "dgfip",
        "avis": [
            {"numero_fiscal": numero, "reference_avis": reference, "avis": avis.to_api()}
            for (numero, reference), avis in zip(notices, found, strict=True)
        ],
        "rfr": rfr,
        "enfants_a_charge": enfants,
        "annee_revenus": found[0].annee_revenus,
        "consentement_dgfip": True,
        "renouvellement": form.renouvellement.data,
        "pieces": [],
        "declarants_differents": not applicant_declared(account, found),
    }
    return advance(state, "foyer")


def applicant_declared(account: dict, notices: list) -> bool:
    """Whether the parent is a declarant of one of the notices: any valid numbers retrieve a
    notice, another household's too."""
    declarants = [
        declarant
        for avis in notices
        for declarant in (avis.declarant1, avis.declarant2)
        if declarant is not None
    ]
    return among_declarants(account["nom"], account["prenom"], declarants)


def retrieve(form: SituationForm, index: int, numero: str, reference: str):
    """The notice from the tax data, or None with the reason on its fields (unknown, or of
    another year than the one of the school year's scale); TaxUnavailable goes up."""
    fields = (form.numero_fiscal_2, form.reference_avis_2) if index else None
    numero_field, reference_field = fields or (form.numero_fiscal, form.reference_avis)
    try:
        avis = current_app.extensions["tax"].lookup(numero, reference)
    except TaxUnknown:
        numero_field.errors.append(UNKNOWN_NOTICE)
        reference_field.errors.append(UNKNOWN_NOTICE)
        return None
    if avis.revenu_fiscal_reference is None:
        raise TaxUnavailable("avis sans revenu fiscal de référence")
    rentree = int(school_year()[:4])
    if avis.annee_impots != rentree:
        reference_field.errors.append(
            f"Cet avis est celui de {avis.annee_impots}, sur les revenus {avis.annee_revenus} : "
            f"pour la bourse {school_year()}, indiquez l'avis d'impôt {rentree} sur les revenus "
            f"{rentree - 1}."
        )
        return None
    return avis


def manual_situation(previous: dict | None, notices, form: SituationForm) -> dict:
    """The tax situation the parent is going to type, keeping what was already typed (and the
    files already sent) for the same notices."""
    previous = previous if previous and previous["source"] == "manuel" else {}
    pieces = previous.get("pieces", [])
    return {
        "source": "manuel",
        "avis": [
            {"numero_fiscal": numero, "reference_avis": reference, "avis": None}
            for numero, reference in notices
        ],
        "rfr": previous.get("rfr"),
        "enfants_a_charge": previous.get("enfants_a_charge"),
        "annee_revenus": int(school_year()[:4]) - 1,
        "consentement_dgfip": bool(form.consentement.data),
        "renouvellement": form.renouvellement.data,
        "pieces": (pieces + [None, None])[: len(notices)],
    }


# Step 2, without the tax data: the manual entry -------------------------------------------------


def at_least_one(form, field):
    if getattr(field, "number", 1) < 1:
        field.errors.append(
            "Le nombre d'enfants à charge est d'au moins 1 : votre enfant au collège compte."
        )


class ManualForm(FlaskForm):
    rfr = StringField(
        "Revenu fiscal de référence, en euros",
        validators=[
            InputRequired("Indiquez le revenu fiscal de référence de votre avis d'impôt."),
            whole_number(
                "Indiquez le revenu fiscal de référence en chiffres, en euros sans centimes. "
                "Exemple : 12000",
                "Le revenu fiscal de référence ne peut pas être négatif.",
            ),
        ],
    )
    enfants = StringField(
        "Nombre d'enfants à charge",
        validators=[
            InputRequired("Indiquez le nombre d'enfants à charge de votre avis d'impôt."),
            whole_number(
                "Indiquez le nombre d'enfants à charge en chiffres. Exemple : 2",
                "Le nombre d'enfants à charge est d'au moins 1 : votre enfant au collège compte.",
            ),
            at_least_one,
        ],
    )
    avis = FileField("Votre avis d'impôt")
    avis_2 = FileField("L'avis d'impôt de l'autre parent")


@bp.get("/demande/saisie")
@at_step("saisie")
def saisie(account, state, child):
    return saisie_page(state, child, typed_before(state))


def typed_before(state: dict) -> ManualForm:
    fiscal = state["fiscal"]
    typed = {"rfr": fiscal["rfr"], "enfants": fiscal["enfants_a_charge"]}
    return ManualForm(formdata=None, **{name: "" if v is None else v for name, v in typed.items()})


def too_large(error):
    """Above the service's limit for any request, the upload never reaches the view: the manual
    entry page again, with the file's own limit said on its field."""
    if request.endpoint != "bourse.submit_saisie":
        return handle_http_error(error)
    return saisie_too_large()


@at_step("saisie")
def saisie_too_large(account, state, child):
    form = typed_before(state)
    form.avis.errors = [FILE_TOO_LARGE]
    return saisie_page(state, child, form, 413)


bp.register_error_handler(413, too_large)


def saisie_page(state, child, form, status=200):
    return page("saisie", state, child, status, form=form, pieces=state["fiscal"]["pieces"])


@bp.post("/demande/saisie")
@at_step("saisie")
def submit_saisie(account, state, child):
    form = ManualForm()
    form.validate()
    fiscal = state["fiscal"]
    for index, field in enumerate((form.avis, form.avis_2)[: len(fiscal["avis"])]):
        receive(state, index, field)
    JOURNEY.save(state)  # a file received stays, whatever else is wrong
    if any(field.errors for field in form):
        return saisie_page(state, child, form, 422)
    fiscal["rfr"] = form.rfr.number
    fiscal["enfants_a_charge"] = form.enfants.number
    return advance(state, "foyer")


def receive(state: dict, index: int, field) -> None:
    """Check and keep the file sent in `field` as the notice number `index`; without a file,
    the one sent before stays, and one is required if there is none."""
    pieces = state["fiscal"]["pieces"]
    upload = field.data
    if not getattr(upload, "filename", ""):
        if pieces[index] is None:
            field.errors.append("Joignez votre avis d'impôt : un fichier PDF, JPEG ou PNG.")
        return
    data = upload.read()
    try:
        kind = check_upload(upload.filename, upload.mimetype or "", data)
    except UploadError as error:
        field.errors.append(str(error))
        return
    files = current_app.extensions["files"]
    replaced = pieces[index]
    # Only a file sent during this journey is deleted: a corrected request's files stay its own
    # until the correction is sent.
    if replaced and replaced["cle"] in state.get("envois", []):
        files.delete(replaced["cle"])
    key = files.save(data)
    state.setdefault("envois", []).append(key)
    name = " ".join(upload.filename.split())[-100:]
    pieces[index] = {"cle": key, "nom": name, "type": kind, "taille": len(data)}


# Step 3: Votre foyer ----------------------------------------------------------------------------


def estimate_of(state: dict) -> tuple[dict | None, str | None]:
    """The estimate of the journey's tax situation, or why there is none."""
    fiscal = state["fiscal"]
    if fiscal["source"] == "dgfip" and fiscal["enfants_a_charge"] < 1:
        return None, NO_CHILD
    try:
        found = estimate(school_year(), fiscal["rfr"], fiscal["enfants_a_charge"])
    except BourseError as error:
        return None, str(error)
    return found.as_dict(), None


@bp.get("/demande/foyer")
@at_step("foyer")
def foyer(account, state, child):
    return foyer_page(account, state, child)


def foyer_page(account, state, child, status=200):
    _, problem = estimate_of(state)
    applicant = f"{account['prenom']} {account['nom']}"
    fiscal = state["fiscal"]
    return page("foyer", state, child, status, fiscal=fiscal, applicant=applicant, failure=problem)


@bp.post("/demande/foyer")
@at_step("foyer")
def submit_foyer(account, state, child):
    found, problem = estimate_of(state)
    if problem:
        return foyer_page(account, state, child, 422)
    state["estimation"] = found
    return advance(state, "estimation")


# Step 4: Estimation -----------------------------------------------------------------------------


@bp.get("/demande/estimation")
@at_step("estimation")
def estimation(account, state, child):
    return page("estimation", state, child, estimation=state["estimation"])


@bp.post("/demande/estimation")
@at_step("estimation")
def submit_estimation(account, state, child):
    return advance(state, after(state, "estimation"))


# Step 5: Coordonnées bancaires ------------------------------------------------------------------


class BankForm(FlaskForm):
    titulaire = StringField("Titulaire du compte")
    iban = StringField("IBAN")
    bic = StringField("BIC (facultatif)")

    def read(self) -> dict | None:
        if not self.validate():
            return None
        found = {}
        for name, check in (
            ("titulaire", bank.check_holder),
            ("iban", bank.check_iban),
            ("bic", bank.check_bic),
        ):
            try:
                found[name] = check(self[name].data)
            except bank.BankError as error:
                self[name].errors.append(str(error))
        return None if any(field.errors for field in self) else found


@bp.get("/demande/banque")
@at_step("banque")
def banque(account, state, child):
    typed = state.get("banque") or {"titulaire": f"{account['prenom']} {account['nom']}"}
    if typed.get("iban"):
        typed = {**typed, "iban": bank.format_iban(typed["iban"])}
    return page("banque", state, child, form=BankForm(formdata=None, **typed))


@bp.post("/demande/banque")
@at_step("banque")
def submit_banque(account, state, child):
    form = BankForm()
    found = form.read()
    if found is None:
        return page("banque", state, child, 422, form=form)
    state["banque"] = found
    return advance(state, after(state, "banque"))


# Step 6: Récapitulatif, and sending -------------------------------------------------------------


class SummaryForm(FlaskForm):
    certification = BooleanField(
        "Je certifie sur l'honneur l'exactitude des renseignements fournis"
    )


@bp.get("/demande/recapitulatif")
@writes
@at_step("recapitulatif")
def recapitulatif(account, state, child):
    state["revu"] = True
    JOURNEY.save(state)
    return summary_page(state, child, SummaryForm(formdata=None))


def summary_page(state, child, form, status=200):
    return page("recapitulatif", state, child, status, form=form, **sections(state))


def sections(state: dict) -> dict:
    return {
        "coordonnees": Contact.from_dict(state["coordonnees"]),
        "telephone": phone_display(state["coordonnees"]["telephone"]),
        "fiscal": state["fiscal"],
        "estimation": state["estimation"],
        "banque": state["banque"],
        "iban": bank.format_iban(state["banque"]["iban"]),
        "correction": state.get("numero"),
    }


@bp.post("/demande/recapitulatif")
@at_step("recapitulatif")
def submit_recapitulatif(account, state, child):
    if not state.get("numero"):
        # A consent given since the journey began is the request now.
        examination = examination_of(account, child)
        if not examination.may_apply_online:
            return examined_page(child, examination, 409)
    form = SummaryForm()
    if not form.validate() or not form.certification.data:
        form.certification.errors = [
            "Cochez cette case pour certifier l'exactitude des renseignements : la demande ne "
            "peut pas être envoyée sans elle."
        ]
        return summary_page(state, child, form, 422)
    data = {name: state[name] for name in SECTIONS}
    token = JOURNEY.journey_id()
    try:
        if state.get("numero"):
            sent = bourse_requests.correct(tx(), state["numero"], account["id"], data, token, now())
        else:
            sent = bourse_requests.submit(tx(), account, child, data, token, now())
    except bourse_requests.CampaignClosed:
        return message_page(child, closed_message(campaign_of(child)), 409)
    except bourse_requests.AlreadyRequested as refusal:
        if refusal.existing["account_id"] != account["id"]:
            return another_responsables_page(child, refusal.existing, 409)
        return message_page(child, str(refusal), 409, existing=refusal.existing)
    except bourse_requests.NotChangeable as refusal:
        return message_page(child, str(refusal), 409, existing={"numero": state["numero"]})
    state["envoyee"] = sent["numero"]
    JOURNEY.save(state)
    if bourse_requests.claim_receipt(tx(), sent["numero"], token):
        send_receipt(sent, corrected=bool(state.get("numero")))
    return leave_to(url_for(".demande", numero=sent["numero"]))


def message_page(child: dict, text: str, status: int, existing: dict | None = None):
    return render_page(
        "bourse/message.html",
        "parcours",
        title="Votre demande n'a pas pu être envoyée",
        status=status,
        components=COMPONENTS,
        heading=JOURNEY.heading,
        child=child,
        annee=school_year(),
        text=text,
        existing=existing,
    )


def send_receipt(sent: dict, corrected: bool) -> None:
    """Send the receipt (by e-mail, by SMS), and say how (or what failed) on the request's
    page, where the PDF is too."""
    told = tell_family(sent, CORRECTION if corrected else RECEIPT)
    how, failed = how_told(told), not_sent(told)
    said = [f"Votre demande est {'corrigée' if corrected else 'envoyée'}."]
    if how:
        said.append(f"L'accusé d'enregistrement vous a été envoyé {how}.")
    if failed:
        said.append(f"{failed[:1].upper()}{failed[1:]} n'a pas pu partir.")
    if failed or not how:
        said.append("Téléchargez l'accusé d'enregistrement ci-dessous.")
    flash(" ".join(said), "error" if failed else "info")


# The request sent: receipt, PDF, correction, withdrawal, siblings ------------------------------


def changeable(sent: dict) -> bool:
    service = service_of(tx(), sent["uai"], BOURSE, today())
    return (
        service.open
        and sent["annee"] == school_year()
        and sent["etat"] in (bourse_requests.DEPOSEE, bourse_requests.EN_INSTRUCTION)
    )


def siblings(account: dict, sent: dict) -> list[dict]:
    """The account's other collège children in the same school with no active request this
    year, while the campaign is open."""
    if not service_of(tx(), sent["uai"], BOURSE, today()).open:
        return []
    if sent["annee"] != school_year():
        return []
    return [
        child
        for child in children_of(tx(), account["responsables"])
        if child["uai"] == sent["uai"]
        and child["ine"] != sent["ine"]
        and child["niveau"] in COLLEGE
        and bourse_requests.active_for_child(tx(), child["ine"], sent["annee"]) is None
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
        changeable=changeable(sent),
        siblings=siblings(account, sent),
        iban=bank.mask_iban(sent["banque"]["iban"]),
        coordonnees=Contact.from_dict(sent["coordonnees"]),
        telephone=phone_display(sent["coordonnees"]["telephone"]),
        deposee_le=moment_text(sent["deposee_le"]),
        modifiee_le=moment_text(sent["modifiee_le"]) if sent.get("modifiee_le") else None,
        failure=failure,
        notice=notice,
    )


RECEIPT_UNAVAILABLE = (
    "L'accusé d'enregistrement ne peut pas être produit pour le moment. Votre demande est bien "
    "enregistrée : réessayez plus tard."
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


def restart_from(account: dict, sent: dict, ine: str, numero: str | None):
    """A journey on the summary, its sections from a request (to correct it, or for a
    sibling)."""
    state = {
        "step": "recapitulatif",
        "account_id": account["id"],
        "ine": ine,
        "numero": numero,
        "revu": True,
        **{name: sent[name] for name in SECTIONS},
    }
    JOURNEY.start(state)
    return redirect(JOURNEY.url("recapitulatif"), code=303)


@bp.post("/demandes/<numero>/corriger")
@account_required
def corriger(account, numero):
    sent = own_request(account, numero)
    if not changeable(sent):
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
    if not changeable(sent):
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
        how = how_told(tell_family(withdrawn, WITHDRAWAL))
        confirmed = f" Une confirmation vous a été envoyée {how}." if how else ""
        flash(f"Votre demande est retirée. Vous pouvez en faire une nouvelle.{confirmed}", "info")
    return leave_to(url_for(".demande", numero=numero))


JOURNEY.views.update(
    coordonnees=coordonnees,
    situation=situation,
    saisie=saisie,
    foyer=foyer,
    estimation=estimation,
    banque=banque,
    recapitulatif=recapitulatif,
)
