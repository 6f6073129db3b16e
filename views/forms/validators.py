"""Validators the forms of several journeys share."""

from __future__ import annotations

from wtforms.validators import ValidationError

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
