"""« Identifiant oublié ? » and « Mot de passe oublié ? » (journeys §5): what is sent, how an
address is shown masked, the signed single-use link that lets a parent choose a new password,
and the decoy that an unknown identifiant is given so that no answer tells who has an account.

Non-enumeration (decided): every identifiant typed leads to the same pages. An active account
is offered its own ways (its mobile, its confirmed address, masked); any other identifiant
(unknown, blocked, not activated, waiting for its first login with a school's letter) is
offered a decoy derived from the identifiant under the service's key: always the same for one
identifiant, a masked mobile and, for about half of them, a masked address too. A decoy's code
is never sent and no code matches it; its link is never sent. The same limits count for it
(per journey, and per day under a key of its own), so even the limits answer alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from rules.clock import in_paris, moment_text
from rules.mail_retry import link_not_yet_sent
from rules.signed_links import LinkInvalid, sign, unsign

SMS, EMAIL = "sms", "courriel"
CODE_PURPOSE = "le code pour choisir un nouveau mot de passe"

# Answered to every request of « Identifiant oublié ? », whether an account matches or not.
IDENTIFIER_SENT = (
    "Si un compte correspond à ces informations, vous allez recevoir votre identifiant dans "
    "quelques minutes, par SMS au numéro indiqué ou par courriel à l'adresse indiquée (si elle "
    "a été confirmée). Sinon, contactez le secrétariat de l'établissement de votre enfant."
)
MISSING_CONTACT = "Indiquez votre numéro de téléphone portable ou votre adresse électronique."

# What « Mot de passe oublié ? » says.
CHOOSE = "Choisissez comment recevoir votre code ou votre lien."
TOO_MANY_CODES = (
    "Vous avez demandé le nombre maximal de codes pour cette démarche. Recommencez plus tard."
)
TOO_MANY_MAILS = (
    "Vous avez demandé le nombre maximal de courriels pour cette démarche. Recommencez plus tard."
)
MAILS_DAILY_LIMIT = (
    "Trop de courriels ont été envoyés à cette adresse ces dernières 24 heures. Réessayez plus "
    "tard."
)
MAIL_WAIT = "Vous pourrez demander un nouveau courriel dans {seconds} seconde{s}."
MAIL_FAILED = link_not_yet_sent()
MAIL_SENT_AGAIN = "Un nouveau courriel vous a été envoyé : seul le lien du dernier fonctionne."
NOT_AVAILABLE = (
    "Le mot de passe de ce compte ne peut pas être changé. Contactez le secrétariat de "
    "l'établissement de votre enfant."
)
CHANGED = (
    "Votre mot de passe a été changé et vous êtes connecté. Les autres appareils connectés à "
    "votre compte ont été déconnectés."
)
_DECOY_DOMAINS = (
    "gmail.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "hotmail.fr",
    "yahoo.fr",
    "sfr.fr",
    "outlook.fr",
)
_LINK_SALT = "mot-de-passe-oublie"


def is_email(typed: str) -> bool:
    """Whether « Identifiant oublié ? » was given an address rather than a mobile number."""
    return "@" in (typed or "")


def mask_email(address: str) -> str:
    """ "m•••@exemple.fr": the first letter and the domain, enough to recognise one's own."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def decoy(secret: str | bytes, identifiant: str) -> dict:
    """The ways shown for an identifiant that has no active account: a mobile number (E.164,
    only ever shown masked and never written to) and, for about half, a masked address."""
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    typed = (identifiant or "").strip().casefold()
    digest = hmac.new(key, f"recuperation:{typed}".encode(), hashlib.sha256).digest()
    digits = "".join(str(byte % 10) for byte in digest[2:10])
    telephone = f"+33{6 + digest[0] % 2}{digits}"
    email = None
    if digest[1] % 2:
        letter = "abcdefghijklmnopqrstuvwxyz"[digest[10] % 26]
        email = f"{letter}•••@{_DECOY_DOMAINS[digest[11] % len(_DECOY_DOMAINS)]}"
    return {"telephone": telephone, "masked_email": email}


def ways_offered(masked_phone: str | None, masked_email: str | None) -> list[tuple[str, str]]:
    """The ways a code or a link may be sent, as (value, label) for the choice."""
    found = []
    if masked_phone:
        found.append((SMS, f"Par SMS au {masked_phone}"))
    if masked_email:
        found.append((EMAIL, f"Par courriel à {masked_email}"))
    return found


def decoy_code() -> str:
    """What a decoy's code record is made of: never 6 digits, so no typed code matches it."""
    return secrets.token_hex(8)


