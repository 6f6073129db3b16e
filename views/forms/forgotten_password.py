"""The form of « Mot de passe oublié ? » (views/forgotten_password.py) of its own; the code and
the new password are the activations' (views/forms/verification.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired


class IdentifiantForm(FlaskForm):
    identifiant = StringField(
        "Identifiant", validators=[InputRequired("Indiquez votre identifiant.")]
    )
