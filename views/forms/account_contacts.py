"""The forms of « Mon compte »'s contact details (views/account_contacts.py); the mobile's are
views/phone_change.py's, shared with the fiche."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import InputRequired

from rules import emails
from views.forms.validators import EmailEntry


class EmailChangeForm(EmailEntry):
    courriel = StringField(
        "Nouvelle adresse électronique", validators=[InputRequired(emails.MISSING)]
    )
