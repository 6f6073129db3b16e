"""The PostgreSQL schema the migrations build matches outside/storage/schema.py: an index per
declared key, used by the engine's lookups; an upgrade applies each migration once; the service
refuses a database not migrated; records written before a migration read as before after it, on
both engines (version 6: the scholarship requests' keys and their journeys'; version 7: the
accounts', staff's, identifiers' and sessions' keys; version 9: the other journeys', the online
services', the automatic examination's and the consents' keys; version 12: the contact, address
and bank details' own keys), and a journey under way goes on.

These tests need PostgreSQL, whatever TEST_BACKEND says: each makes a database of its own and
drops it. Where PostgreSQL does not answer they are skipped (and fail in CI)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import psycopg
import pytest
from itsdangerous import Signer
from psycopg import sql
from psycopg.types.json import Jsonb
from pypdf import PdfReader

from app import create_app
from documents import examinations_csv, requests_csv
from documents.receipt import receipt_email, receipt_pdf
from outside.storage import StorageError, migrations, open_store, postgres
from outside.storage.migrations import MIGRATIONS, upgrade
from outside.storage.postgres import PgTx
from outside.storage.schema import EXPIRES, TABLES
from outside.storage.tiny import TinyStore
from outside.storage.tx import stored
from records import (
    accounts,
    bourse_requests,
    consents,
    contacts,
    examinations,
    journeys,
    mail_queue,
    recovery,
    reminders,
    sessions,
    staff,
    teleservices,
)
from records.sessions import digest_of
from rules import sms_codes
from rules.addresses import Address
from rules.bourse import estimate
from rules.clock import PARIS, Clock
from rules.passwords import hash_password
from tests import backends
from tests.conftest import TEST_SETTINGS
from tests.markup import elements, plain, redirects_to, texts
from tests.processes import racers, upgrade_from_another_process


@contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty PostgreSQL database of this test only (no tables); its URL. Dropped after."""
    if not backends.postgresql_answers():
        backends.skip_or_fail(f"PostgreSQL ne répond pas à {backends.ADMIN_URL}")
    name = f"teleservices_scratch_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(backends.ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = backends.ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        close_pool(url)
        with psycopg.connect(backends.ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def close_pool(url: str) -> None:
    """Close this process's pool of connections to that database, if one was opened."""
    pool = postgres._pools.pop((os.getpid(), url), None)
    if pool is not None:
        pool.close()


@pytest.fixture
def empty_database():
    with scratch_database() as url:
        yield url


@pytest.fixture
def migrated(empty_database):
    upgrade(open_store(empty_database))
    return empty_database


@pytest.fixture(scope="module")
def schema():
    """A migrated database the tests only read, shared by this module's tests."""
    with scratch_database() as url:
        upgrade(open_store(url))
        yield url


def indexes(url: str, table_name: str) -> dict[str, tuple[bool, str, str]]:
    """The table's indexes: name → (unique, access method, definition)."""
    query = """
        SELECT i.relname, x.indisunique, am.amname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_am am ON am.oid = i.relam
        WHERE t.relname = %s AND t.relnamespace = 'public'::regnamespace
    """
    with psycopg.connect(url) as connection:
        rows = connection.execute(query, (table_name,)).fetchall()
    return {name: (unique, method, definition) for name, unique, method, definition in rows}


def expected_indexes(name: str) -> dict[str, tuple[bool, str, list[str]]]:
    """What schema.py declares for a table: name → (unique, method, expressions in order)."""
    spec = TABLES[name]
    wanted = {f"{name}_pkey": (True, "btree", [])}
    for key in spec.all_keys:
        expressions = [f"(doc ->> '{field}'::text)" for field in key]
        wanted[f"{name}__{'__'.join(key)}"] = (spec.is_unique(key), "btree", expressions)
    for field in spec.many:
        expression = f"teleservices_elements((doc -> '{field}'::text))"
        wanted[f"{name}__{field}"] = (False, "gin", [expression])
    if spec.expires:
        expression = f"((doc ->> '{EXPIRES}'::text))::double precision"
        wanted[f"{name}__{EXPIRES}"] = (False, "btree", [expression])
    if spec.listing:
        listing = spec.listing
        expressions = [f"(doc ->> '{field}'::text)" for field in listing.key]
        expressions += [f"((doc ->> '{field}'::text)) COLLATE \"C\"" for field in listing.order]
        index = f"{name}__{'__'.join(listing.index_fields)}"
        wanted[index] = (False, "btree", [*expressions, ", id)"])
    return wanted


# The schema -------------------------------------------------------------------------------------


def test_every_table_and_declared_key_has_its_index_and_no_other(schema):
    with psycopg.connect(schema) as connection:
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        }
    assert tables == {*TABLES, "schema_migrations"}
    for name in TABLES:
        found = indexes(schema, name)
        wanted = expected_indexes(name)
        assert set(found) == set(wanted), name
        for index, (unique, method, expressions) in wanted.items():
            assert found[index][:2] == (unique, method), index
            definition = found[index][2]
            positions = [definition.find(expression) for expression in expressions]
            assert -1 not in positions, (index, definition)
            assert positions == sorted(positions), (index, definition)


def lookups(name: str) -> Iterator[dict]:
    spec = TABLES[name]
    for key in spec.all_keys:
        yield {field: "0691234A" for field in key}
    for field in spec.many:
        yield {field: 5}


@pytest.mark.parametrize(
    "name", [name for name in TABLES if TABLES[name].all_keys or TABLES[name].many]
)
def test_the_engine_s_lookups_use_the_indexes(schema, name, monkeypatch):
    """Each query the engine makes for a declared key is one its index answers (EXPLAIN with
    sequential scans off: a query no index matches would still scan)."""
    queries = []
    run = PgTx._run

    def recording(self, query, params=()):
        # The insert that gives a listing its document (page_through) looks nothing up.
        if not query.as_string().startswith("INSERT"):
            queries.append((query, params))
        return run(self, query, params)

    monkeypatch.setattr(PgTx, "_run", recording)
    store = open_store(schema)
    with pytest.raises(RuntimeError), store.writing() as tx:
        for equal in lookups(name):
            tx.find(name, **equal)
            if len(equal) == 1:
                tx.find_any(name, *equal, [*equal.values(), "0697777B", None])
        if TABLES[name].expires:
            tx.purge_expired(name, 1.0)
        if TABLES[name].listing:
            page_through(tx, name, TABLES[name].listing)
        raise RuntimeError("rolled back: the database stays as the module's other tests see it")
    with psycopg.connect(schema) as connection:
        connection.execute("SET enable_seqscan = off")
        for query, params in queries:
            plan = "\n".join(
                row[0] for row in connection.execute(sql.SQL("EXPLAIN ") + query, params)
            )
            assert "Seq Scan" not in plan, plan
            assert re.search(rf"Index Scan (using|on) {name}__", plan), plan


