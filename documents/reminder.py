"""The reminder a school sends once per campaign to the families with no consent and no request
(issue 14, item 5): how to apply — online on Téléservices, on paper at the secretariat, or by
consenting to the automatic examination in the fiche — and by when. The text is fixed: the
school's name, the school year, the campaign's last day and the service's address fill it.

The SMS is written in the GSM alphabet (no « », no "n°", no typographic apostrophe, no ê or ç)
and fits in MAX_SEGMENTS parts (tests/test_non_recours.py checks it with a long address).
"""

from __future__ import annotations

from datetime import date

from documents.sms import SENDER


def reminder_sms(annee: str, end: date, url: str) -> str:
    """Without the school's name, which could make it too long: the sender is the service."""
    return (
        f"{SENDER} : la demande de bourse de collège {annee} pour votre enfant se fait avant le "
        f"{end:%d/%m/%Y} : en ligne sur {url}, sur papier au secrétariat, ou en donnant votre "
        "accord à l'examen automatique dans la fiche de renseignements."
    )


def reminder_email(school: str, annee: str, end: date, url: str, simulator: str) -> tuple:
    """The subject and the body (plain text, a paragraph a line, as the other e-mails)."""
    deadline = f"{end:%d/%m/%Y}"
    subject = f"Bourse de collège {annee} : faites votre demande avant le {deadline}"
    lines = [
        "Bonjour,",
        "",
        "La bourse de collège aide les familles à payer les frais de scolarité de leur enfant. "
        f"Pour l'année scolaire {annee}, le {school} n'a reçu aucune demande pour votre "
        "enfant. Le simulateur vous dit en une minute si votre foyer peut y avoir droit : "
        f"{simulator}",
        "",
        f"Vous pouvez la demander jusqu'au {deadline}, de l'une de ces trois façons :",
        f"- en ligne, sur Téléservices : {url} (« Mes services », puis « Faire une demande ») ;",
        "- sur papier, avec le formulaire CERFA 12539 à demander au secrétariat du collège ;",
        "- en donnant votre accord à l'examen automatique du droit à bourse, dans la fiche de "
        "renseignements de votre enfant sur Téléservices : il vaut demande de bourse, pour cette "
        "année et les suivantes, sans autre démarche.",
        "",
        "Si vous avez déjà déposé une demande sur papier, vous n'avez rien à faire.",
        "",
        f"Le secrétariat du {school}",
    ]
    return subject, "\n".join(lines) + "\n"
