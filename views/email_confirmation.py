"""Sending the link that confirms a new e-mail address (issue 12): from « Mon compte »
(`views/account_contacts.py`) and from the contact form of the fiche and of the scholarship
request (`views/contact.py`), which share it. The link itself is answered by
`views/account_contacts.py`.

Limits (settings): the link lives EMAIL_CHANGE_LINK_HOURS; an account may have
EMAIL_CHANGE_MAILS_PER_DAY links mailed in 24 hours, a minute apart (the delay of the SMS codes).
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for

from records import email_changes
from rules import email_links, sms_codes
from rules.clock import moment_text
from rules.mail_retry import link_not_yet_sent
from views.journey import now
from views.sending import about_account, mail_after_commit, send_mail
from views.unit import tx

LINK_SENT = (
    "Adresse à confirmer : un lien vous a été envoyé à {email}. Elle ne sera utilisée qu'une fois "
    "confirmée ; d'ici là, vous êtes prévenu par SMS."
)
MAIL_SENT_AGAIN = "Un nouveau courriel vous a été envoyé à {email} : seul son lien fonctionne."
MAIL_WAIT = "Vous pourrez demander un nouveau courriel dans {seconds} seconde{s}."
TOO_MANY_MAILS = (
    "Vous avez demandé le nombre maximal de courriels de confirmation pour aujourd'hui. "
    "Réessayez demain."
)
MAIL_FAILED = link_not_yet_sent()
NOT_AVAILABLE = "L'adresse électronique de ce compte ne peut pas être modifiée."
MAIL_SUBJECT = "Confirmez votre adresse électronique"
OLD_ADDRESS_SUBJECT = "Votre adresse électronique ÉduConnect a été remplacée"
REMOVED_SUBJECT = "Votre adresse électronique ÉduConnect a été retirée"


def link_hours() -> int:
    return int(current_app.config["EMAIL_CHANGE_LINK_HOURS"])


def link_lifetime() -> timedelta:
    return timedelta(hours=link_hours())


def refusal(account: dict, resending: bool = False) -> str | None:
    """Why no link may be mailed now (the daily cap, the minute between two), or None."""
    if (
        email_changes.mails_today(account, now())
        >= current_app.config["EMAIL_CHANGE_MAILS_PER_DAY"]
    ):
        return TOO_MANY_MAILS
    pending = account.get(email_changes.PENDING)
    if resending and pending:
        wait = sms_codes.can_resend(pending, 0, now(), max_codes=1)
        if wait.status is sms_codes.ResendStatus.WAIT:
            plural = "s" if wait.seconds_left > 1 else ""
            return MAIL_WAIT.format(seconds=wait.seconds_left, s=plural)
    return None


def send_link(account: dict, email: str, resending: bool = False) -> str | None:
    """Mail a link confirming `email` for this account (any link sent before stops working);
    None once sent, else why not, in French."""
    refused = refusal(account, resending)
    if refused:
        return refused
    changed = email_changes.await_confirmation(tx(), account["id"], email, now())
    if changed is None:
        return NOT_AVAILABLE
    nonce = changed[email_changes.PENDING]["nonce"]
    token = email_links.make_token(current_app.secret_key, account["id"], email, nonce, now())
    link = url_for("account_contacts.link", token=token, _external=True)
    about = about_account(account["id"], "confirmation-adresse")
    sent = send_mail(email, MAIL_SUBJECT, mail_body(account, link), about=about)
    return None if sent else MAIL_FAILED


def mail_body(account: dict, link: str) -> str:
    # No identifiant here: an address mistyped would give it to a stranger.
    return (
        f"Bonjour {account['first_name']} {account['last_name']},\n\n"
        "Pour confirmer cette adresse électronique pour votre compte ÉduConnect, ouvrez ce "
        "lien :\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {link_hours()} heures et ne sert qu'une fois. Tant que l'adresse "
        "n'est pas confirmée, aucun courriel n'y est envoyé. Si vous n'avez rien demandé, "
        "ignorez ce message : rien ne sera modifié.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )


def tell_old_address(account: dict, old: str, removed: bool = False) -> None:
    """Tell the address the account no longer uses: replaced by a confirmed one, or `removed`
    (the parent emptied the field of the fiche or of a request). Never the new address: a
    stranger who took the account over need not be known by it, nor the owner misled. Queued
    with the request's change, so a change that is not saved tells nothing."""
    when = f"le {moment_text(now())}"
    what = (
        f"a été retirée {when} : le service vous prévient désormais par SMS"
        if removed
        else f"a été remplacée {when} par une autre adresse, confirmée par le lien qui y a été "
        "envoyé. Les courriels du service ne vous seront plus envoyés ici"
    )
    body = (
        f"Bonjour {account['first_name']} {account['last_name']},\n\n"
        f"L'adresse électronique de votre compte ÉduConnect {what}.\n\n"
        "Si ce n'est pas vous, connectez-vous et changez votre mot de passe, ou contactez le "
        "secrétariat de l'établissement de votre enfant.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )
    subject = REMOVED_SUBJECT if removed else OLD_ADDRESS_SUBJECT
    mail_after_commit(old, subject, body)
