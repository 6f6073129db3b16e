"""The form of « Je n'ai pas encore d'identifiant »'s first step (views/registration.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired


class IdentityForm(FlaskForm):
    nom = StringField("Nom", validators=[InputRequired("Indiquez votre nom.")])
    prenom = StringField("Prénom", validators=[InputRequired("Indiquez votre prénom.")])
    telephone = StringField(
        "Numéro de téléphone portable",
        validators=[InputRequired("Indiquez votre numéro de téléphone portable.")],
    )
