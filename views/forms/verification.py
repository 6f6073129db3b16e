"""The forms of the steps the activations share (views/verification.py): the code received by
SMS (also « Mot de passe oublié ? »'s) and the new password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired


class CodeForm(FlaskForm):
    code = StringField("Code reçu par SMS", validators=[InputRequired("Indiquez le code reçu.")])


class PasswordForm(FlaskForm):
    mot_de_passe = PasswordField(
        "Mot de passe", validators=[InputRequired("Choisissez un mot de passe.")]
    )
    confirmation = PasswordField(
        "Confirmation du mot de passe",
        validators=[InputRequired("Saisissez de nouveau votre mot de passe.")],
    )
