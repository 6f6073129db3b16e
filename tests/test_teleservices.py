"""The services of a school (journeys §6, "Téléservices") in the records: the defaults, the
effective state of the campaign on a given day, the checks of a change and its journal entry."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from records import audit, teleservices
from records.teleservices import BOURSE, FICHE, Phase, ServiceErrors, State
from rules.clock import PARIS

CONCORDE, PALMISTES = "0691234A", "0973123Z"
STAFF = {"identifier": "secretariat.concorde", "uai": CONCORDE}
NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)


def services_of(store, uai, today):
    with store.reading() as tx:
        return teleservices.services_of(tx, uai, today)


def service_of(store, uai, service, today):
    with store.reading() as tx:
        return teleservices.service_of(tx, uai, service, today)


def set_service(store, *args, **kwargs):
    with store.writing() as tx:
        return teleservices.set_service(tx, *args, **kwargs)


def save_service(store, *args, **kwargs):
    with store.writing() as tx:
        return teleservices.save_service(tx, *args, **kwargs)


def journal(store, uai):
    with store.reading() as tx:
        return audit.entries(tx, uai)


def rows_of(store) -> list[dict]:
    """Every row of the table "teleservices"."""
    with store.reading() as tx:
        return list(tx.scan("teleservices"))


def by_name(services):
    return {one.service: one for one in services}


def test_defaults_when_nothing_is_stored(store):
    services = services_of(store, CONCORDE, date(2026, 9, 14))
    assert [one.service for one in services] == [FICHE, BOURSE]
    fiche, bourse = services
    assert (fiche.label, fiche.state, fiche.open, fiche.message) == (
        "Fiche de renseignements",
        State.OPEN,
        True,
        "",
    )
    assert (fiche.start, fiche.end, fiche.periodic) == (None, None, False)
    assert bourse.label == "Bourse de collège"
    assert (bourse.state, bourse.open) == (State.CLOSED, False)
    assert (bourse.start, bourse.end) == (date(2026, 9, 1), date(2026, 10, 15))


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 8, 31), date(2025, 9, 1), date(2025, 10, 16)),
        (date(2027, 3, 1), date(2026, 9, 1), date(2026, 10, 15)),
        (date(2024, 9, 30), date(2024, 9, 1), date(2024, 10, 17)),
    ],
)
def test_default_campaign_of_the_school_year_of_today(store, today, start, end):
    bourse = service_of(store, CONCORDE, BOURSE, today)
    assert (bourse.start, bourse.end) == (start, end)


def open_campaign(store, start=date(2026, 9, 1), end=date(2026, 10, 15), message="", uai=CONCORDE):
    staff = {**STAFF, "uai": uai}
    return set_service(store, uai, BOURSE, State.OPEN, message, start, end, staff, NOW)


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        (date(2026, 9, 6), Phase.NOT_YET),
        (date(2026, 9, 7), Phase.OPEN),
        (date(2026, 10, 15), Phase.OPEN),
        (date(2026, 10, 16), Phase.OVER),
    ],
)
def test_open_only_within_the_dates(store, today, phase):
    open_campaign(store, date(2026, 9, 7), date(2026, 10, 15))
    bourse = service_of(store, CONCORDE, BOURSE, today)
    assert bourse.phase == phase
    assert bourse.open == (phase == Phase.OPEN)
    assert (bourse.start, bourse.end) == (date(2026, 9, 7), date(2026, 10, 15))


def test_a_closed_campaign_is_closed_within_its_dates(store):
    set_service(
        store, CONCORDE, BOURSE, State.CLOSED, "", date(2026, 9, 1), date(2026, 10, 15), STAFF, NOW
    )
    assert not service_of(store, CONCORDE, BOURSE, date(2026, 9, 14)).open


def test_last_years_campaign_is_not_this_years(store):
    open_campaign(store, message="Bienvenue")
    bourse = service_of(store, CONCORDE, BOURSE, date(2027, 9, 14))
    assert (bourse.state, bourse.open, bourse.message) == (State.CLOSED, False, "Bienvenue")
    assert (bourse.start, bourse.end) == (date(2027, 9, 1), date(2027, 10, 21))


def test_set_a_message_and_close_the_fiche(store):
    saved = set_service(
        store,
        CONCORDE,
        FICHE,
        State.CLOSED,
        "  Vérifiez vos coordonnées.  ",
        None,
        None,
        STAFF,
        NOW,
    )
    assert (saved.state, saved.message, saved.open) == (
        State.CLOSED,
        "Vérifiez vos coordonnées.",
        False,
    )
    fiche = by_name(services_of(store, CONCORDE, date(2026, 9, 14)))[FICHE]
    assert (fiche.state, fiche.message) == (State.CLOSED, "Vérifiez vos coordonnées.")


def test_another_school_is_untouched(store):
    open_campaign(store)
    set_service(store, CONCORDE, FICHE, State.CLOSED, "Fermée", None, None, STAFF, NOW)
    fiche, bourse = services_of(store, PALMISTES, date(2026, 9, 14))
    assert (fiche.state, fiche.message, bourse.state) == (State.OPEN, "", State.CLOSED)


def test_one_row_per_school_and_service(store):
    open_campaign(store, message="Premier")
    open_campaign(store, message="Second")
    rows = rows_of(store)
    assert [(row["uai"], row["service"], row["message"]) for row in rows] == [
        (CONCORDE, BOURSE, "Second")
    ]


def test_the_change_goes_to_the_journal(store):
    open_campaign(store, message="Bienvenue")
    (entry,) = journal(store, CONCORDE)
    assert (entry["staff"], entry["action"], entry["detail"]) == (
        "secretariat.concorde",
        "teleservice",
        "Bourse de collège : ouvert du 01/09/2026 au 15/10/2026, avec un message d'accueil.",
    )


def test_save_service_writes_no_journal(store):
    save_service(store, CONCORDE, BOURSE, State.OPEN, "", date(2026, 9, 1), date(2026, 10, 15), NOW)
    assert journal(store, CONCORDE) == []
    assert service_of(store, CONCORDE, BOURSE, date(2026, 9, 14)).open


def errors_of(store, **change):
    values = {
        "state": State.OPEN,
        "message": "",
        "start": date(2026, 9, 1),
        "end": date(2026, 10, 15),
    }
    values.update(change)
    with pytest.raises(ServiceErrors) as raised:
        set_service(store, CONCORDE, BOURSE, staff=STAFF, now=NOW, **values)
    return raised.value.errors


def test_end_after_start(store):
    assert errors_of(store, start=date(2026, 10, 1), end=date(2026, 10, 1)) == {
        "fin": "La date de clôture doit être après la date d'ouverture."
    }
    assert errors_of(store, start=date(2026, 10, 2), end=date(2026, 10, 1))["fin"]


def test_dates_within_the_school_year(store):
    outside = "Indiquez une date de l'année scolaire 2026-2027 (du 01/09/2026 au 31/08/2027)."
    assert errors_of(store, start=date(2026, 8, 31)) == {"debut": outside}
    assert errors_of(store, end=date(2027, 9, 1)) == {"fin": outside}


def test_dates_are_required_for_the_campaign(store):
    assert errors_of(store, start=None, end=None) == {
        "debut": "Indiquez la date d'ouverture de la campagne.",
        "fin": "Indiquez la date de clôture de la campagne.",
    }


def test_state_and_message(store):
    assert errors_of(store, state="peut-être", message="x" * 501) == {
        "etat": "Choisissez « ouvert » ou « fermé ».",
        "message": "Le message d'accueil ne doit pas dépasser 500 caractères (il en compte 501).",
    }
    assert open_campaign(store, message="x" * 500).message == "x" * 500


def test_nothing_written_when_wrong(store):
    errors_of(store, end=None)
    assert journal(store, CONCORDE) == []
    assert rows_of(store) == []


def test_the_change_and_its_journal_entry_are_one_transaction(store, monkeypatch):
    open_campaign(store, message="Avant")
    seen = []

    def failing(tx, staff, action, detail, now):
        # The change is already written, in this same transaction, when its entry fails.
        seen.append(teleservices.service_of(tx, CONCORDE, BOURSE, date(2026, 9, 14)).message)
        raise RuntimeError("journal illisible")

    monkeypatch.setattr(audit, "record", failing)
    with pytest.raises(RuntimeError, match="journal illisible"), store.writing() as tx:
        teleservices.set_service(
            tx,
            CONCORDE,
            BOURSE,
            State.CLOSED,
            "Après",
            date(2026, 9, 1),
            date(2026, 10, 15),
            STAFF,
            NOW,
        )
    monkeypatch.undo()
    assert seen == ["Après"]
    # Neither the change nor an entry is saved: the school's services and journal as before.
    bourse = service_of(store, CONCORDE, BOURSE, date(2026, 9, 14))
    assert (bourse.state, bourse.message, bourse.open) == (State.OPEN, "Avant", True)
    assert [entry["detail"] for entry in journal(store, CONCORDE)] == [
        "Bourse de collège : ouvert du 01/09/2026 au 15/10/2026, avec un message d'accueil."
    ]


def test_the_journal_entry_fails_with_the_change_it_tells(store, monkeypatch):
    """The journal's own write fails (not the call): the service's change goes with it."""
    with store.reading() as tx:
        engine_tx = type(tx)
    insert = engine_tx.insert

    def refuse_the_journal(tx, table_name, doc):
        if table_name == "journal":
            raise RuntimeError("disque plein")
        return insert(tx, table_name, doc)

    monkeypatch.setattr(engine_tx, "insert", refuse_the_journal)
    with pytest.raises(RuntimeError):
        open_campaign(store, message="Bienvenue")
    monkeypatch.undo()
    assert rows_of(store) == []
    assert journal(store, CONCORDE) == []
    assert not service_of(store, CONCORDE, BOURSE, date(2026, 9, 14)).open


def test_only_the_staffs_own_school(store):
    with pytest.raises(PermissionError):
        set_service(store, PALMISTES, FICHE, State.CLOSED, "", None, None, STAFF, NOW)
    assert services_of(store, PALMISTES, date(2026, 9, 14))[0].state == State.OPEN


def test_unknown_service(store):
    with pytest.raises(ValueError, match="service inconnu"):
        set_service(store, CONCORDE, "cantine", State.OPEN, "", None, None, STAFF, NOW)


# `flask --app app demo seed` opens the demo school's campaign ---------------------------------


@pytest.mark.parametrize(
    ("today", "end"),
    [("2026-09-14", date(2026, 10, 15)), ("2026-11-28", date(2027, 8, 31))],
)
def test_demo_seed_opens_the_concorde_campaign(make_app, today, end):
    app = make_app(TODAY=today)
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert f"ouverte du 01/09/2026 au {end:%d/%m/%Y}." in result.output
    store = app.extensions["store"]
    bourse = service_of(store, CONCORDE, BOURSE, date.fromisoformat(today))
    assert (bourse.open, bourse.start, bourse.end) == (True, date(2026, 9, 1), end)
    assert not service_of(store, PALMISTES, BOURSE, date.fromisoformat(today)).open
    assert journal(store, CONCORDE) == []
