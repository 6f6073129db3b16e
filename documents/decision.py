"""The e-mail that tells a family the school head's decision on its scholarship request
(journeys §7, back office): the échelon granted with its amounts from the scale of the request's
school year, or the reason of the refusal; and in both cases how to reach the school."""

from __future__ import annotations

from records.bourse_requests import RequestState
from rules.bourse import load_scale

SUBJECTS = {RequestState.GRANTED: "bourse accordée", RequestState.REFUSED: "demande refusée"}


def granted_amounts(request: dict) -> tuple[int, int]:
    """The annual and per-term amounts of the échelon granted, from the scale of the request's
    school year (paid in three equal terms)."""
    annual = load_scale(request["school_year"]).montants_annuels[str(request["granted_echelon"])]
    return annual, annual // 3


def decision_email(request: dict) -> tuple[str, str]:
    """(subject, body) in plain text for a decided request (accordée or refusée)."""
    state = request["state"]
    if state not in SUBJECTS:
        raise ValueError(f"pas de décision pour une demande {state}")
    child = request["pupil"]
    school = child["etablissement_nom"]
    subject = f"Demande de bourse de collège n° {request['number']} : {SUBJECTS[state]}"
    lines = [
        f"Bonjour {request['applicant']['first_name']} {request['applicant']['last_name']},",
        "",
        f"Votre demande de bourse de collège n° {request['number']} pour "
        f"{child['prenom']} {child['nom']} ({child['classe']}, {school}), année scolaire "
        f"{request['school_year']}, a été examinée par le chef d'établissement.",
        "",
        *(_granted(request) if state == RequestState.GRANTED else _refused(request)),
        "",
        f"Pour toute question, adressez-vous au secrétariat du {school} en rappelant le numéro "
        "de votre demande.",
        "",
        school,
    ]
    return subject, "\n".join(lines) + "\n"


def _granted(request: dict) -> list[str]:
    annual, per_term = granted_amounts(request)
    lines = [
        f"La bourse de collège est accordée, à l'échelon {request['granted_echelon']}.",
        f"Montant pour l'année scolaire : {annual} €, versé en trois fois {per_term} € "
        "(un versement par trimestre).",
    ]
    if load_scale(request["school_year"]).provisoire:
        lines.append(
            f"Ces montants sont ceux du barème {request['school_year']} connu à ce jour, encore "
            "provisoire : ils seront ajustés s'il change à sa publication officielle."
        )
    return lines


def _refused(request: dict) -> list[str]:
    return [
        "La bourse de collège n'est pas accordée, pour la raison suivante :",
        request["refusal_reason"],
    ]
