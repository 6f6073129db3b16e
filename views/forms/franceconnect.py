"""The form of FranceConnect's first connection (views/franceconnect.py): the mobile that finds
the responsable."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired


class PhoneForm(FlaskForm):
    telephone = StringField(
        "Numéro de téléphone portable",
        validators=[InputRequired("Indiquez votre numéro de téléphone portable.")],
    )
