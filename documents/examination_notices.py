"""What a family is told of the automatic examination of its right to the scholarship (journeys
§7 bis, issue 14), by e-mail and by SMS: its tax notice could not be found (apply online before
the campaign's deadline, with the link), or its income is above the ceiling (the result and the
simulator, nothing alarming). An eligible family is told nothing until the school head decides:
the decision's notice (documents/decision.py, documents/sms.py) tells it then.

The SMS follow documents/sms.py: the GSM alphabet, the parent's first name only while it fits.
"""

from __future__ import annotations

from datetime import date

from documents.sms import fitted
from rules.examination import NOT_ELIGIBLE, NOT_FOUND, tax_year

PAPER_FORM = "Cerfa n° 12539"


def examination_email(row: dict, event: str, school: str, link: str, deadline: date | None):
    """(subject, body) of `event` (NOT_FOUND: `link` is the online request's, `deadline` the
    campaign's last day, None once it is over; NOT_ELIGIBLE: `link` is the simulator's)."""
    if event not in (NOT_FOUND, NOT_ELIGIBLE):
        raise ValueError(f"pas de message pour le résultat {event}")
    parent, child = row["parent"], row["pupil"]
    subject = f"Bourse de collège {row['school_year']} pour {child['prenom']} {child['nom']}"
    lines = [
        f"Bonjour {parent['first_name']} {parent['last_name']},",
        "",
        f"Vous avez donné votre accord pour que le {school} examine automatiquement le droit à "
        f"la bourse de collège de {child['prenom']} {child['nom']} ({child['classe']}), à partir "
        "de votre avis d'imposition.",
        "",
        *(_not_found(row, link, deadline) if event == NOT_FOUND else _not_eligible(row, link)),
        "",
        f"Pour toute question, adressez-vous au secrétariat du {school}.",
        "",
        school,
    ]
    return subject, "\n".join(lines) + "\n"


def _not_found(row: dict, link: str, deadline: date | None) -> list[str]:
    year = row["school_year"]
    lines = [
        f"Nous n'avons pas retrouvé votre avis d'imposition {tax_year(year)} auprès de "
        "l'administration fiscale à partir de l'état civil que vous avez indiqué : le droit à "
        f"la bourse pour l'année scolaire {year} n'a donc pas pu être examiné.",
        "",
    ]
    if deadline is None:
        return [
            *lines,
            "La campagne de demande en ligne est close : demandez au secrétariat le formulaire "
            f"papier de demande de bourse ({PAPER_FORM}).",
        ]
    return [
        *lines,
        f"Pour que la demande soit étudiée, faites-la en ligne avant le {deadline:%d/%m/%Y} "
        "inclus, avec votre numéro fiscal et la référence de votre avis d'imposition :",
        link,
    ]


def _not_eligible(row: dict, link: str) -> list[str]:
    enfants, year = row["enfants"], row["school_year"]
    return [
        f"D'après votre avis d'imposition {tax_year(year)}, le revenu fiscal de "
        f"référence de votre foyer ({row['rfr']} €, {enfants} enfant{'s' if enfants > 1 else ''} "
        f"à charge) dépasse le plafond de la bourse de collège {year} ({row['ceiling']} €"
        "). La bourse ne peut pas être attribuée cette année ; vous n'avez rien à faire.",
        "",
        "Si votre situation a changé, le simulateur de bourse vous donne une estimation :",
        link,
    ]


def examination_sms(row: dict, event: str, link: str, deadline: date | None) -> str:
    child = row["pupil"]["prenom"]
    if event == NOT_FOUND:
        if deadline is None:
            ask = "Demandez le formulaire papier au secrétariat du collège."
        else:
            ask = f"Faites la demande en ligne avant le {deadline:%d/%m/%Y} : {link}"
        return fitted(
            row["parent"]["first_name"],
            f"nous n'avons pas retrouvé votre avis d'imposition pour la bourse de collège de "
            f"{child} ({row['school_year']}). {ask}",
        )
    if event == NOT_ELIGIBLE:
        return fitted(
            row["parent"]["first_name"],
            f"d'après votre avis d'imposition, votre revenu dépasse le plafond de la bourse de "
            f"collège {row['school_year']} pour {child}. Rien à faire. Simulateur : {link}",
        )
    raise ValueError(f"pas de message pour le résultat {event}")