def page_through(tx, name: str, listing) -> None:
    """A page of the listing with each of its filters, and its list fields' elements (a
    document on every page: a page past the count is not asked for)."""
    key = {field: "0691234A" for field in listing.key}
    equal = {field: "actif" for field in listing.equal}
    elements = {field: "6eA" for field in listing.elements}
    parts = {field: "lea" for field in listing.parts}
    tx.insert(name, {**key, **equal, **{field: ["6eA"] for field in elements}, **parts})
    for narrowing in ({}, {"equal": equal}, {"elements": elements}, {"parts": parts}):
        assert tx.find_page(name, key, 0, 20, **narrowing).docs
    for field in listing.elements:
        tx.listed_elements(name, field, key)


# Upgrades ---------------------------------------------------------------------------------------


def test_an_upgrade_applies_each_migration_once(empty_database):
    store = open_store(empty_database)
    assert upgrade(store) == [migration.version for migration in MIGRATIONS]
    assert upgrade(store) == []
    with psycopg.connect(empty_database) as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM schema_migrations")]
        indexes_before = connection.execute("SELECT count(*) FROM pg_indexes").fetchone()
    assert versions == [migration.version for migration in MIGRATIONS]
    upgrade(store)
    with psycopg.connect(empty_database) as connection:
        assert connection.execute("SELECT count(*) FROM pg_indexes").fetchone() == indexes_before
    with store.writing() as tx:
        assert tx.next_number("demande:0691234A-2026") == 1


