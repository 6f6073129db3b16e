"""What the service says of a mail that did not leave at its first try: the mail queue
(records/mail_queue.py) tries it again, MAIL_ATTEMPTS times in all, so no page says it « n'a pas
pu partir » while it may still leave. One wording for every journey: the parent is told it will
be sent again and what to check; the staff, where a mail given up will be listed."""

from __future__ import annotations

WILL_RETRY = "il sera renvoyé automatiquement dans les prochaines minutes"
# The staff's page of the school's mails given up (views/admin_mail.py).
GIVEN_UP_PAGE = "Courriels non partis"


def not_yet_sent(what: str) -> str:
    """`what` ("Le courriel à nom@exemple.fr") did not leave at its first try."""
    return f"{what} n'est pas encore parti : {WILL_RETRY}."


def link_not_yet_sent(what: str = "Le courriel") -> str:
    """A link mailed to a parent (activation — whose pages say « mail » —, « Mot de passe
    oublié ? », a new address): a newer link supersedes the one waiting (records/mail_queue.py),
    which then never leaves."""
    return f"{not_yet_sent(what)} Si vous demandez un autre lien, seul le dernier partira."


def staff_not_yet_sent(what: str, otherwise: str = "") -> str:
    """For the staff: `what` will be sent again; if it never leaves, where it is listed, and
    `otherwise` what to do then ("prévenez alors la famille autrement")."""
    then = f" : {otherwise}" if otherwise else ""
    return (
        f"{not_yet_sent(what)} S'il ne peut toujours pas partir, il sera listé dans "
        f"« {GIVEN_UP_PAGE} »{then}."
    )


def staff_mails_not_yet_sent(count: int) -> str:
    """For the staff: `count` mails of one sending will be sent again."""
    if count == 1:
        return staff_not_yet_sent("1 courriel")
    return (
        f"{count} courriels ne sont pas encore partis : ils seront renvoyés automatiquement "
        f"dans les prochaines minutes. Ceux qui ne pourront toujours pas partir seront listés "
        f"dans « {GIVEN_UP_PAGE} »."
    )


# The last error of a mail given up, as its kind was kept (views/sending.py: the error's class
# only, never what it said), for the staff.
ERRORS = {
    "SMTPRecipientsRefused": (
        "L'adresse a été refusée par le serveur de messagerie : vérifiez-la auprès de la famille."
    ),
    "SMTPSenderRefused": "Le serveur de messagerie a refusé l'expéditeur du service.",
    "SMTPDataError": "Le serveur de messagerie a refusé le message.",
    "SMTPAuthenticationError": (
        "Le service n'a pas pu s'identifier auprès du serveur de messagerie."
    ),
    "SMTPServerDisconnected": "La connexion au serveur de messagerie a été coupée.",
    "UnicodeError": (
        "L'adresse contient des caractères que le serveur de messagerie n'accepte pas."
    ),
    "UnicodeEncodeError": (
        "L'adresse contient des caractères que le serveur de messagerie n'accepte pas."
    ),
}
UNANSWERED = "Le serveur de messagerie n'a pas répondu."
OTHER_ERROR = "Le serveur de messagerie a renvoyé une erreur."
# Errors of the network (OSError's): the server could not be reached in time.
NETWORK = {
    "ConnectionRefusedError",
    "ConnectionResetError",
    "ConnectionAbortedError",
    "ConnectionError",
    "TimeoutError",
    "timeout",
    "gaierror",
    "OSError",
    "SMTPConnectError",
}


def error_text(kind: str) -> str:
    """A mail's last error (its kind, "ConnectionRefusedError") in plain French."""
    if kind in NETWORK:
        return UNANSWERED
    return ERRORS.get(kind, OTHER_ERROR)
