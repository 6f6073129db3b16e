"""`flask --app app db upgrade | purge | copy`: the database's shape, upkeep and move from the
TinyDB file of one school to PostgreSQL. `upgrade` and `purge` run on the test's engine; `copy`
needs PostgreSQL whatever TEST_BACKEND says (skipped when it does not answer, failing in CI)."""

from __future__ import annotations

import json
import time

import pytest

from outside.storage import open_store
from outside.storage.migrations import MIGRATIONS, upgrade
from outside.storage.schema import TABLES
from outside.storage.tiny import TinyStore
from tests.test_migrations import scratch_database
from tests.test_storage import old_file

EVERY_VERSION = ", ".join(str(migration.version) for migration in MIGRATIONS)


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# upgrade ----------------------------------------------------------------------------------------


def test_upgrade_says_when_the_database_is_up_to_date(make_app, new_store):
    upgrade(new_store)
    result = invoke(make_app(), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output == "La base est à jour.\n"


def test_upgrade_brings_an_old_tinydb_file_up_to_date(make_app, tmp_path):
    path = tmp_path / "ancienne.json"
    old_file(path)
    app = make_app(DATABASE=str(path))
    result = invoke(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert result.output == f"Migrations appliquées : {EVERY_VERSION}.\n"
    with TinyStore(path).reading() as tx:
        assert tx.find_one("comptes", identifier_key="s.lefevre1")["id"] == 1
    assert invoke(app, "db", "upgrade").output == "La base est à jour.\n"


def test_upgrade_builds_a_new_postgresql_database(make_app):
    with scratch_database() as url:
        app = make_app(DATABASE=url)
        result = invoke(app, "db", "upgrade")
        assert result.exit_code == 0, result.output
        assert result.output == f"Migrations appliquées : {EVERY_VERSION}.\n"
        assert invoke(app, "db", "upgrade").output == "La base est à jour.\n"
        with open_store(url).writing() as tx:
            assert tx.next_number("demande:0691234A-2026") == 1


# purge ------------------------------------------------------------------------------------------


def test_purge_deletes_the_expired_rows_and_keeps_the_others(make_app, new_store):
    now = time.time()
    with new_store.writing() as tx:
        tx.insert_many(
            "parcours",
            [
                {"journey_id": "fini", "expires_ts": now - 60},
                {"journey_id": "en cours", "expires_ts": now + 3_600},
                {"journey_id": "fini hier", "expires_ts": now - 86_400},
            ],
        )
        tx.insert_many(
            "sms_envoyes",
            [{"digest": "d1", "expires_ts": now - 1}, {"digest": "d1", "expires_ts": now + 60}],
        )
        tx.insert("sessions", {"digest": "s1", "account_id": 1, "expires_ts": now + 1_800})
        tx.insert("journal", {"uai": "0691234A", "expires_ts": now - 86_400})  # does not expire
        # A mail sent long enough ago, and one still waiting (it has no end).
        tx.insert_many(
            "mail_queue", [{"state": "sent", "expires_ts": now - 1}, {"state": "waiting"}]
        )

    result = invoke(make_app(), "db", "purge")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "parcours : 2 supprimé(s).",
        "sms_envoyes : 1 supprimé(s).",
        "sessions : 0 supprimé(s).",
        "mail_queue : 1 supprimé(s).",
    ]
    with new_store.reading() as tx:
        assert [doc["journey_id"] for doc in tx.scan("parcours")] == ["en cours"]
        assert [doc["id"] for doc in tx.find("sms_envoyes", digest="d1")] == [2]
        assert tx.find_one("sessions", digest="s1") is not None
        assert len(list(tx.scan("journal"))) == 1
        assert [doc["state"] for doc in tx.scan("mail_queue")] == ["waiting"]


# copy -------------------------------------------------------------------------------------------


def school_file(path) -> dict[str, list[dict]]:
    """A school's TinyDB file, with ids that have gaps (deleted records); what it holds."""
    store = TinyStore(path)
    docs = {
        "etablissements": [{"id": 1, "uai": "0691234A", "nom": "Collège de la Concorde"}],
        "eleves": [
            {"id": 2, "ine": "INE-A", "uai": "0691234A", "nom": "Lefèvre-D'Almeida"},
            {"id": 5, "ine": "INE-B", "uai": "0691234A", "nom": "Benali", "classe": None},
        ],
        "responsables": [{"id": 3, "telephone": "+33612345678", "uai": "0691234A"}],
        "comptes": [
            {
                "id": 7,
                "identifier": "s.lefevre1",
                "identifier_key": "s.lefevre1",
                "responsable_ids": [3],
                "franceconnect_sub": None,
            },
        ],
        "identifiants_utilises": [{"id": 4, "identifier": "s.lefevre1"}],
        "journal": [{"id": n, "uai": "0691234A", "detail": f"étape n° {n}"} for n in (1, 2, 9)],
        "parcours": [{"id": 12, "journey_id": "abc", "expires_ts": time.time() + 3_600}],
        "demandes_bourse": [
            {
                "id": 1,
                "number": "0691234A-2026-00001",
                "uai": "0691234A",
                "school_year": 2026,
                "ine": "INE-A",
                "account_id": 7,
                "data": {"foyer": {"enfants": 2}, "rib": None},
            },
        ],
        "sms_outbox": [{"id": 30, "to": "+33612345678", "body": "Votre code : 482913"}],
    }
    with store.writing() as tx:
        for name, table_docs in docs.items():
            tx.restore(name, table_docs)
        for _ in range(3):
            tx.next_number("identifiant:s.lefevre")
        tx.next_number("demande:0691234A-2026")
    with store.reading() as tx:
        return {name: list(tx.scan(name)) for name in TABLES if name != "migrations"}


@pytest.fixture
def postgresql_target():
    with scratch_database() as url:
        yield url


def everything(location: str) -> dict[str, list[dict]]:
    with open_store(location).reading() as tx:
        return {name: list(tx.scan(name)) for name in TABLES if name != "migrations"}


def test_copy_moves_every_document_with_its_id(make_app, tmp_path, postgresql_target):
    source = tmp_path / "ecole.json"
    held = school_file(source)
    before = source.read_bytes()

    result = invoke(make_app(), "db", "copy", "--from", str(source), "--to", postgresql_target)
    assert result.exit_code == 0, result.output
    total = sum(len(docs) for docs in held.values())
    assert total == 14
    assert result.output == f"Copie terminée : {total} documents, comptes identiques.\n"
    assert everything(postgresql_target) == held
    assert source.read_bytes() == before  # the source is only read

    with open_store(postgresql_target).writing() as tx:
        # Ids go on past the copied ones; counters go on; keys find the copied documents.
        assert tx.insert("journal", {"uai": "0691234A"}) == 10
        assert tx.insert("sms_outbox", {"body": "après"}) == 31
        assert tx.next_number("identifiant:s.lefevre") == 4
        assert tx.next_number("demande:0691234A-2026") == 2
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=3)] == [7]
        assert tx.find_one("demandes_bourse", ine="INE-A", school_year=2026)["data"]["foyer"] == {
            "enfants": 2
        }
        assert tx.find_one("eleves", ine="INE-B")["classe"] is None