def test_upgrades_started_at_once_apply_each_migration_once(empty_database):
    """Machines of one service upgrading on deployment at once: each migration is applied by
    one of them while the others wait, then find it done."""
    context = racers()
    queue, start = context.Queue(), context.Barrier(4)
    workers = [
        context.Process(target=upgrade_from_another_process, args=(empty_database, queue, start))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    # Each migration applied once, by whichever process reached it first (one may apply the
    # first and another the next ones: each waits for the one before to be committed).
    applied = [version for result in results for version in result]
    assert sorted(applied) == [migration.version for migration in MIGRATIONS], results
    assert all(result == sorted(result) for result in results), results


def test_a_database_not_migrated_is_refused_with_the_command_to_run(empty_database):
    store = open_store(empty_database)
    for opening in (store.reading, store.writing):
        with pytest.raises(StorageError, match="n'est pas à jour") as refused, opening():
            pass
        assert "flask --app app db upgrade" in str(refused.value)
    upgrade(store)
    with store.reading() as tx:
        assert tx.latest("journal", 1) == []


def test_a_database_behind_the_latest_migration_is_refused(migrated):
    with psycopg.connect(migrated) as connection:
        connection.execute("DELETE FROM schema_migrations")
    with pytest.raises(StorageError, match="n'est pas à jour"), open_store(migrated).reading():
        pass


def test_the_service_on_a_database_not_migrated_answers_503_in_french(empty_database, caplog):
    app = create_app({**TEST_SETTINGS, "DATABASE": empty_database, "DEV_PAGES": True})
    response = app.test_client().get("/dev/sms")
    assert response.status_code == 503
    assert texts(response.text, "h1") == ["Service momentanément indisponible"]
    assert "n'est pas à jour" in caplog.text

    result = app.test_cli_runner().invoke(args=["db", "purge"])
    assert result.exit_code != 0
    assert isinstance(result.exception, StorageError)
    assert "lancez « flask --app app db upgrade »" in str(result.exception)

    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    every = ", ".join(str(migration.version) for migration in MIGRATIONS)
    assert result.output == f"Migrations appliquées : {every}.\n"
    assert app.test_client().get("/dev/sms").status_code == 200


# Version 6: the scholarship requests' keys in English -------------------------------------------

STARTED = datetime(2026, 9, 14, 18, 0, tzinfo=PARIS)
CONTACT = {"courriel": "sophie@example.org", "telephone": "+33612345678", "adresse": None}
TAX = {"source": "manuel", "rfr": 12000, "enfants_a_charge": 2, "pieces": [{"cle": "k1"}]}
ESTIMATE = {"annee": "2026-2027", "echelon": 2, "montant_annuel": 336}
BANK = {"titulaire": "Sophie Lefèvre", "iban": "FR7630006000011234567890189", "bic": ""}
# The contact, tax and bank details as migration 12 renames them.
ENGLISH_CONTACT = {"email": "sophie@example.org", "phone": "+33612345678", "address": None}
ENGLISH_TAX = {"source": "manuel", "rfr": 12000, "enfants_a_charge": 2, "files": [{"key": "k1"}]}
ENGLISH_BANK = {"holder": "Sophie Lefèvre", "iban": "FR7630006000011234567890189", "bic": ""}
NOTICE = {"event": "accuse", "at": "2026-09-14T18:05:00+02:00", "channel": "sms", "sent": True}
# A request as versions 1 to 5 kept it: granted on the secretariat's proposal.
OLD_REQUEST = {
    "numero": "0691234A-2026-00003",
    "annee": "2026-2027",
    "uai": "0691234A",
    "ine": "0691500123K",
    "account_id": 1,
    "eleve": {"prenom": "Léa", "nom": "Lefèvre", "classe": "6eA"},
    "responsable": {"prenom": "Sophie", "nom": "Lefèvre"},
    "coordonnees": CONTACT,
    "fiscal": TAX,
    "estimation": ESTIMATE,
    "banque": BANK,
    "pieces_a_verifier": True,
    "motifs_a_verifier": ["les données fiscales ont été saisies par la famille"],
    "etat": "accordée",
    "echelon_accorde": 2,
    "motif_refus": None,
    "deposee_le": "2026-09-14T18:05:00+02:00",
    "modifiee_le": "2026-09-15T09:00:00+02:00",
    "decidee_le": "2026-09-20T10:00:00+02:00",
    "jeton": "jeton-1",
    "jetons_correction": ["jeton-2"],
    "historique": [
        {"etat": "déposée", "le": "2026-09-14T18:05:00+02:00", "par": "famille", "detail": "a"},
        {"etat": "accordée", "le": "2026-09-20T10:00:00+02:00", "par": "direction", "detail": "b"},
    ],
    "proposition": {
        "etat": "accordée",
        "echelon": 2,
        "motif": None,
        "par": "secretariat.concorde",
        "le": "2026-09-19T10:00:00+02:00",
    },
    "accuses_envoyes": ["jeton-1"],
    "notices": [NOTICE],
}
# The same request as records/bourse_requests.py reads it from version 6 on (its contact and bank
# and tax details' own keys and its applicant's names from version 12 on).
NEW_REQUEST = {
    "number": "0691234A-2026-00003",
    "school_year": "2026-2027",
    "uai": "0691234A",
    "ine": "0691500123K",
    "account_id": 1,
    "pupil": {"prenom": "Léa", "nom": "Lefèvre", "classe": "6eA"},
    "applicant": {"first_name": "Sophie", "last_name": "Lefèvre"},
    "contact": ENGLISH_CONTACT,
    "tax": ENGLISH_TAX,
    "estimate": ESTIMATE,
    "bank": ENGLISH_BANK,
    "documents_to_check": True,
    "reasons_to_check": ["les données fiscales ont été saisies par la famille"],
    "state": "accordée",
    "granted_echelon": 2,
    "refusal_reason": None,
    "submitted_at": "2026-09-14T18:05:00+02:00",
    "modified_at": "2026-09-15T09:00:00+02:00",
    "decided_at": "2026-09-20T10:00:00+02:00",
    "token": "jeton-1",
    "correction_tokens": ["jeton-2"],
    "history": [
        {"state": "déposée", "at": "2026-09-14T18:05:00+02:00", "by": "famille", "detail": "a"},
        {"state": "accordée", "at": "2026-09-20T10:00:00+02:00", "by": "direction", "detail": "b"},
    ],
    "proposal": {
        "state": "accordée",
        "echelon": 2,
        "reason": None,
        "by": "secretariat.concorde",
        "at": "2026-09-19T10:00:00+02:00",
    },
    "receipts_sent": ["jeton-1"],
    "notices": [NOTICE],
}
# One the automatic examination made, still under study, for another pupil.
OLD_EXAMINED = {
    "numero": "0691234A-2026-00004",
    "annee": "2026-2027",
    "uai": "0691234A",
    "ine": "0691300456L",
    "account_id": 2,
    "origine": "examen automatique",
    "fiscal": {"source": "dgfip", "rfr": 9000, "enfants_a_charge": 1, "pieces": []},
    "etat": "en instruction",
    "deposee_le": "2026-09-16T08:00:00+02:00",
    "jeton": "examen:0691300456L:2026-2027",
    "historique": [],
}


def journey(kind: str, state: dict) -> dict:
    """A journey record started at STARTED for four hours, as records/journeys.py keeps it."""
    return {
        "journey_id": f"{kind}-{len(state)}",
        "kind": kind,
        "account_id": 1,
        "state": state,
        "lifetime_seconds": 14_400,
        "started_at": STARTED.isoformat(),
        "started_timestamp": STARTED.timestamp(),
        EXPIRES: STARTED.timestamp() + 14_400,
    }


# A parent correcting the request on its summary when the service is deployed, one whose
# sending is done, and an activation's journey, whose state is not the scholarship's.
CORRECTING = journey(
    "bourse",
    {
        "step": "recapitulatif",
        "account_id": 1,
        "ine": "0691500123K",
        "numero": "0691234A-2026-00003",
        "revu": True,
        "coordonnees": CONTACT,
        "fiscal": TAX,
        "estimation": ESTIMATE,
        "banque": BANK,
        "envois": ["k1"],
    },
)
SENT = journey("bourse", {"step": "recapitulatif", "ine": "0691300456L", "envoyee": "X-1"})
ACTIVATION = journey("activation", {"step": "code", "numero": "+33612345678"})


def at_version_5_tinydb(path) -> TinyStore:
    """A TinyDB file written by versions 1 to 5 of the service."""
    content = {
        "migrations": {str(version): {"version": version} for version in range(1, 6)},
        "demandes_bourse": {"1": OLD_REQUEST, "2": OLD_EXAMINED},
        "parcours": {"1": CORRECTING, "2": SENT, "3": ACTIVATION},
    }
    path.write_text(json.dumps(content), encoding="utf-8")
    return TinyStore(path)


def at_version_5_postgresql(url: str, monkeypatch):
    """A PostgreSQL database migrated to version 5, holding what versions 1 to 5 wrote."""
    store = open_store(url)
    with monkeypatch.context() as patched:
        patched.setattr(migrations, "MIGRATIONS", MIGRATIONS[:5])
        assert upgrade(store) == [1, 2, 3, 4, 5]
    with psycopg.connect(url) as connection:
        for table_name, docs in (
            ("demandes_bourse", (OLD_REQUEST, OLD_EXAMINED)),
            ("parcours", (CORRECTING, SENT, ACTIVATION)),
        ):
            for doc in docs:
                connection.execute(
                    sql.SQL("INSERT INTO {} (doc) VALUES (%s)").format(sql.Identifier(table_name)),
                    (Jsonb(doc),),
                )
    return store


@pytest.fixture(params=["tinydb", "postgresql"])
def at_version_5(request, tmp_path, monkeypatch):
    if request.param == "tinydb":
        yield at_version_5_tinydb(tmp_path / "db.json")
        return
    with scratch_database() as url:
        yield at_version_5_postgresql(url, monkeypatch)


def test_version_6_renames_the_requests_keys_read_by_the_records(at_version_5):
    store = at_version_5
    assert upgrade(store) == [
        migration.version for migration in MIGRATIONS if migration.version > 5
    ]
    with store.reading() as tx:
        found = bourse_requests.find(tx, "0691234A-2026-00003")
        assert {key: value for key, value in found.items() if key != "id"} == NEW_REQUEST
        assert [one["number"] for one in bourse_requests.of_account(tx, 1)] == [found["number"]]
        listed = bourse_requests.of_school(tx, "0691234A", "2026-2027")
        assert [one["number"] for one in listed] == ["0691234A-2026-00003", "0691234A-2026-00004"]
        examined = bourse_requests.active_for_child(tx, "0691300456L", "2026-2027")
        assert (examined["origin"], examined["state"]) == ("examen automatique", "en instruction")
        assert examined["state"] == bourse_requests.RequestState.IN_REVIEW
        assert tx.find_one("demandes_bourse", token="jeton-1")["number"] == found["number"]
        assert bourse_requests.kept_pieces(tx) == {"k1"}
    assert upgrade(store) == []


def test_version_6_keeps_the_scholarship_journeys_under_way(at_version_5):
    store = at_version_5
    upgrade(store)
    with store.reading() as tx:
        correcting = journeys.load(tx, CORRECTING["journey_id"], kind="bourse", now=STARTED)
        sent = journeys.load(tx, SENT["journey_id"], kind="bourse", now=STARTED)
        activation = journeys.load(tx, ACTIVATION["journey_id"], now=STARTED)
    assert correcting == {
        "kind": "bourse",
        "step": "recapitulatif",
        "account_id": 1,
        "ine": "0691500123K",
        "number": "0691234A-2026-00003",
        "reviewed": True,
        "contact": ENGLISH_CONTACT,
        "tax": ENGLISH_TAX,
        "estimate": ESTIMATE,
        "bank": ENGLISH_BANK,
        "uploads": ["k1"],
    }
    assert sent == {"kind": "bourse", "step": "recapitulatif", "ine": "0691300456L", "sent": "X-1"}
    assert activation == {**ACTIVATION["state"], "kind": "activation"}


def test_version_6_keeps_the_requests_ids_and_the_next_one(at_version_5):
    """The requests are written again with the ids they had; a new one takes the next."""
    store = at_version_5
    upgrade(store)
    with store.writing() as tx:
        found = {doc["number"]: doc["id"] for doc in tx.scan("demandes_bourse")}
        assert found == {"0691234A-2026-00003": 1, "0691234A-2026-00004": 2}
        assert tx.insert("demandes_bourse", {"number": "0691234A-2026-00005"}) == 3


# Migration 7: the accounts', staff's and sessions' keys in English ------------------------------

NOW = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)
OLD_PASSWORD = "Rentree-Scolaire-2026!"
SOPHIE_SESSION, STAFF_SESSION = "session-de-sophie", "session-du-secretariat"


