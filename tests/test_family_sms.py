"""The SMS a family receives about its scholarship request (documents/sms.py, issue 15): each
within two segments for the longest names, numbers, amounts and links; no personal data but the
parent's first name and the request's number; the refusal's reason cut, not the message grown."""

from __future__ import annotations

import pytest

from documents.sms import decision_sms, receipt_sms, withdrawal_sms
from rules.sms_length import MAX_SEGMENTS, sms_length
from tests.test_receipt import request

# A long deployment address, and the longest request number (a 5-digit count).
URL = "https://teleservices.education.exemple-academie.gouv.fr/bourse/demandes/0691234A-2026-99999"
LONG_GSM_NAME = "Marie-Hélène-Élisabeth-Apolline-Clémentine-Séverine"
LONG_UCS2_NAME = "Françoise-Bénédicte-Hélène-Geneviève-Maïté-Ghislaine"


def family(prenom: str = "Karim", **changes) -> dict:
    row = request(number="0691234A-2026-99999", **changes)
    return {
        **row,
        "applicant": {"first_name": prenom, "last_name": "Nom-De-Famille-Tres-Long-Aussi"},
    }


def granted(prenom: str = "Karim", echelon: int = 3) -> dict:
    return family(
        prenom, state="accordée", granted_echelon=echelon, decided_at="2026-10-02T08:00:00+00:00"
    )


def refused(motif: str, prenom: str = "Karim") -> dict:
    return family(prenom, state="refusée", refusal_reason=motif)


def all_texts(prenom: str) -> list[str]:
    withdrawn = family(prenom, state="retirée", modified_at="2026-09-20T07:30:00+00:00")
    return [
        receipt_sms(family(prenom), URL),
        receipt_sms(family(prenom, modified_at="2026-09-15T09:00:00+00:00"), URL),
        withdrawal_sms(withdrawn, URL),
        *(decision_sms(granted(prenom, echelon), URL) for echelon in (1, 2, 3)),
        decision_sms(refused("Ressources supérieures au plafond de l'échelon 1.", prenom), URL),
        decision_sms(refused("Motif très détaillé, " * 40, prenom), URL),
    ]


@pytest.mark.parametrize("prenom", ["Karim", LONG_GSM_NAME, LONG_UCS2_NAME, "伟"])
def test_every_text_fits_in_its_segments(prenom):
    for text in all_texts(prenom):
        assert sms_length(text).segments <= MAX_SEGMENTS, text


def test_texts_in_the_gsm_alphabet_name_the_parent():
    """Unless a refusal's reason is too long to be given whole: the reason goes first."""
    for text in all_texts(LONG_GSM_NAME):
        assert sms_length(text).encoding == "GSM-7", text
        assert text.startswith(f"Téléservices : {LONG_GSM_NAME}, ") or "Motif" in text, text
    for text in all_texts("Karim"):
        assert text.startswith("Téléservices : Karim, "), text


def test_a_name_that_would_need_ucs2_and_a_third_segment_is_left_out():
    text = receipt_sms(family(LONG_UCS2_NAME), URL)
    assert LONG_UCS2_NAME not in text
    assert text.startswith("Téléservices : Votre demande de bourse de collège 0691234A-2026-99999")
    assert sms_length(text).encoding == "GSM-7"


def test_no_personal_data_but_the_first_name_and_the_number():
    for text in all_texts("Karim"):
        assert "0691234A-2026-99999" in text and URL in text
        for secret in ("Nom-De-Famille", "Léa", "Lefèvre", "FR76", "Lyon", "+336", "3023217600053"):
            assert secret not in text, (secret, text)


def test_the_receipt_says_when():
    assert "a bien été enregistrée le 14/09/2026 à 18 h 05. Accusé et suivi : " in receipt_sms(
        family(), URL
    )
    corrected = receipt_sms(family(modified_at="2026-09-15T09:00:00+00:00"), URL)
    assert "a bien été corrigée le 15/09/2026 à 11 h 00." in corrected


def test_a_grant_gives_the_echelon_and_the_amounts_of_the_scale():
    text = decision_sms(granted(echelon=3), URL)
    # 2026-2027, échelon 3: the scale's annual amount, paid in three terms.
    assert "la bourse de collège est accordée (demande 0691234A-2026-99999) : échelon 3, " in text
    assert " € pour l'année, versés en 3 fois " in text


def test_a_short_reason_is_given_whole():
    text = decision_sms(refused("Ressources supérieures au plafond."), URL)
    assert "n'est pas accordée (demande 0691234A-2026-99999). " in text
    assert "Motif : Ressources supérieures au plafond. Détail : " in text


def test_a_long_reason_is_cut_to_fit():
    motif = "Le revenu fiscal de référence dépasse le plafond applicable. " * 8
    text = decision_sms(refused(motif), URL)
    assert "Motif : Le revenu fiscal de référence dépasse" in text
    assert "... Détail : " in text
    assert sms_length(text).segments == MAX_SEGMENTS
    assert sms_length(text + "a" * 8).segments > MAX_SEGMENTS  # cut no shorter than needed


def test_no_decision_no_text():
    with pytest.raises(ValueError):
        decision_sms(family(state="en instruction"), URL)
