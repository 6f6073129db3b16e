"""The forms of « Mon compte »'s contact details (views/account_contacts.py); the mobile's are
views/phone_change.py's, shared with the fiche."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from rules import emails


class EmailChangeForm(FlaskForm):
    courriel = StringField(
        "Nouvelle adresse électronique", validators=[InputRequired(emails.MISSING)]
    )