def before_migration_7() -> dict[str, list[dict]]:
    """Records as the service wrote them at version 5: an account with contact details the
    fiche kept before issue 12, a staff member, an identifier given, a session of each."""
    hashed = hash_password(OLD_PASSWORD)
    ends = time.time() + 3_600
    session = {"staff_id": None, "created_ts": ends - 3_600, "last_seen_ts": ends - 3_600}
    return {
        "responsables": [
            {
                "id": 1,
                "uai": "0691234A",
                "civilite": "Mme",
                "nom": "Lefèvre",
                "prenom": "Sophie",
                "telephone": "+33612345678",
                "eleves": [],
                "etat_compte": "actif",
            }
        ],
        "comptes": [
            {
                "id": 4,
                "identifiant": "s.lefevre1",
                "identifiant_key": "s.lefevre1",
                "password_hash": hashed,
                "state": "actif",
                "method": "auto-inscription",
                "franceconnect_sub": None,
                "email": "sophie@exemple.fr",
                "email_confirmed": True,
                "responsables": [1],
                "prenom": "Sophie",
                "nom": "Lefèvre",
                "telephone": "+33612345678",
                "failures": 0,
                "clients": {},
                "activated_at": "2026-09-01T10:00:00+02:00",
                "created_at": "2026-09-01T10:00:00+02:00",
                "coordonnees": {
                    "adresse": {"ligne1": "12 rue des Lilas", "code_postal": "69003"},
                    "modifiees_le": "2026-09-02T10:00:00+02:00",
                    "telephone": "+33670000101",
                    "courriel": "jamais-confirmee@exemple.fr",
                },
            }
        ],
        "personnels": [
            {
                "id": 2,
                "identifiant": "Secretariat.Concorde",
                "identifiant_key": "secretariat.concorde",
                "password_hash": hashed,
                "uai": "0691234A",
                "role": "secretariat",
                "failures": 0,
                "clients": {},
                "created_at": "2026-09-01T10:00:00+02:00",
            }
        ],
        "identifiants_utilises": [
            {"id": 3, "identifiant": "s.lefevre1", "reserved_at": "2026-09-01T10:00:00+02:00"}
        ],
        "sessions": [
            {
                **session,
                "id": 5,
                "digest": digest_of(SOPHIE_SESSION),
                "data": {"compte": 4, "compte_cree": True, "_fresh": False},
                "account_id": 4,
                "ends_ts": ends,
                EXPIRES: ends,
            },
            {
                **session,
                "id": 6,
                "digest": digest_of(STAFF_SESSION),
                "data": {"personnel": 2},
                "staff_id": 2,
                "account_id": None,
                "ends_ts": ends,
                EXPIRES: ends,
            },
        ],
    }


@contextmanager
def accounts_at_version_5(engine: str, tmp_path, monkeypatch) -> Iterator[str]:
    """A TinyDB file or a PostgreSQL database migrated up to version 5 only, holding
    `before_migration_7`'s records; its path or URL."""
    with database_at(5, before_migration_7(), engine, tmp_path, monkeypatch) as database:
        yield database


@contextmanager
def database_at(
    version: int, old: dict[str, list[dict]], engine: str, tmp_path, monkeypatch
) -> Iterator[str]:
    """A TinyDB file or a PostgreSQL database migrated up to `version` only, holding the `old`
    records (by table, each with its id); its path or URL."""
    if engine == "tinydb":
        path = tmp_path / f"version{version}.json"
        content = {
            name: {str(doc["id"]): stored(doc) for doc in docs} for name, docs in old.items()
        }
        content["migrations"] = {str(n): {"version": n} for n in range(1, version + 1)}
        path.write_text(json.dumps(content), encoding="utf-8")
        yield str(path)
        return
    with scratch_database() as url:
        with monkeypatch.context() as patched:
            patched.setattr(
                migrations, "MIGRATIONS", tuple(one for one in MIGRATIONS if one.version <= version)
            )
            upgrade(open_store(url))
        with psycopg.connect(url) as connection:
            for name, docs in old.items():
                for doc in docs:
                    connection.execute(
                        sql.SQL(
                            "INSERT INTO {} (id, doc) OVERRIDING SYSTEM VALUE VALUES (%s, %s)"
                        ).format(sql.Identifier(name)),
                        (doc["id"], Jsonb(stored(doc))),
                    )
                connection.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    (name, max(doc["id"] for doc in docs)),
                )
        close_pool(url)
        yield url


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_migration_7_renames_the_keys_and_everything_reads_as_before(engine, tmp_path, monkeypatch):
    with accounts_at_version_5(engine, tmp_path, monkeypatch) as database:
        store = open_store(database)
        assert 7 in upgrade(store)
        with store.writing() as tx:
            signed_in = accounts.sign_in(tx, " S.Lefevre1 ", OLD_PASSWORD, NOW, "client")
            staff_signed_in = staff.sign_in_staff(
                tx, "secretariat.concorde", OLD_PASSWORD, NOW, "client"
            )
        assert signed_in.ok and staff_signed_in.ok
        with store.reading() as tx:
            account = accounts.find_by_identifier(tx, "s.lefevre1")
            assert account == {**account, "identifier": "s.lefevre1", "responsable_ids": [1]}
            assert (account["first_name"], account["last_name"]) == ("Sophie", "Lefèvre")
            assert accounts.account_of(tx, [1])["id"] == 4
            assert [
                one["id"] for one in recovery.active_accounts_of_phone(tx, ["+33612345678"])
            ] == [4]
            # The mobile the fiche kept came first: it is the account's own now.
            contact = contacts.contact_of(tx, account)
            assert (contact.phone, contact.email) == ("+33670000101", "sophie@exemple.fr")
            assert contact.address.as_dict()["line1"] == "12 rue des Lilas"
            # (The address's own keys in English from migration 12 on.)
            assert account["contact_details"] == {
                "address": {"line1": "12 rue des Lilas", "postal_code": "69003"},
                "changed_at": "2026-09-02T10:00:00+02:00",
            }
            old_names = {"identifiant", "identifiant_key", "responsables", "prenom", "nom"}
            assert not old_names & set(account) and "telephone" not in account
            member = staff.find_staff_by_id(tx, 2)
            assert member["identifier"] == "Secretariat.Concorde" and "identifiant" not in member
            assert tx.find_one(accounts.USED_IDENTIFIERS, identifier="s.lefevre1")["id"] == 3
            # The sessions in flight stay signed in, as the same people.
            parent = sessions.load(tx, digest_of(SOPHIE_SESSION), time.time())["data"]
            office = sessions.load(tx, digest_of(STAFF_SESSION), time.time())["data"]
            assert parent == {"account_id": 4, "account_created": True, "_fresh": False}
            assert sessions.identity(parent) == (4, None)
            assert sessions.identity(office) == (None, 2)
        assert upgrade(store) == []
        close_pool(database)


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_a_browser_signed_in_before_migration_7_still_is_after_it(engine, tmp_path, monkeypatch):
    with accounts_at_version_5(engine, tmp_path, monkeypatch) as database:
        upgrade(open_store(database))
        app = create_app({**TEST_SETTINGS, "DATABASE": database})
        signer = Signer(
            app.secret_key,
            salt="server-session",
            key_derivation="hmac",
            digest_method=hashlib.sha256,
        )
        parent, office = app.test_client(), app.test_client()
        parent.set_cookie("session", signer.sign(SOPHIE_SESSION).decode())
        office.set_cookie("session", signer.sign(STAFF_SESSION).decode())
        page = parent.get("/mon-compte")
        assert page.status_code == 200
        assert "s.lefevre1" in texts(page.text, "dd")
        assert office.get("/admin").status_code == 200
        close_pool(database)


