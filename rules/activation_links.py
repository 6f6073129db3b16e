"""The link that confirms a parent's e-mail address and activates their account (journeys §4):
signed with the application's secret key, valid 48 hours, single use.

The token holds the account's id, the address it was sent to and a nonce, signed as every
link the service mails (`rules/signed_links.py`); the caller makes it single use with the nonce.
The confirmation of a new address (`rules/email_links.py`) is the same link for another purpose.

- Sending: `nonce = new_nonce()`, saved on the account (e.g. "activation_nonce") with the
  address, then `make_token(secret_key, account_id, email, nonce, now)` in the link.
- Following: `read_token(secret_key, token, now=now)`, then, in one transaction, the account's
  saved nonce and address must equal the token's; the nonce is cleared as the account is
  activated, so the same link, used again, no longer matches. "Renvoyer le mail" saves a new
  nonce: the earlier link stops working and only the newest one activates.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.signed_links import LinkExpired, LinkInvalid, new_nonce, sign, unsign

__all__ = ["LinkExpired", "LinkInvalid", "make_token", "new_nonce", "read_token"]

MAX_AGE = timedelta(hours=48)
LINK_HOURS = int(MAX_AGE.total_seconds() // 3600)
PURPOSE = "activation-du-compte"
MAIL_SUBJECT = "Activez votre compte ÉduConnect"


def make_token(
    secret_key: str,
    account_id: int,
    email: str,
    nonce: str,
    now: datetime | None = None,
    purpose: str = PURPOSE,
) -> str:
    return sign(secret_key, purpose, [account_id, email, nonce], now)


def read_token(
    secret_key: str,
    token: str,
    max_age: timedelta = MAX_AGE,
    now: datetime | None = None,
    purpose: str = PURPOSE,
) -> tuple[int, str, str]:
    """(account_id, email, nonce); LinkExpired or LinkInvalid."""
    match unsign(secret_key, purpose, token, max_age, now):
        case [int() as account_id, str() as email, str() as nonce] if not isinstance(
            account_id, bool
        ):
            return account_id, email, nonce
    # Signed with our key and salt but not made by make_token: refused all the same.
    raise LinkInvalid


def activation_email(prenom: str, nom: str, link: str) -> tuple[str, str]:
    """The mail carrying the link (subject, body). No identifiant in it: an address mistyped
    would give it to a stranger."""
    body = (
        f"Bonjour {prenom} {nom},\n\n"
        "Pour confirmer votre adresse électronique et activer votre compte ÉduConnect, "
        "ouvrez ce lien :\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {LINK_HOURS} heures et ne sert qu'une fois. Si vous n'avez pas "
        "demandé l'activation d'un compte ÉduConnect, ignorez ce message : rien ne sera "
        "activé.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )
    return MAIL_SUBJECT, body
