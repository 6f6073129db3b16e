"""What the two accounts' contacts are told after « Ajouter des élèves depuis un autre compte »
(journeys §5): which account was closed, into which its children went, when, and what to do if
the parent did not ask for it. The SMS is written in the GSM alphabet and fits in MAX_SEGMENTS
parts (rules/sms_length.py); it names no one."""

from __future__ import annotations

from datetime import datetime

from rules.clock import in_paris

SENDER = "Téléservices"


def _moment(moment: datetime) -> str:
    local = in_paris(moment)
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"


def merge_sms(closed: str, kept: str, moment: datetime) -> str:
    return (
        f"{SENDER} : le compte {closed} a été fermé le {_moment(moment)} et ses élèves "
        f"ajoutés au compte {kept}. Si ce n'est pas vous, contactez l'établissement."
    )


def merge_email(closed: str, kept: str, children: list[str], moment: datetime) -> tuple[str, str]:
    """The subject and the body."""
    subject = "Vos comptes ÉduConnect ont été réunis"
    names = ", ".join(children) if children else "aucun élève"
    body = (
        "Bonjour,\n\n"
        f"Le {_moment(moment)}, les élèves du compte ÉduConnect {closed} ont été ajoutés au "
        f"compte {kept}, à la demande de son titulaire ({names}).\n\n"
        f"Le compte {closed} est fermé : son identifiant et son mot de passe ne permettent "
        f"plus de se connecter. Connectez-vous désormais avec l'identifiant {kept}.\n\n"
        "Si vous n'êtes pas à l'origine de ce changement, contactez sans attendre le "
        "secrétariat de l'établissement de votre enfant.\n\n"
        "Ce message est envoyé automatiquement : merci de ne pas y répondre.\n"
    )
    return subject, body
