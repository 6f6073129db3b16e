"""The scholarship request's forms (views/bourse.py and the modules of its journey): the tax
situation, its manual entry, the bank details and the summary's sworn statement; the contact
details are views/contact.py's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired

from rules import bank, tax_numbers
from views.forms.validators import whole_number

RENEWAL = {"accepte": "J'accepte", "refuse": "Je refuse"}


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
        notices = fiscal.get("notices", [])
        values = {"consentement": fiscal.get("dgfip_consent", False)}
        values["renouvellement"] = fiscal.get("renewal", "")
        for index, notice in enumerate(notices[:2]):
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

    def fields_of(self, index: int):
        """The numéro fiscal's and the référence's fields of the notice number `index`."""
        if index:
            return self.numero_fiscal_2, self.reference_avis_2
        return self.numero_fiscal, self.reference_avis

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

    @classmethod
    def typed_before(cls, fiscal: dict) -> ManualForm:
        """The form filled with what the parent typed before (nothing the first time)."""
        typed = {"rfr": fiscal["rfr"], "enfants": fiscal["enfants_a_charge"]}
        return cls(formdata=None, **{name: "" if v is None else v for name, v in typed.items()})


class BankForm(FlaskForm):
    titulaire = StringField("Titulaire du compte")
    iban = StringField("IBAN")
    bic = StringField("BIC (facultatif)")

    # The request's "bank" keys (records/bourse_requests.py) and the fields that show them (the
    # HTML names, French as the page's).
    FIELDS = {"holder": "titulaire", "iban": "iban", "bic": "bic"}
    CHECKS = {"holder": bank.check_holder, "iban": bank.check_iban, "bic": bank.check_bic}

    @classmethod
    def filled(cls, details: dict) -> BankForm:
        """The form showing `details` as the request keeps them (a GET: nothing read)."""
        typed = {field: details[key] for key, field in cls.FIELDS.items() if key in details}
        return cls(formdata=None, **typed)

    def read(self) -> dict | None:
        """The bank details as the request keeps them, or None with the errors on the fields."""
        if not self.validate():
            return None
        found = {}
        for key, field in self.FIELDS.items():
            try:
                found[key] = self.CHECKS[key](self[field].data)
            except bank.BankError as error:
                self[field].errors.append(str(error))
        return None if any(field.errors for field in self) else found


class SummaryForm(FlaskForm):
    certification = BooleanField(
        "Je certifie sur l'honneur l'exactitude des renseignements fournis"
    )

    def certified(self) -> bool:
        """Whether the sworn statement is ticked; else its error is on its field."""
        if self.validate() and self.certification.data:
            return True
        self.certification.errors = [
            "Cochez cette case pour certifier l'exactitude des renseignements : la demande ne "
            "peut pas être envoyée sans elle."
        ]
        return False