# Migration 9: the journeys', services', examination's and consents' keys in English -------------

SCHOOL, LUCAS, YEAR = "0691234A", "0691500123K", "2026-2027"
NEW_PHONE, PHONE_CODE = "+33698765432", "482913"
SIGNING_UP, CHANGING_PHONE = "inscription-en-cours", "telephone-en-cours"
# Lucas's other responsable, signing up (the roster's French names).
MARC = {"nom": "Lefèvre", "prenom": "Marc", "telephone": "+33611223344"}
# The service's key the codes sent before the migration were made with.
SECRET = "cle-des-tests-de-la-migration-9-" + "0" * 32


def in_progress(journey_id: str, kind: str, state: dict, started: datetime) -> dict:
    """A journey record started at `started` for an hour, as records/journeys.py keeps it."""
    return {
        "journey_id": journey_id,
        "kind": kind,
        "account_id": None,
        "state": state,
        "lifetime_seconds": 3_600,
        "started_at": started.isoformat(),
        "started_timestamp": started.timestamp(),
        EXPIRES: started.timestamp() + 3_600,
    }


def before_migration_9(started: datetime, code: dict) -> dict[str, list[dict]]:
    """Records as the service wrote them at version 8: a roster, an account, a journey of every
    kind but the scholarship request's under way (a registration at its password, a mobile
    change waiting for its code), the school's scholarship service, a pupil's consent and
    result, the school's run and reminder, a mail of the development outbox, and the sessions
    of a browser signing up and of a parent signed in."""
    ends = time.time() + 3_600
    session = {"staff_id": None, "created_ts": ends - 60, "last_seen_ts": ends - 60}
    journey_ids = {
        "auto-inscription": SIGNING_UP,
        "fiche-telephone": CHANGING_PHONE,
    }
    identity = {"sub": "fc-1", "given_name": "Sophie", "family_name": "Lefèvre", "id_token": "t"}
    names = {"nom": "Lefèvre", "prenom": "Sophie", "telephone": "+33612345678"}
    states = {
        "auto-inscription": {
            "step": "mot_de_passe",
            **MARC,
            "responsables": [2],
            "codes_sent": 1,
            "code": code,
        },
        "franceconnect": {"step": "enfants", **identity, **names, "responsables": [1]},
        "notification": {
            "step": "enfants",
            "compte": 4,
            "responsables": [1],
            "identifiant": "s.lefevre1",
            "prenom": "Sophie",
            "nom": "Lefèvre",
            "detaches": [LUCAS],
        },
        "recuperation": {"step": "code", "decoy": False, "compte": 4, "identifiant": "s.lefevre1"},
        "fiche-telephone": {
            "account_id": 4,
            "telephone": NEW_PHONE,
            "code": code,
            "codes_sent": 1,
        },
        "import-liste": {"fichier": "eleves.csv", "contenu": "ine;nom\n"},
    }
    return {
        "etablissements": [{"id": 1, "uai": SCHOOL, "nom": "Collège de la Concorde"}],
        "eleves": [
            {
                "id": 1,
                "ine": LUCAS,
                "nom": "Lefèvre",
                "prenom": "Lucas",
                "date_naissance": "2014-03-12",
                "niveau": "6e",
                "classe": "6e A",
                "uai": SCHOOL,
            }
        ],
        "responsables": [
            {
                "id": 1,
                "uai": SCHOOL,
                "civilite": "Mme",
                "nom": "Lefèvre",
                "prenom": "Sophie",
                "telephone": "+33612345678",
                "eleves": [LUCAS],
                "etat_compte": "actif",
            },
            {
                "id": 2,
                "uai": SCHOOL,
                "civilite": "M.",
                **MARC,
                "eleves": [LUCAS],
                "etat_compte": "non activé",
            },
        ],
        "comptes": [
            {
                "id": 4,
                "identifier": "s.lefevre1",
                "identifier_key": "s.lefevre1",
                "password_hash": hash_password(OLD_PASSWORD),
                "state": "actif",
                "method": "auto-inscription",
                "franceconnect_sub": None,
                "email": None,
                "email_confirmed": False,
                "responsable_ids": [1],
                "first_name": "Sophie",
                "last_name": "Lefèvre",
                "phone": "+33612345678",
                "failures": 0,
                "clients": {},
                "created_at": "2026-09-01T10:00:00+02:00",
            }
        ],
        "parcours": [
            {"id": number, **in_progress(journey_ids.get(kind, kind), kind, state, started)}
            for number, (kind, state) in enumerate(states.items(), start=1)
        ],
        "sessions": [
            {
                **session,
                "id": 1,
                "digest": digest_of(SIGNING_UP),
                "data": {"inscription": SIGNING_UP},
                "account_id": None,
                "ends_ts": ends,
                EXPIRES: ends,
            },
            {
                **session,
                "id": 2,
                "digest": digest_of(CHANGING_PHONE),
                "data": {"account_id": 4, "phone_change": CHANGING_PHONE},
                "account_id": 4,
                "ends_ts": ends,
                EXPIRES: ends,
            },
        ],
        "teleservices": [
            {
                "id": 1,
                "uai": SCHOOL,
                "service": "bourse",
                "etat": "ouvert",
                "message": "Bienvenue",
                "debut": "2026-09-01",
                "fin": "2026-10-15",
                "modifie_le": "2026-08-30T10:00:00+02:00",
            }
        ],
        "bourse_consents": [
            {
                "id": 1,
                "ine": LUCAS,
                "account_id": 4,
                "uai": SCHOOL,
                "responsable": {"prenom": "Sophie", "nom": "Lefèvre"},
                "state": "given",
                "applicant": None,
                "partner": None,
                "given_at": "2026-09-02T10:00:00+02:00",
                "changed_at": "2026-09-02T10:00:00+02:00",
                "history": [],
            }
        ],
        "bourse_examens": [
            {
                "id": 1,
                "ine": LUCAS,
                "annee": YEAR,
                "uai": SCHOOL,
                "result": "not_eligible",
                "rfr": 61000,
                "enfants": 1,
                "ceiling": 21000,
                "echelon": None,
                "montant_annuel": None,
                "examined_at": "2026-09-10T10:00:00+02:00",
                "consent": {"id": 1, "account_id": 4, "key": "k", "reason": "seul accord"},
                "eleve": {"prenom": "Lucas", "nom": "Lefèvre", "classe": "6e A"},
                "responsable": {"prenom": "Sophie", "nom": "Lefèvre"},
                "numero": "0691234A-2026-00007",
                "notices": [],
            }
        ],
        "bourse_examen_runs": [
            {"id": 1, "uai": SCHOOL, "annee": YEAR, "state": "done", "total": 1, "done": 1}
        ],
        "bourse_relances": [
            {
                "id": 1,
                "uai": SCHOOL,
                "annee": YEAR,
                "staff": "direction.concorde",
                "sent_at": "2026-09-11T10:00:00+02:00",
                **{"families": 2, "sms": 2, "emails": 1, "to_mail": 1, "failed": 0},
            }
        ],
        "mail_outbox": [
            {
                "id": 1,
                "to": "sophie@exemple.fr",
                "subject": "Accusé",
                "body": "…",
                "pieces_jointes": ["accuse.pdf (3 Ko)"],
                "sent_at": "2026-09-12T10:00:00+02:00",
            }
        ],
    }


