"""The e-mail telling a family the decision on its scholarship request: the échelon with its
amounts from the scale of the request's school year, or the reason; the school to contact."""

from __future__ import annotations

import copy

import pytest

from documents.decision import decision_email, granted_amounts

REQUEST = {
    "number": "0691234A-2026-00007",
    "school_year": "2026-2027",
    "uai": "0691234A",
    "ine": "0691600301A",
    "pupil": {
        "prenom": "Inès",
        "nom": "Benali",
        "classe": "5eB",
        "niveau": "5e",
        "etablissement_nom": "Collège Concorde",
    },
    "applicant": {"first_name": "Karim", "last_name": "Benali"},
    "contact": {
        "email": "karim.benali@example.org",
        "phone": "+33623456789",
        "address": {
            "line1": "12 rue des Lilas",
            "line2": "",
            "postal_code": "69003",
            "city": "Lyon",
        },
    },
    "tax": {
        "source": "dgfip",
        "notices": [
            {"numero_fiscal": "1234567890123", "reference_avis": "2612345678901", "notice": None}
        ],
        "rfr": 9000,
        "enfants_a_charge": 2,
        "annee_revenus": 2025,
        "dgfip_consent": True,
        "renewal": "accepte",
        "files": [],
    },
    "estimate": {
        "annee": "2026-2027",
        "echelon": 2,
        "montant_annuel": 336,
        "montant_trimestriel": 112,
        "provisoire": True,
    },
    "bank": {"holder": "Karim Benali", "iban": "FR7630006000011234567890189", "bic": ""},
    "documents_to_check": False,
    "state": "déposée",
    "granted_echelon": None,
    "refusal_reason": None,
    "submitted_at": "2026-09-14T10:05:00+02:00",
    "modified_at": None,
    "decided_at": None,
    "token": "jeton",
    "history": [],
}


def a_request(**changes) -> dict:
    """A request record as `records.bourse_requests` keeps it, with `changes`."""
    return {**copy.deepcopy(REQUEST), **changes}


def test_granted_amounts_come_from_the_scale_of_the_requests_year():
    # 2026-2027: 120, 336 and 525 € a year; 2025-2026: échelon 2 is 330 €.
    assert granted_amounts(a_request(state="accordée", granted_echelon=3)) == (525, 175)
    assert granted_amounts(a_request(school_year="2025-2026", granted_echelon=2)) == (330, 110)


def test_a_granted_scholarship():
    subject, body = decision_email(a_request(state="accordée", granted_echelon=3))
    assert subject == "Demande de bourse de collège n° 0691234A-2026-00007 : bourse accordée"
    assert body.startswith("Bonjour Karim Benali,\n")
    assert (
        "pour Inès Benali (5eB, Collège Concorde), année scolaire 2026-2027, a été examinée"
    ) in body
    assert "La bourse de collège est accordée, à l'échelon 3." in body
    assert "Montant pour l'année scolaire : 525 €, versé en trois fois 175 €" in body
    # 2026-2027's scale is provisional: the family is told.
    assert "barème 2026-2027 connu à ce jour, encore provisoire" in body
    assert "adressez-vous au secrétariat du Collège Concorde" in body
    assert "motif" not in body


def test_a_published_scale_is_not_called_provisional():
    _, body = decision_email(
        a_request(school_year="2025-2026", state="accordée", granted_echelon=1)
    )
    assert "Montant pour l'année scolaire : 120 €, versé en trois fois 40 €" in body
    assert "provisoire" not in body


def test_a_refusal_gives_its_reason():
    reason = "Revenu fiscal de référence au-dessus du plafond pour 2 enfants."
    subject, body = decision_email(a_request(state="refusée", refusal_reason=reason))
    assert subject == "Demande de bourse de collège n° 0691234A-2026-00007 : demande refusée"
    assert f"La bourse de collège n'est pas accordée, pour la raison suivante :\n{reason}\n" in body
    assert "€" not in body
    assert "adressez-vous au secrétariat du Collège Concorde" in body


@pytest.mark.parametrize("state", ["déposée", "en instruction", "retirée"])
def test_no_decision_no_email(state):
    with pytest.raises(ValueError):
        decision_email(a_request(state=state))