def identifier_sms(identifiants: list[str]) -> str:
    if len(identifiants) == 1:
        return (
            f"ÉduConnect : votre identifiant est {identifiants[0]}. Si vous n'avez rien "
            "demandé, ignorez ce message."
        )
    return (
        f"ÉduConnect : les identifiants liés à ce numéro sont {', '.join(identifiants)}. "
        "Si vous n'avez rien demandé, ignorez ce message."
    )


def identifier_email(identifiants: list[str], login_url: str) -> tuple[str, str]:
    listed = "\n".join(f"    {identifiant}" for identifiant in identifiants)
    which = "Les identifiants liés" if len(identifiants) > 1 else "L'identifiant lié"
    body = (
        "Bonjour,\n\n"
        "Vous avez demandé votre identifiant ÉduConnect. "
        f"{which} à cette adresse :\n\n"
        f"{listed}\n\n"
        f"Pour vous connecter : {login_url}\n\n"
        "Si vous n'avez rien demandé, ignorez ce message.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )
    return "Votre identifiant ÉduConnect", body


def link_email(prenom: str, nom: str, link: str, lifetime: timedelta) -> tuple[str, str]:
    body = (
        f"Bonjour {prenom} {nom},\n\n"
        "Pour choisir un nouveau mot de passe ÉduConnect, ouvrez ce lien :\n\n"
        f"{link}\n\n"
        f"Ce lien est valable {duration_text(lifetime)} et ne sert qu'une fois. Si vous n'avez "
        "pas demandé à changer de mot de passe, ignorez ce message : votre mot de passe reste "
        "le même.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )
    return "Choisir un nouveau mot de passe ÉduConnect", body


def changed_sms(now: datetime) -> str:
    moment = in_paris(now)
    return (
        f"ÉduConnect : votre mot de passe a été changé le {moment:%d/%m} à {moment:%H:%M}. "
        "Si ce n'est pas vous, contactez vite le secrétariat de l'établissement de votre enfant."
    )


CHANGED_SUBJECT = "Votre mot de passe ÉduConnect a été changé"


def changed_email(prenom: str, nom: str, identifiant: str, now: datetime) -> tuple[str, str]:
    moment = in_paris(now)
    body = (
        f"Bonjour {prenom} {nom},\n\n"
        f"Votre mot de passe ÉduConnect (identifiant {identifiant}) a été changé le "
        f"{moment:%d/%m/%Y} à {moment:%H:%M}, avec « Mot de passe oublié ? ». Les autres "
        "appareils connectés à votre compte ont été déconnectés.\n\n"
        "Si ce n'est pas vous, contactez vite le secrétariat de l'établissement de votre "
        "enfant.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )
    return CHANGED_SUBJECT, body


def changed_in_account_email(
    prenom: str, nom: str, identifiant: str, now: datetime, login_url: str
) -> tuple[str, str]:
    """The mail of a password changed in « Mon compte », which says how to take it back."""
    body = (
        f"Bonjour {prenom} {nom},\n\n"
        f"Votre mot de passe ÉduConnect (identifiant {identifiant}) a été changé "
        f"le {moment_text(now)}, dans « Mon compte ». Les autres appareils connectés à votre "
        "compte ont été déconnectés.\n\n"
        "Si ce n'est pas vous, choisissez vite un nouveau mot de passe avec « Mot de passe "
        f"oublié ? » ({login_url}) et contactez le secrétariat de l'établissement de votre "
        "enfant.\n\n"
        "Téléservices — ce message est envoyé automatiquement, n'y répondez pas.\n"
    )
    return CHANGED_SUBJECT, body


def duration_text(lifetime: timedelta) -> str:
    """ "1 heure", "2 heures", "30 minutes"."""
    minutes = int(lifetime.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} heure{'s' if hours > 1 else ''}"
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


# The link sent by e-mail -----------------------------------------------------------------------


def make_token(secret_key: str, account_id: int, nonce: str, now: datetime | None = None) -> str:
    """A link's token: the account and a nonce (`rules/signed_links.py`). The account keeps the
    nonce: the link works once, and only the last."""
    return sign(secret_key, _LINK_SALT, [account_id, nonce], now)


def read_token(
    secret_key: str, token: str, lifetime: timedelta, now: datetime | None = None
) -> tuple[int, str]:
    """(account_id, nonce); LinkExpired or LinkInvalid."""
    match unsign(secret_key, _LINK_SALT, token, lifetime, now):
        case [int() as account_id, str() as nonce] if not isinstance(account_id, bool):
            return account_id, nonce
    raise LinkInvalid
