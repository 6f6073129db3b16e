"""The form of the mobile change by a code (views/phone_change.py: the fiche, « Mon compte »);
the code's is views/forms/verification.py's."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from rules import phones


class PhoneForm(FlaskForm):
    telephone = StringField(
        "Nouveau numéro de téléphone portable", validators=[InputRequired(phones.MISSING)]
    )
