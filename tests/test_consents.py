"""The consent to the automatic examination (records/consents.py): given with the état civil,
refused, withdrawn (the état civil erased), and which household is examined when both
responsables choose."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from records import consents
from records.consents import ConsentState
from rules.civil_status import CivilStatus
from rules.clock import PARIS
from tests.parents import account_for

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
SOPHIE = CivilStatus("Moreau", "Sophie Marie", date(1984, 5, 12), "Lyon", "69", "", "Lefèvre")
JULIEN = CivilStatus("Lefèvre-D'Almeida", "Julien", date(1982, 9, 3), "Porto", "", "Portugal")
LEA = {"ine": "0691500123K", "uai": "0691234A"}


@pytest.fixture
def sophie(db):
    return account_for(db, "Lefèvre-D'Almeida", "Sophie", "+33612345678")


@pytest.fixture
def julien(db):
    return account_for(db, "Lefèvre-D'Almeida", "Julien", "+33781452290")


def choose(db, account, given, now=NOW, **persons):
    with db.writing() as tx:
        return consents.choose(tx, account, LEA, given, now, **persons)


def stored(db, account) -> dict:
    with db.reading() as tx:
        return consents.of_account_for_pupil(tx, account["id"], LEA["ine"])


def test_a_consent_keeps_both_civil_statuses_and_reads_back(db, sophie):
    choose(db, sophie, True, applicant=SOPHIE, partner=JULIEN)
    row = stored(db, sophie)
    assert row["state"] == ConsentState.GIVEN
    assert CivilStatus.from_record(row["applicant"]) == SOPHIE
    assert CivilStatus.from_record(row["partner"]) == JULIEN
    assert CivilStatus.from_record(row["partner"]).born_abroad
    assert row["given_at"] == NOW.isoformat()


def test_a_consent_needs_the_applicants_civil_status(db, sophie):
    with pytest.raises(ValueError):
        choose(db, sophie, True)
    assert stored(db, sophie) is None


def test_a_refusal_keeps_no_civil_status(db, sophie):
    choose(db, sophie, True, applicant=SOPHIE, partner=JULIEN)
    choose(db, sophie, False, now=NOW + timedelta(days=1), applicant=SOPHIE)
    row = stored(db, sophie)
    assert (row["state"], row["applicant"], row["partner"], row["given_at"]) == (
        ConsentState.REFUSED,
        None,
        None,
        None,
    )
    assert [entry["state"] for entry in row["history"]] == ["given", "refused"]


def test_an_updated_consent_keeps_the_day_it_was_first_given(db, sophie):
    choose(db, sophie, True, applicant=SOPHIE)
    later = NOW + timedelta(days=30)
    choose(db, sophie, True, now=later, applicant=SOPHIE, partner=JULIEN)
    row = stored(db, sophie)
    assert row["given_at"] == NOW.isoformat()
    assert row["changed_at"] == later.isoformat()
    assert len(row["history"]) == 2


def test_withdrawing_erases_the_civil_status(db, sophie):
    choose(db, sophie, True, applicant=SOPHIE, partner=JULIEN)
    with db.writing() as tx:
        consents.withdraw(tx, sophie["id"], LEA["ine"], NOW + timedelta(days=2))
    row = stored(db, sophie)
    assert (row["state"], row["applicant"], row["partner"]) == (ConsentState.WITHDRAWN, None, None)


def test_withdrawing_what_was_never_given_is_refused(db, sophie):
    choose(db, sophie, False)
    with db.writing() as tx, pytest.raises(LookupError):
        consents.withdraw(tx, sophie["id"], LEA["ine"], NOW)


def examined(db):
    with db.reading() as tx:
        return consents.examined(consents.of_pupils(tx, [LEA["ine"]]).get(LEA["ine"], []))


def test_no_household_is_examined_without_a_consent(db, sophie):
    assert examined(db) is None
    choose(db, sophie, False)
    assert examined(db) is None


def test_when_both_consent_the_first_given_is_examined_and_the_reason_says_so(db, sophie, julien):
    choose(db, julien, True, now=NOW + timedelta(hours=1), applicant=JULIEN)
    choose(db, sophie, True, applicant=SOPHIE)
    found = examined(db)
    assert found.consent["account_id"] == sophie["id"]
    assert "Sophie Lefèvre-D'Almeida" in found.reason and "premier" in found.reason


def test_one_parents_refusal_does_not_cancel_the_others_consent(db, sophie, julien):
    choose(db, sophie, False)
    choose(db, julien, True, applicant=JULIEN)
    found = examined(db)
    assert found.consent["account_id"] == julien["id"]
    assert "refusé" in found.reason


HUGO = {"ine": "0691300456L", "uai": "0691234A"}


def test_a_consent_given_for_a_sibling_is_offered_the_latest_changed(db, sophie):
    with db.reading() as tx:
        assert consents.given_for_another_pupil(tx, sophie["id"], HUGO["ine"]) is None
    choose(db, sophie, True, applicant=SOPHIE)
    with db.writing() as tx:
        consents.choose(tx, sophie, HUGO, False, NOW + timedelta(hours=1))
        found = consents.given_for_another_pupil(tx, sophie["id"], HUGO["ine"])
        assert found["ine"] == LEA["ine"]
        # Léa's own consent is no offer for Léa, and a refusal offers nothing.
        assert consents.given_for_another_pupil(tx, sophie["id"], LEA["ine"]) is None


def household(db, account) -> str | None:
    with db.reading() as tx:
        choices = consents.of_pupils(tx, [LEA["ine"]]).get(LEA["ine"], [])
    return consents.household_for(choices, account["id"])


def test_a_parent_reads_whose_household_is_examined_only_when_the_other_chose(db, sophie, julien):
    choose(db, sophie, True, applicant=SOPHIE)
    assert household(db, sophie) is None
    assert "l'établissement examine son foyer" in household(db, julien)
    choose(db, julien, True, now=NOW + timedelta(hours=1), applicant=JULIEN)
    assert "le vôtre, car vous avez donné votre accord le premier" in household(db, sophie)
    assert "le sien, car son accord est le premier donné" in household(db, julien)
    with db.writing() as tx:
        consents.withdraw(tx, sophie["id"], LEA["ine"], NOW + timedelta(hours=2))
    assert "l'autre responsable a retiré son accord" in household(db, julien)
    choose(db, julien, False, now=NOW + timedelta(hours=3))
    # Neither consents: the school examines nobody, and both read it.
    assert "Aucun responsable de l'élève n'a donné son accord" in household(db, sophie)
    # The other is never named.
    assert "Julien" not in household(db, sophie)
