"""The non-recours reminder is sent once per campaign even when « Envoyer le rappel » arrives
twenty times at once, through real HTTP against gunicorn (2 processes × 4 threads), on TinyDB
and on PostgreSQL (tests/test_races.py's way): one sending, each family's SMS once, one row
and one journal entry; every other click is refused (409) with the first's date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from e2e.parents import add_roster_lines
from e2e.servers import start_app
from e2e.staff import create_staff
from outside.storage import open_store
from records import audit, reminders, teleservices
from records.teleservices import BOURSE, State
from tests import backends
from tests.http_client import Client, sms_sent
from tests.test_races import at_once, sharing

UAI = "0691763M"
STAFF, PASSWORD = "races.relance", "Relance-Une-Fois-2026!"
MOBILES = ["+33670006301", "+33670006302", "+33670006303"]
LINES = [
    f"{UAI};Collège Olympe-de-Gouges;069176300{n}A;Aubert;Léon;0{n}/03/2014;5e;5eO;M.;Aubert;"
    f"Paul{n};père;06 70 00 63 0{n};"
    for n in (1, 2, 3)
]


@pytest.fixture(scope="module")
def database(tmp_path_factory, worker_id, engine):
    yield from backends.server_database(
        engine, tmp_path_factory.mktemp("relance"), f"relance_{worker_id}"
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory, database):
    app = start_app(tmp_path_factory.mktemp("server"), DATABASE=database)
    yield app
    app.stop()


def test_twenty_reminders_at_once_send_one(server):
    add_roster_lines(server, LINES)
    store = open_store(server.env["FLASK_DATABASE"])
    with store.writing() as tx:
        teleservices.save_service(
            tx, UAI, BOURSE, State.OPEN, "", date(2026, 9, 1), date(2026, 10, 15), datetime.now(UTC)
        )
    create_staff(server, STAFF, PASSWORD, uai=UAI)
    staff = Client(server.url)
    staff.form("/admin/connexion")
    status, _ = staff.post("/admin/connexion", identifiant=STAFF, mot_de_passe=PASSWORD)
    assert status == 303
    staff.form("/admin/bourses/non-recours")
    clicks = [sharing(staff, server) for _ in range(20)]
    answers = at_once(
        [lambda click=click: click.post("/admin/bourses/non-recours/rappel") for click in clicks]
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [303] + [409] * 19
    assert all("a déjà été envoyé le" in text for status, text in answers if status == 409)
    for mobile in MOBILES:
        assert len(sms_sent(server.url, mobile)) == 1
    with store.reading() as tx:
        sent = reminders.of_campaign(tx, UAI, "2026-2027")
        entries = [one for one in audit.entries(tx, UAI) if one["action"] == "relance-bourse"]
    assert (sent["families"], sent["sms"], sent["staff"]) == (3, 3, STAFF)
    assert len(entries) == 1
