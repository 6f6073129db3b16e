"""Simulateur de bourse de collège (§8): public, no login. The school year, the revenu fiscal de
référence and the number of dependent children give the échelon and amounts of the same scale as
the request (rules.bourse); the answer comes on the same page."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, ValidationError

from rules.bourse import (
    BourseError,
    annees,
    estimate,
    load_scale,
    school_year_on,
)
from views.forms.validators import whole_number
from views.rendering import render_page

bp = Blueprint("simulator", __name__, url_prefix="/simulateur-bourse")
TITLE = "Simulateur de bourse de collège"
COMPONENTS = ("form", "simulator")


def year_label(annee: str) -> str:
    return f"{annee} (barème provisoire)" if load_scale(annee).provisoire else annee


class SimulatorForm(FlaskForm):
    annee = SelectField(
        "Année scolaire",
        validate_choice=False,
        validators=[InputRequired("Choisissez l'année scolaire.")],
    )
    rfr = StringField(
        "Revenu fiscal de référence du foyer, en euros",
        validators=[
            InputRequired("Indiquez le revenu fiscal de référence."),
            whole_number(
                "Indiquez le revenu fiscal de référence en euros, sans centimes. Exemple : 12000",
                "Le revenu fiscal de référence ne peut pas être négatif.",
            ),
        ],
    )
    enfants = StringField(
        "Nombre d'enfants à charge",
        validators=[
            InputRequired("Indiquez le nombre d'enfants à charge."),
            whole_number(
                "Indiquez le nombre d'enfants à charge en chiffres. Exemple : 2",
                "Le nombre d'enfants à charge est d'au moins 1 : l'élève de collège compte.",
            ),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.annee.choices = [(annee, year_label(annee)) for annee in reversed(annees())]

    def validate_annee(self, field):
        if field.data not in annees():
            raise ValidationError("Choisissez une année scolaire de la liste.")

    def validate_enfants(self, field):
        if getattr(field, "number", 1) < 1:
            raise ValidationError(
                "Le nombre d'enfants à charge est d'au moins 1 : l'élève de collège compte."
            )


def default_year() -> str:
    """The school year under way (per the one clock), or the latest with a scale."""
    current = school_year_on(current_app.extensions["clock"].today())
    known = annees()
    return current if current in known else known[-1]


def page(form: SimulatorForm, status: int = 200, result=None):
    annee = form.annee.data if form.annee.data in annees() else default_year()
    return render_page(
        "simulator.html",
        "simulateur",
        title=TITLE,
        status=status,
        components=COMPONENTS,
        form=form,
        example=load_scale(annee),
        result=result,
        scale=load_scale(result.annee) if result else None,
    )


@bp.get("")
def show():
    form = SimulatorForm(formdata=None, annee=default_year())
    return page(form)


@bp.post("")
def simulate():
    form = SimulatorForm()
    if not form.validate_on_submit():
        return page(form, 422)
    try:
        result = estimate(form.annee.data, form.rfr.number, form.enfants.number)
    except BourseError as error:  # the form's checks leave none, but never a 500 for input
        form.rfr.errors = [str(error)]
        return page(form, 422)
    return page(form, result=result)