def test_copy_back_to_a_new_tinydb_file_gives_the_same_records(
    make_app, tmp_path, postgresql_target
):
    source, back = tmp_path / "ecole.json", tmp_path / "retour.json"
    held = school_file(source)
    app = make_app()
    assert (
        invoke(app, "db", "copy", "--from", str(source), "--to", postgresql_target).exit_code == 0
    )
    result = invoke(app, "db", "copy", "--from", postgresql_target, "--to", str(back))
    assert result.exit_code == 0, result.output
    assert everything(str(back)) == held
    assert json.loads(back.read_text())["journal"].keys() == {"1", "2", "9"}


def test_copy_of_an_old_file_upgrades_it_first(make_app, tmp_path, postgresql_target):
    source = tmp_path / "ancienne.json"
    old_file(source)
    result = invoke(make_app(), "db", "copy", "--from", str(source), "--to", postgresql_target)
    assert result.exit_code == 0, result.output
    with open_store(postgresql_target).reading() as tx:
        assert tx.find_one("comptes", identifier_key="s.lefevre1")["id"] == 1
        assert tx.find_one("compteurs", name="demande:0691234A-2026")["value"] == 12


def test_copy_refuses_a_destination_that_holds_records(make_app, tmp_path, postgresql_target):
    source = tmp_path / "ecole.json"
    school_file(source)
    target = open_store(postgresql_target)
    upgrade(target)
    with target.writing() as tx:
        tx.insert("journal", {"uai": "0697777B", "detail": "déjà là"})

    result = invoke(make_app(), "db", "copy", "--from", str(source), "--to", postgresql_target)
    assert result.exit_code == 1
    assert "La table journal de la destination n'est pas vide." in result.output
    kept = everything(postgresql_target)
    assert kept["journal"] == [{"id": 1, "uai": "0697777B", "detail": "déjà là"}]
    # Nothing of the copy stays, not even the tables copied before the refusal.
    assert all(docs == [] for name, docs in kept.items() if name != "journal")
