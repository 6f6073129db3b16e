"""The form of the first login with a school's letter (views/activation.py) of its own; the
password and children steps' are views/forms/verification.py's."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import InputRequired

from rules import emails
from views.forms.validators import EmailEntry


class EmailForm(EmailEntry):
    courriel = StringField("Adresse électronique", validators=[InputRequired(emails.MISSING)])