def service_now() -> datetime:
    """The tests' service clock (TODAY) now."""
    return Clock(date.fromisoformat(TEST_SETTINGS["TODAY"])).now()


@contextmanager
def at_version_8(engine: str, tmp_path, monkeypatch) -> Iterator[str]:
    started = service_now()
    code = sms_codes.issue(PHONE_CODE, started, SECRET)
    with database_at(8, before_migration_9(started, code), engine, tmp_path, monkeypatch) as url:
        yield url


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_migration_9_renames_the_keys_and_everything_reads_as_before(engine, tmp_path, monkeypatch):
    with at_version_8(engine, tmp_path, monkeypatch) as database:
        store = open_store(database)
        assert upgrade(store) == [9, 10, 11, 12]
        now = service_now()
        with store.reading() as tx:
            states = {
                doc["kind"]: journeys.load(tx, doc["journey_id"], now=now)
                for doc in tx.scan("parcours")
            }
            service = teleservices.service_of(tx, SCHOOL, teleservices.BOURSE, now.date())
            (consent,) = consents.of_account(tx, 4)
            result = examinations.of_pupil(tx, LUCAS, YEAR)
            listed = examinations.of_school(tx, SCHOOL, YEAR)
            run = examinations.run_of(tx, SCHOOL, YEAR)
            reminder = reminders.of_campaign(tx, SCHOOL, YEAR)
            (mail,) = tx.scan("mail_outbox")
        names = {"last_name": "Lefèvre", "first_name": "Sophie", "phone": "+33612345678"}
        assert {kind: state["step"] for kind, state in states.items() if "step" in state} == {
            "auto-inscription": "mot_de_passe",
            "franceconnect": "enfants",
            "notification": "enfants",
            "recuperation": "code",
        }
        assert states["auto-inscription"] == {
            **states["auto-inscription"],
            "last_name": "Lefèvre",
            "first_name": "Marc",
            "phone": "+33611223344",
            "responsable_ids": [2],
        }
        assert not {"nom", "prenom", "telephone", "responsables"} & set(states["auto-inscription"])
        assert states["franceconnect"] == {
            "kind": "franceconnect",
            "step": "enfants",
            "sub": "fc-1",
            "given_name": "Sophie",
            "family_name": "Lefèvre",
            "id_token": "t",
            **names,
            "responsable_ids": [1],
        }
        assert states["notification"] == {
            "kind": "notification",
            "step": "enfants",
            "account_id": 4,
            "responsable_ids": [1],
            "identifier": "s.lefevre1",
            "first_name": "Sophie",
            "last_name": "Lefèvre",
            "detached": [LUCAS],
        }
        assert states["recuperation"] == {
            "kind": "recuperation",
            "step": "code",
            "decoy": False,
            "account_id": 4,
            "identifier": "s.lefevre1",
        }
        assert states["fiche-telephone"]["phone"] == NEW_PHONE
        assert "telephone" not in states["fiche-telephone"]
        assert states["import-liste"] == {
            "kind": "import-liste",
            "file_name": "eleves.csv",
            "content": "ine;nom\n",
        }
        assert (service.state, service.message) == (teleservices.State.OPEN, "Bienvenue")
        assert (service.start, service.end) == (date(2026, 9, 1), date(2026, 10, 15))
        assert consent["parent"] == {"first_name": "Sophie", "last_name": "Lefèvre"}
        assert "responsable" not in consent
        assert result == {
            **result,
            "school_year": YEAR,
            "pupil": {"prenom": "Lucas", "nom": "Lefèvre", "classe": "6e A"},
            "parent": {"first_name": "Sophie", "last_name": "Lefèvre"},
            "request_number": "0691234A-2026-00007",
        }
        assert not {"annee", "eleve", "responsable", "numero"} & set(result)
        assert [row["id"] for row in listed] == [result["id"]] == [1]
        cells = examinations_csv.row(result)
        assert cells[:3] == ["Lucas Lefèvre", "6e A", "Sophie Lefèvre"]
        assert cells[-1] == "0691234A-2026-00007"
        assert (run["id"], run["school_year"]) == (1, YEAR) and "annee" not in run
        assert (reminder["id"], reminder["school_year"]) == (1, YEAR)
        assert mail["attachments"] == ["accuse.pdf (3 Ko)"] and "pieces_jointes" not in mail
        assert upgrade(store) == []
        close_pool(database)


def signed_in_browser(app, session_id: str):
    """A browser holding the cookie of the session `session_id` (records/sessions.py)."""
    signer = Signer(
        app.secret_key, salt="server-session", key_derivation="hmac", digest_method=hashlib.sha256
    )
    browser = app.test_client()
    browser.set_cookie("session", signer.sign(session_id).decode())
    return browser


def journeys_app(database: str):
    """The service on `database`, its forms posted as a browser's (the tests' own key)."""
    return create_app(
        {**TEST_SETTINGS, "DATABASE": database, "SECRET_KEY": SECRET, "WTF_CSRF_ENABLED": False}
    )


def assert_signing_up_goes_on(app) -> None:
    """The browser of `SIGNING_UP`, at the password, chooses one: its account is activated."""
    password = "Vacances-de-Toussaint-2026!"
    sent = signed_in_browser(app, SIGNING_UP).post(
        "/inscription/mot-de-passe", data={"mot_de_passe": password, "confirmation": password}
    )
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("/inscription/compte-active")


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_journeys_under_way_before_migration_9_go_on_after_it(engine, tmp_path, monkeypatch):
    with at_version_8(engine, tmp_path, monkeypatch) as database:
        upgrade(open_store(database))
        app = journeys_app(database)
        # Signing up, at the password: the account is made from the names and mobile kept.
        assert_signing_up_goes_on(app)
        # Signed in, changing the mobile from the fiche: the code sent before still changes it.
        parent = signed_in_browser(app, CHANGING_PHONE)
        assert (
            parent.post(f"/fiche/{LUCAS}/telephone/code", data={"code": PHONE_CODE}).status_code
            < 400
        )
        store = open_store(database)
        with store.reading() as tx:
            made = [one for one in tx.scan("comptes") if one["id"] != 4]
            assert [(one["first_name"], one["last_name"]) for one in made] == [("Marc", "Lefèvre")]
            assert (made[0]["phone"], made[0]["responsable_ids"]) == ("+33611223344", [2])
            assert accounts.find_by_id(tx, 4)["phone"] == NEW_PHONE
        close_pool(database)


# Migration 11: the journeys' session keys named as their blueprints, in English -----------------

# A browser at the first connection with FranceConnect and at « Mot de passe oublié », as the
# journeys' records of `before_migration_9` (their ids are their kinds there).
AT_TWO_JOURNEYS = "deux-parcours-en-cours"


