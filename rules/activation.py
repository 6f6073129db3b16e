"""The first login with a school's letter (journeys §4): what the parent is told, in French. How
many mails one journey may send is the setting ACTIVATION_MAILS_PER_JOURNEY."""

from __future__ import annotations

from rules.mail_retry import link_not_yet_sent

NO_CHILD = (
    "Aucun élève n'est rattaché à ce compte : il ne peut pas être activé. Contactez le "
    "secrétariat de l'établissement de votre enfant."
)
ALL_DETACHED = (
    "Vous avez indiqué n'être le représentant légal d'aucun des élèves rattachés à ce compte. "
    "Nous l'avons signalé à l'établissement : ce compte ne peut donc pas être activé."
)
NOT_AVAILABLE = (
    "Ce compte ÉduConnect ne peut pas être activé. Contactez le secrétariat de l'établissement "
    "de votre enfant."
)
ALREADY_ACTIVE = (
    "Votre compte ÉduConnect est déjà activé. Connectez-vous avec votre identifiant et votre "
    "mot de passe."
)
ACTIVATED = (
    "Votre compte ÉduConnect est activé et votre adresse électronique est confirmée. "
    "Désormais, connectez-vous avec votre identifiant {identifiant} et votre nouveau mot de passe."
)
MAIL_SENT_AGAIN = "Un nouveau mail vous a été envoyé : seul le lien de ce dernier mail fonctionne."
MAIL_WAIT = "Vous pourrez demander un nouveau mail dans {seconds} seconde{s}."
TOO_MANY_MAILS = (
    "Vous avez demandé le nombre maximal de mails pour cette démarche. Reconnectez-vous plus "
    "tard avec votre identifiant et votre mot de passe provisoire pour recommencer."
)
MAIL_FAILED = link_not_yet_sent("Le mail")


def welcome(state: dict) -> str:
    """The password step's introduction: the names and the identifiant of the letter."""
    return (
        f"Bienvenue {state['first_name']} {state['last_name']}. Vous vous êtes connecté avec le "
        "mot de passe provisoire de votre courrier : choisissez maintenant votre propre mot de "
        f"passe pour l'identifiant {state['identifier']}."
    )
