"""The form of a parent's e-mail and postal address (journeys §6, and §7 step 1 « Vos
coordonnées »), drawn by `templates/macros/contact.html` (`contact_fields(form)`).

The phone is not on it: a new number is only kept once a code sent there by SMS is typed back
(the fiche de renseignements and « Mon compte » do it, `views/phone_change.py`).

The e-mail shown is the account's confirmed one, or the new one waiting for its link (issue 12,
the hint says so). An address typed that is neither is not kept as such: reading the form
mails it a confirmation link (`views/email_confirmation.py`), and it is used only once
confirmed. So the fiche and the scholarship request's first step, which both read this form,
start the same confirmation as « Mon compte »."""

from __future__ import annotations

import phonenumbers
from flask_wtf import FlaskForm
from phonenumbers import PhoneNumberFormat
from wtforms import StringField

from records import email_changes
from records.contacts import Contact
from rules import addresses, emails
from views import email_confirmation
from views.auth import current_account

# The address's parts (rules/addresses.py) and the form's fields that hold them (the HTML names,
# French as the page's).
ADDRESS_FIELDS = {
    "line1": "adresse_ligne1",
    "line2": "adresse_ligne2",
    "postal_code": "code_postal",
    "city": "commune",
}


class ContactForm(FlaskForm):
    # No WTForms validators: `read` checks every field with the rules, so that all the wrong
    # fields are shown at once, each with its own message.
    # Optional (issue 15): a family with only a mobile is told everything by SMS.
    courriel = StringField("Adresse électronique (facultatif)")
    adresse_ligne1 = StringField("Numéro et voie")
    adresse_ligne2 = StringField("Complément d'adresse (facultatif)")
    code_postal = StringField("Code postal")
    commune = StringField("Commune")

    @classmethod
    def filled(cls, contact: Contact) -> ContactForm:
        """The form showing the details as saved (a GET: nothing read from the request)."""
        address = contact.address.as_dict() if contact.address else {}
        form = cls(
            formdata=None,
            courriel=contact.email_to_confirm or contact.email,
            **{field: address.get(name, "") for name, field in ADDRESS_FIELDS.items()},
        )
        form.waiting(contact.email_to_confirm)
        return form

    def waiting(self, email: str) -> None:
        """Say under the e-mail field that `email` waits for its confirmation link."""
        self.courriel.description = (
            email_confirmation.LINK_SENT.format(email=email) if email else ""
        )

    def read(self) -> tuple[str, addresses.Address] | None:
        """(e-mail, address) as they will be kept, the e-mail "" when none was typed; or None
        with the errors on the fields (and on `form.errors`, as for a failed CSRF check)."""
        if not self.validate():
            return None
        email = address = None
        try:
            email = emails.normalize_optional(self.courriel.data)
        except emails.EmailError as error:
            self.courriel.errors.append(error.message)
        try:
            address = addresses.check_address(
                *(self[field].data or "" for field in ADDRESS_FIELDS.values())
            )
        except addresses.AddressErrors as wrong:
            for name, message in wrong.errors.items():
                self[ADDRESS_FIELDS[name]].errors.append(message)
        if email is None or address is None:
            return None
        if not self._confirming(email):
            return None
        return email, address

    def _confirming(self, email: str) -> bool:
        """A new address typed by the signed-in parent: its confirmation link is mailed now,
        unless it is the one confirmed or the one already waiting. False, with the reason on
        the field, when the link cannot be sent (daily cap, mail down)."""
        account = current_account()
        if account is None:
            return True
        confirmed = email_changes.confirmed_email(account)
        if not email:
            if confirmed:
                # Emptied: the address is forgotten as the form is saved, and told so.
                email_confirmation.tell_old_address(account, confirmed, removed=True)
            return True
        pending = email_changes.pending_email(account)
        if email == confirmed:
            return True
        if email != pending:
            refused = email_confirmation.send_link(account, email)
            if refused:
                self.courriel.errors.append(refused)
                return False
        self.waiting(email)
        return True


def phone_display(e164: str) -> str:
    """A mobile as the parent writes it: "06 70 00 01 01", "0694 20 12 34"."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
