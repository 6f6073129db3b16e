"""The form of « Identifiant oublié ? » (views/forgotten_identifier.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from rules import recovery as rules


class ContactForm(FlaskForm):
    contact = StringField(
        "Numéro de téléphone portable ou adresse électronique",
        validators=[InputRequired(rules.MISSING_CONTACT)],
    )
