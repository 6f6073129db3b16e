"""Validators the forms of several journeys share, and the reading of an address typed."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from rules import emails
from rules.bourse import read_whole_number


def whole_number(message: str, negative: str):
    """A whole number of euros or children, as people type it (« 12 000 »); `negative` when it
    starts with a minus, `message` when it cannot be read. The number is left in
    `field.number`."""

    def check(form, field):
        text = (field.data or "").strip()
        if text.startswith("-"):
            raise ValidationError(negative)
        try:
            field.number = read_whole_number(text)
        except ValueError:
            raise ValidationError(message) from None

    return check


class EmailEntry(FlaskForm):
    """A form whose field `courriel` (declared by each form, with its label) is an address to
    use: the activation's, « Mon compte »'s new one."""

    def address(self) -> str | None:
        """The address sent, as it will be used (rules.emails.normalize); None when the form is
        not valid, with the error on its field."""
        if not self.validate_on_submit():
            return None
        try:
            return emails.normalize(self.courriel.data)
        except emails.EmailError as error:
            self.courriel.errors.append(error.message)
            return None
