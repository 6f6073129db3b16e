"""The form of « Mon compte » (views/account.py): changing the password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired


class PasswordChangeForm(FlaskForm):
    mot_de_passe_actuel = PasswordField(
        "Mot de passe actuel",
        validators=[InputRequired("Indiquez votre mot de passe actuel.")],
    )
    nouveau_mot_de_passe = PasswordField(
        "Nouveau mot de passe",
        validators=[InputRequired("Choisissez un nouveau mot de passe.")],
    )
    confirmation = PasswordField(
        "Confirmation du nouveau mot de passe",
        validators=[InputRequired("Saisissez de nouveau votre nouveau mot de passe.")],
    )
