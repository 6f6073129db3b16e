"""The « Accusé d'enregistrement » of a scholarship request (journeys §7): the PDF read back with
pypdf, and the e-mail, say the number, the moment in Paris, the child, the amounts as an
estimate, the IBAN masked, the documents to check and the sworn statement."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from documents.receipt import receipt_email, receipt_pdf
from rules.bourse import estimate

IBAN = "FR7630006000011234567890189"
URL = "https://teleservices.example.org/bourse/demandes/0691234A-2026-00007"


def request(**changes) -> dict:
    """A request row as records.bourse_requests stores it."""
    row = {
        "id": 7,
        "number": "0691234A-2026-00007",
        "school_year": "2026-2027",
        "uai": "0691234A",
        "ine": "0691500123K",
        "account_id": 1,
        "pupil": {
            "prenom": "Léa",
            "nom": "Lefèvre-D'Almeida",
            "classe": "6eA",
            "niveau": "6e",
            "etablissement_nom": "Collège Concorde",
        },
        "applicant": {"first_name": "Sophie", "last_name": "Lefèvre-D'Almeida"},
        "contact": {
            "email": "sophie.lefevre-dalmeida@example.org",
            "phone": "+33612345678",
            "address": {
                "line1": "12 rue des Lilas",
                "line2": "Bâtiment B",
                "postal_code": "69003",
                "city": "Lyon",
            },
        },
        "tax": {
            "source": "dgfip",
            "notices": [
                {
                    "numero_fiscal": "3023217600053",
                    "reference_avis": "2623A12345678",
                    "notice": None,
                }
            ],
            "rfr": 12_345,
            "enfants_a_charge": 2,
            "annee_revenus": 2025,
            "dgfip_consent": True,
            "renewal": "accepte",
            "files": [],
        },
        "estimate": estimate("2026-2027", 12_345, 2).as_dict(),
        "bank": {"holder": "Sophie Lefèvre-D'Almeida", "iban": IBAN, "bic": "BNPAFRPP"},
        "documents_to_check": False,
        "state": "déposée",
        "granted_echelon": None,
        "refusal_reason": None,
        # 16:05 UTC: 18 h 05 in Paris in September.
        "submitted_at": "2026-09-14T16:05:42+00:00",
        "modified_at": None,
        "decided_at": None,
        "token": "j",
        "history": [],
    }
    return {**row, **changes}


def manual() -> dict:
    fiscal = {
        **request()["tax"],
        "source": "manuel",
        "dgfip_consent": False,
        "files": [{"key": "k", "name": "avis-2026.pdf", "type": "application/pdf", "size": 9}],
    }
    return request(tax=fiscal, documents_to_check=True)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_estimate_the_tests_look_for():
    assert request()["estimate"] == {
        "annee": "2026-2027",
        "echelon": 1,
        "montant_annuel": 120,
        "montant_trimestriel": 40,
        "provisoire": True,
    }


@pytest.fixture
def expected() -> list[str]:
    return [
        "Accusé d'enregistrement",
        "0691234A-2026-00007",
        "14 septembre 2026 à 18 h 05",
        "Léa Lefèvre-D'Almeida",
        "6eA",
        "Collège Concorde",
        "2026-2027",
        "Sophie Lefèvre-D'Almeida",
        "Revenu fiscal de référence",
        "12 345 €",
        "Échelon estimé",
        "1 (barème 2026-2027 provisoire)",
        "Montant annuel estimé",
        "120 €",
        "40 €",
        "estimation",
        "la décision appartient au chef d'établissement",
        "FR76 **** **** **** **** **** 189",
        "transmises par l'administration fiscale (DGFiP)",
        "Je certifie sur l'honneur l'exactitude des renseignements fournis.",
    ]


def test_the_pdf_says_the_facts_and_masks_the_iban(expected):
    data = receipt_pdf(request())
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert (
        reader.metadata.title
        == "Accusé d'enregistrement – Demande de bourse de collège n° 0691234A-2026-00007"
    )
    text = pdf_text(data)
    for fact in expected:
        assert fact in text, fact
    assert "30006000011234567890" not in text.replace(" ", "")
    assert "à vérifier" not in text


def test_the_email_says_the_same_facts(expected):
    subject, body = receipt_email(request(), URL)
    assert subject == (
        "Demande de bourse de collège n° 0691234A-2026-00007 : accusé d'enregistrement – "
        "Léa Lefèvre-D'Almeida"
    )
    text = flat(body)
    for fact in expected[1:]:
        assert fact in text, fact
    assert URL in body
    assert "L'accusé d'enregistrement est joint à ce courriel (PDF)." in body
    assert "30006000011234567890" not in text.replace(" ", "")
    assert "à vérifier" not in text


def test_typed_income_asks_for_the_documents_to_be_checked():
    text = pdf_text(receipt_pdf(manual()))
    assert "Pièces à vérifier" in text
    assert "saisies par la famille" in text
    assert "avis-2026.pdf" in text
    _, body = receipt_email(manual(), URL)
    assert "Pièces à vérifier" in body
    assert "avis-2026.pdf" in body


def test_a_correction_is_dated_and_named_in_the_subject():
    corrected = request(modified_at="2026-10-02T09:30:00+02:00")
    assert "Dernière modification le : 2 octobre 2026 à 9 h 30" in pdf_text(receipt_pdf(corrected))
    subject, body = receipt_email(corrected, URL)
    assert "demande corrigée" in subject
    assert "a bien été corrigée" in body
    assert "Dernière modification le : 2 octobre 2026 à 9 h 30" in body


def test_no_scholarship_in_the_estimate_is_said_plainly():
    none = request(estimate=estimate("2026-2027", 900_000, 1).as_dict())
    text = pdf_text(receipt_pdf(none))
    assert "pas de bourse d'après le barème 2026-2027" in text
    assert "échelon 0" in text
    assert "Montant annuel" not in text


def test_a_long_address_never_loses_a_line():
    long = {
        "line1": "Résidence des Très Longs Noms de Rue, " * 6,
        "line2": "",
        "postal_code": "97300",
        "city": "Cayenne",
    }
    row = manual()
    row["contact"] = {**row["contact"], "address": long}
    text = pdf_text(receipt_pdf(row))
    assert "97300 Cayenne" in text
    assert "Je certifie sur l'honneur" in text
