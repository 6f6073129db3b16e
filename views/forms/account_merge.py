"""The form of « Ajouter des élèves depuis un autre compte » (views/account_merge.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired


class MergeForm(FlaskForm):
    identifiant = StringField(
        "Identifiant de l'autre compte",
        validators=[InputRequired("Indiquez l'identifiant de votre autre compte.")],
    )
    mot_de_passe = PasswordField(
        "Mot de passe de l'autre compte",
        validators=[InputRequired("Indiquez le mot de passe de votre autre compte.")],
    )
