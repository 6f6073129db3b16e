"""The form of the consent to the automatic examination (views/consent.py), drawn by
`templates/fiche/consent.html`: the applicant's état civil élargi, whether a partner lives with
them and the partner's, and the choice (the button pressed: « accepte » or « refuse »).

Every part is checked by `rules.civil_status_entry`, so that all the wrong fields are shown at
once, each with its message; the date of birth's three fields share one message. A refusal
reads nothing else: the état civil is not needed, and not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_wtf import FlaskForm
from wtforms import Form, FormField, StringField
from wtforms.fields import Label

from rules.civil_status import CivilStatus
from rules.civil_status_entry import FIELDS, CivilStatusErrors, check_civil_status

GIVE, REFUSE = "accepte", "refuse"
COUPLE = {"oui": "Oui", "non": "Non"}

NO_DECISION = "Choisissez : donner votre accord, ou refuser l'examen automatique."
NO_COUPLE_ANSWER = "Indiquez si une personne vit en couple avec vous."
COUPLE_QUESTION = "Une personne vit-elle en couple avec vous ?"
# The persons' fieldsets' legends, also naming their wrong fields in the list of errors.
APPLICANT, PARTNER = "Votre état civil", "L'état civil de la personne qui vit en couple avec vous"


@dataclass(frozen=True)
class Wrong:
    """A wrong part of the form as the list of errors names it (`error_summary` in
    templates/macros/forms.html): the two persons' fields share their labels, so each is named
    with whose it is; a date of birth is one part, reached by its day."""

    id: str
    label: Label

    @property
    def name(self) -> str:
        return self.id

    @classmethod
    def of(cls, element_id: str, text: str) -> Wrong:
        return cls(element_id, Label(element_id, text))


class PersonForm(Form):
    """One person's état civil élargi (the applicant's, the partner's)."""

    nom_naissance = StringField("Nom de naissance")
    nom_usage = StringField("Nom d'usage (facultatif)")
    prenoms = StringField("Prénoms")
    jour = StringField("Jour")
    mois = StringField("Mois")
    annee = StringField("Année")
    commune = StringField("Commune de naissance, ou ville à l'étranger")
    departement = StringField("Département de naissance")
    pays = StringField("Pays de naissance")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.date_errors: list[str] = []

    def fill(self, person: CivilStatus) -> None:
        """Show an état civil as it was kept."""
        born = person.birth_date
        values = {
            "nom_naissance": person.birth_name,
            "nom_usage": person.usage_name,
            "prenoms": person.first_names,
            "jour": str(born.day),
            "mois": str(born.month),
            "annee": str(born.year),
            "commune": person.birth_commune,
            "departement": person.birth_departement,
            "pays": person.birth_country,
        }
        for name, value in values.items():
            self[name].data = value

    def read(self, today: date) -> CivilStatus | None:
        """The état civil typed, or None with the errors on the fields (the date's on
        `date_errors`)."""
        typed = {field.short_name: field.data or "" for field in self}
        try:
            return check_civil_status(**typed, today=today)
        except CivilStatusErrors as wrong:
            for part, message in wrong.errors.items():
                if part == "naissance":
                    self.date_errors.append(message)
                else:
                    self[part].errors.append(message)
            return None

    def invalid(self, whose: str) -> list[Wrong]:
        """The wrong parts, in the page's order."""
        found = []
        for part in FIELDS:
            if part == "naissance":
                if self.date_errors:
                    found.append(Wrong.of(self.jour.id, f"{whose} : Date de naissance"))
            elif self[part].errors:
                found.append(Wrong.of(self[part].id, f"{whose} : {self[part].label.text}"))
        return found


class ConsentForm(FlaskForm):
    # No WTForms validators: `read` checks every field with the rules.
    demandeur = FormField(PersonForm, separator="-")
    en_couple = StringField(COUPLE_QUESTION)
    conjoint = FormField(PersonForm, separator="-")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision_errors: list[str] = []

    @classmethod
    def filled(cls, applicant: CivilStatus | None, partner: CivilStatus | None) -> ConsentForm:
        """The form showing a kept consent's état civil (a GET: nothing read from the
        request)."""
        form = cls(formdata=None)
        if applicant:
            form.demandeur.form.fill(applicant)
            form.en_couple.data = "oui" if partner else "non"
        if partner:
            form.conjoint.form.fill(partner)
        return form

    def read(self, decision: str, today: date):
        """(given, applicant, partner) as `records.consents.choose` takes them, or None with
        the errors on the fields (and `decision_errors` when no choice was made)."""
        if not self.validate():
            return None
        if decision == REFUSE:
            return False, None, None
        if decision != GIVE:
            self.decision_errors.append(NO_DECISION)
            return None
        applicant = self.demandeur.form.read(today)
        partner = None
        if self.en_couple.data not in COUPLE:
            self.en_couple.errors.append(NO_COUPLE_ANSWER)
        elif self.en_couple.data == "oui":
            partner = self.conjoint.form.read(today)
            if partner is None:
                return None
        if applicant is None or self.en_couple.errors:
            return None
        return True, applicant, partner

    def invalid(self) -> list[Wrong]:
        """The wrong parts of the form, in the page's order (the couple's question reached by
        its first choice)."""
        wrong = self.demandeur.form.invalid(APPLICANT)
        if self.en_couple.errors:
            wrong.append(Wrong.of(f"{self.en_couple.id}-oui", COUPLE_QUESTION))
        return wrong + self.conjoint.form.invalid(PARTNER)