def at_two_journeys(ends: float) -> dict:
    """The session of `AT_TWO_JOURNEYS`, as records/sessions.py keeps it before migration 11."""
    return {
        "id": 3,
        "digest": digest_of(AT_TWO_JOURNEYS),
        "data": {"premiere_connexion": "franceconnect", "recovery": "recuperation"},
        "account_id": None,
        "staff_id": None,
        "created_ts": ends - 60,
        "last_seen_ts": ends - 60,
        "ends_ts": ends,
        EXPIRES: ends,
    }


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_journeys_under_way_before_migration_11_go_on_after_it(engine, tmp_path, monkeypatch):
    started = service_now()
    old = before_migration_9(started, sms_codes.issue(PHONE_CODE, started, SECRET))
    old["sessions"].append(at_two_journeys(time.time() + 3_600))
    (recovering,) = [doc for doc in old["parcours"] if doc["kind"] == "recuperation"]
    recovering["state"]["masked_phone"] = "06 •• •• •• 78"  # what its code page shows
    with database_at(8, old, engine, tmp_path, monkeypatch) as database:
        store = open_store(database)
        with monkeypatch.context() as patched:
            patched.setattr(
                migrations, "MIGRATIONS", tuple(one for one in MIGRATIONS if one.version <= 10)
            )
            assert upgrade(store) == [9, 10]
        assert upgrade(store) == [11, 12]
        with store.reading() as tx:
            signing_up = sessions.load(tx, digest_of(SIGNING_UP), time.time())["data"]
            at_two = sessions.load(tx, digest_of(AT_TWO_JOURNEYS), time.time())["data"]
            changing_phone = sessions.load(tx, digest_of(CHANGING_PHONE), time.time())["data"]
        assert signing_up == {"registration": SIGNING_UP}
        assert at_two == {
            "franceconnect_first_connection": "franceconnect",
            "forgotten_password": "recuperation",
        }
        assert changing_phone == {"account_id": 4, "phone_change": CHANGING_PHONE}
        app = journeys_app(database)
        # Signing up, at the password: the journey goes on where it was.
        assert_signing_up_goes_on(app)
        # At the first connection with FranceConnect and at « Mot de passe oublié », each at its
        # step: its page shows, not the login page nor the journey's first step.
        browser = signed_in_browser(app, AT_TWO_JOURNEYS)
        assert browser.get("/franceconnect/premiere-connexion/enfants").status_code == 200
        assert browser.get("/mot-de-passe-oublie/code").status_code == 200
        assert upgrade(store) == []
        close_pool(database)


# Migration 12: the contact, address and bank details' own keys in English -----------------------

LEA, REQUEST_NUMBER = "0691500124L", "0691234A-2026-00008"
AT_SUMMARY = "demande-au-recapitulatif"  # the session and journey of a request being corrected
ADDRESS_12 = {"ligne1": "12 rue des Lilas", "ligne2": "Bâtiment B", "code_postal": "69003"}
OLD_ADDRESS = {**ADDRESS_12, "commune": "Lyon"}
NEW_ADDRESS = {
    "line1": "12 rue des Lilas",
    "line2": "Bâtiment B",
    "postal_code": "69003",
    "city": "Lyon",
}
OLD_CONTACT = {"courriel": "", "telephone": "+33612345678", "adresse": OLD_ADDRESS}
NEW_CONTACT = {"email": "", "phone": "+33612345678", "address": NEW_ADDRESS}
IBAN_12 = "FR7630006000011234567890189"
# Version 6's manual entry, whole: its notice and its file, as the summary shows them.
TAX_12 = {
    **TAX,
    "avis": [{"numero_fiscal": "3023217600053", "reference_avis": "2612A98765432", "avis": None}],
    **{"annee_revenus": 2025, "consentement_dgfip": False, "renouvellement": "accepte"},
    "pieces": [{"cle": "k1", "nom": "avis.pdf", "type": "application/pdf", "taille": 9}],
}
ENGLISH_TAX_12 = {
    **ENGLISH_TAX,
    "notices": [
        {"numero_fiscal": "3023217600053", "reference_avis": "2612A98765432", "notice": None}
    ],
    **{"annee_revenus": 2025, "dgfip_consent": False, "renewal": "accepte"},
    "files": [{"key": "k1", "name": "avis.pdf", "type": "application/pdf", "size": 9}],
}


def sent_request_12(applicant: dict, contact: dict, tax: dict, bank: dict) -> dict:
    """Léa's request « déposée », open to a correction, with its `applicant`'s names and its
    `contact`, `tax` and `bank` details under the names of a version (before or from migration
    12)."""
    return {
        "id": 1,
        "number": REQUEST_NUMBER,
        "school_year": YEAR,
        "uai": SCHOOL,
        "ine": LEA,
        "account_id": 4,
        "pupil": {
            "prenom": "Léa",
            "nom": "Lefèvre",
            "classe": "4e B",
            "niveau": "4e",
            "etablissement_nom": "Collège de la Concorde",
        },
        "applicant": applicant,
        "contact": contact,
        "tax": tax,
        "estimate": estimate(YEAR, 12000, 2).as_dict(),
        "bank": bank,
        "documents_to_check": True,
        "reasons_to_check": [bourse_requests.TYPED_BY_FAMILY],
        "state": "déposée",
        "granted_echelon": None,
        "refusal_reason": None,
        "submitted_at": "2026-09-13T18:05:00+02:00",
        "modified_at": None,
        "decided_at": None,
        "token": "jeton-de-lea",
        "correction_tokens": [],
        "history": [],
    }


def before_migration_12(started: datetime) -> dict[str, list[dict]]:
    """`before_migration_9`'s records, and what versions 6 to 11 wrote French in them: Sophie's
    address on her account, her request for Léa, and her correcting it, at its summary with a
    new holder, in the session of a browser signed in."""
    old = before_migration_9(started, sms_codes.issue(PHONE_CODE, started, SECRET))
    old["eleves"].append(
        {
            "id": 2,
            "ine": LEA,
            "nom": "Lefèvre",
            "prenom": "Léa",
            "date_naissance": "2012-05-02",
            "niveau": "4e",
            "classe": "4e B",
            "uai": SCHOOL,
        }
    )
    old["responsables"][0]["eleves"] = [LUCAS, LEA]
    (sophie,) = old["comptes"]
    sophie["contact_details"] = {"address": OLD_ADDRESS, "changed_at": "2026-09-02T10:00:00+02:00"}
    bank = {"titulaire": "Sophie Lefèvre", "iban": IBAN_12, "bic": ""}
    applicant = {"prenom": "Sophie", "nom": "Lefèvre"}
    old["demandes_bourse"] = [sent_request_12(applicant, OLD_CONTACT, TAX_12, bank)]
    correcting = {
        "step": "recapitulatif",
        "account_id": 4,
        "ine": LEA,
        "number": REQUEST_NUMBER,
        "reviewed": True,
        "contact": OLD_CONTACT,
        "tax": TAX_12,
        "estimate": estimate(YEAR, 12000, 2).as_dict(),
        "bank": {"titulaire": "Julien Lefèvre", "iban": IBAN_12, "bic": ""},
        "uploads": [],
    }
    journey_record = in_progress(AT_SUMMARY, "bourse", correcting, started)
    old["parcours"].append({"id": len(old["parcours"]) + 1, **journey_record, "account_id": 4})
    ends = time.time() + 3_600
    old["sessions"].append(
        {
            "id": 3,
            "digest": digest_of(AT_SUMMARY),
            "data": {"account_id": 4, "bourse": AT_SUMMARY},
            "account_id": 4,
            "staff_id": None,
            "created_ts": ends - 60,
            "last_seen_ts": ends - 60,
            "ends_ts": ends,
            EXPIRES: ends,
        }
    )
    return old


