"""The sign-in form (views/login.py; the back office's too, views/admin.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired


class LoginForm(FlaskForm):
    identifiant = StringField(
        "Identifiant", validators=[InputRequired("Indiquez votre identifiant.")]
    )
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[InputRequired("Indiquez votre mot de passe.")]
    )