def documents_of(request: dict) -> tuple[str, tuple[str, str], list[str]]:
    """The request's receipt (its text), its mail and its line of the school's CSV export."""
    mail = receipt_email(request, "https://teleservices.example/bourse")
    return receipt_text(receipt_pdf(request)), mail, requests_csv.row(request)


def receipt_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in pages))


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_migration_12_renames_the_contact_tax_and_bank_keys_and_all_reads_as_before(
    engine, tmp_path, monkeypatch
):
    with database_at(8, before_migration_12(service_now()), engine, tmp_path, monkeypatch) as url:
        store = open_store(url)
        assert upgrade(store) == [9, 10, 11, 12]
        with store.reading() as tx:
            account = accounts.find_by_id(tx, 4)
            contact = contacts.contact_of(tx, account)
            found = bourse_requests.find(tx, REQUEST_NUMBER)
            correcting = journeys.load(tx, AT_SUMMARY, kind="bourse", now=service_now())
        assert account["contact_details"]["address"] == NEW_ADDRESS
        assert contact.address == Address("12 rue des Lilas", "Bâtiment B", "69003", "Lyon")
        bank = {"holder": "Sophie Lefèvre", "iban": IBAN_12, "bic": ""}
        applicant = {"first_name": "Sophie", "last_name": "Lefèvre"}
        made = sent_request_12(applicant, NEW_CONTACT, ENGLISH_TAX_12, bank)
        expected = {**made, "id": found["id"]}
        assert found == expected
        assert (correcting["contact"], correcting["bank"]["holder"]) == (
            NEW_CONTACT,
            "Julien Lefèvre",
        )
        assert "titulaire" not in correcting["bank"] and correcting["tax"] == ENGLISH_TAX_12
        # The receipt and the export say what they said of the request written as before.
        receipt, (_, body), cells = documents_of(found)
        assert "12 rue des Lilas, Bâtiment B, 69003 Lyon" in receipt
        assert "Titulaire Sophie Lefèvre" in receipt and "Téléphone +33 6 12 34 56 78" in receipt
        assert "Justificatifs joints avis.pdf" in receipt
        assert body.startswith("Bonjour Sophie Lefèvre,") and cells[5] == "Sophie Lefèvre"
        assert documents_of(found) == documents_of(expected)
        assert upgrade(store) == []
        close_pool(url)


@pytest.mark.parametrize("engine", ["tinydb", "postgresql"])
def test_a_request_corrected_during_migration_12_goes_on_after_it(engine, tmp_path, monkeypatch):
    with database_at(8, before_migration_12(service_now()), engine, tmp_path, monkeypatch) as url:
        upgrade(open_store(url))
        parent = signed_in_browser(journeys_app(url), AT_SUMMARY)
        # The fiche shows the address kept, in the fields the parent typed it in.
        fiche = parent.get(f"/fiche/{LEA}").text
        (line1,) = elements(fiche, "input", id="adresse_ligne1")
        (city,) = elements(fiche, "input", id="commune")
        assert (line1["value"], city["value"]) == ("12 rue des Lilas", "Lyon")
        # The summary of the correction under way shows its details, then sends them.
        summary = parent.get("/bourse/demande/recapitulatif")
        assert summary.status_code == 200
        shown = plain(summary.text)
        assert "12 rue des Lilas Bâtiment B 69003 Lyon" in shown and "Julien Lefèvre" in shown
        assert "avis.pdf (9 octets)" in shown and "référence 2612A98765432" in shown
        sent = parent.post("/bourse/demande/recapitulatif", data={"certification": "y"})
        assert redirects_to(sent, f"/bourse/demandes/{REQUEST_NUMBER}")
        with open_store(url).reading() as tx:
            corrected = bourse_requests.find(tx, REQUEST_NUMBER)
        assert corrected["contact"] == NEW_CONTACT
        assert corrected["bank"] == {"holder": "Julien Lefèvre", "iban": IBAN_12, "bic": ""}
        assert corrected["tax"] == ENGLISH_TAX_12
        assert corrected["modified_at"]
        receipt = parent.get(f"/bourse/demandes/{REQUEST_NUMBER}/accuse.pdf")
        assert receipt.status_code == 200
        text = receipt_text(receipt.data)
        assert "12 rue des Lilas, Bâtiment B, 69003 Lyon" in text and "Julien Lefèvre" in text
        close_pool(url)


# Version 10: the mail queue's topics, the reminders counted as the queue sends --------------------

# A reminder of version 8 (its mails counted at their first try, one missed), and one older
# still (no "to_mail": every mail counted as it left).
REMINDER_8 = {
    "uai": "0691234A",
    "annee": "2026-2027",
    "staff": "direction.concorde",
    "sent_at": "2026-09-14T10:00:00+02:00",
    "families": 6,
    "sms": 6,
    "emails": 2,
    "to_mail": 3,
    "failed": 1,
}
REMINDER_OLDER = {**REMINDER_8, "uai": "0691300B", "emails": 2, "failed": 0}
del REMINDER_OLDER["to_mail"]


@pytest.fixture(params=["tinydb", "postgresql"])
def reminders_at_version_8(request, tmp_path, monkeypatch):
    if request.param == "tinydb":
        content = {
            "migrations": {str(version): {"version": version} for version in range(1, 9)},
            "bourse_relances": {"1": REMINDER_8, "2": REMINDER_OLDER},
        }
        path = tmp_path / "db.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        yield TinyStore(path)
        return
    with scratch_database() as url:
        store = open_store(url)
        with monkeypatch.context() as patched:
            patched.setattr(migrations, "MIGRATIONS", MIGRATIONS[:8])
            assert upgrade(store) == list(range(1, 9))
        with psycopg.connect(url) as connection:
            for doc in (REMINDER_8, REMINDER_OLDER):
                connection.execute("INSERT INTO bourse_relances (doc) VALUES (%s)", (Jsonb(doc),))
        yield store


def test_migration_10_says_no_reminders_mail_waiting_of_those_sent_before(reminders_at_version_8):
    store = reminders_at_version_8
    assert upgrade(store) == [9, 10, 11, 12]
    with store.reading() as tx:
        newer = reminders.of_campaign(tx, "0691234A", "2026-2027")
        older = reminders.of_campaign(tx, "0691300B", "2026-2027")
        # The mail missed was counted failed at its first try: it is given up, none waits.
        assert (newer["mails_gave_up"], newer["failed"], reminders.mails_waiting(newer)) == (
            1,
            1,
            0,
        )
        assert (older["to_mail"], older["mails_gave_up"], reminders.mails_waiting(older)) == (
            2,
            0,
            0,
        )
        assert tx.find(mail_queue.QUEUE, uai="0691234A", state=mail_queue.GAVE_UP) == []
    assert upgrade(store) == []
