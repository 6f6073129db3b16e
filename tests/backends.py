"""Which engine the tests run on: TinyDB by default, PostgreSQL with TEST_BACKEND=postgresql
(`make test` runs the suite once on each). On PostgreSQL each pytest-xdist worker has a database
of its own, migrated once, emptied before every test."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable

import psycopg
import pytest

from outside.storage import open_store
from outside.storage.migrations import upgrade
from outside.storage.postgres import close_pools
from outside.storage.schema import TABLES

BACKEND = os.environ.get("TEST_BACKEND", "tinydb")
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def on_postgresql() -> bool:
    return BACKEND == "postgresql"


def postgresql_answers() -> bool:
    try:
        psycopg.connect(ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def skip_or_fail(reason: str) -> None:
    """A missing service skips locally and fails in CI, which must run everything."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI doit tout exécuter)")
    pytest.skip(reason)


def worker_database(worker: str) -> str:
    """A migrated database of this worker's own (a suffix of its own too, so two runs on one
    machine never drop each other's); its URL."""
    name = f"teleservices_test_{worker}_{secrets.token_hex(3)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    store = open_store(url)
    upgrade(store)
    return url


# DELETE, not TRUNCATE: a TRUNCATE makes new files for every table and index, and waits for
# the disk (a second a test, the most of the suite's time on PostgreSQL); a DELETE of a test's
# few records takes milliseconds. The ids start again at 1, as after a TRUNCATE … RESTART IDENTITY.
EMPTYING = "; ".join(
    [f'DELETE FROM "{name}"' for name in TABLES]
    + [f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), 1, false)" for name in TABLES]
)


_kept: dict[str, psycopg.Connection] = {}


def run(url: str, statements: str) -> None:
    """Run SQL on a worker's database by a connection kept open: a new connection for each test
    cost the server a new process."""
    connection = _kept.get(url)
    if connection is None or connection.closed:
        connection = _kept[url] = psycopg.connect(url, autocommit=True)
    connection.execute(statements)


def empty(url: str) -> None:
    run(url, EMPTYING)


def filling(url: str) -> str:
    """The SQL that fills the emptied database again with the records it holds now, their ids
    and the sequences that number them as they are. The records are kept in a schema of their
    own, `template`; the database is emptied."""
    statements = []
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS template CASCADE; CREATE SCHEMA template")
        for name in TABLES:
            connection.execute(f'CREATE TABLE template."{name}" AS TABLE "{name}"')
            (sequence,) = connection.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')", (f'"{name}"',)
            ).fetchone()
            (last, called) = connection.execute(
                f"SELECT last_value, is_called FROM {sequence}"
            ).fetchone()
            if called:
                statements.append(f'INSERT INTO "{name}" SELECT * FROM template."{name}"')
                statements.append(f"SELECT setval('{sequence}', {last})")
    empty(url)
    return "; ".join(statements)


def keeper(store, name: str) -> Callable[[], None]:
    """A function that puts the table back as it is now, in one write. On PostgreSQL the rows
    are copied aside once and put back by one statement sent at once (the fuzzing, which calls
    it before each of thousands of cases, paid a dozen round trips a time otherwise); on
    TinyDB they are rewritten in one transaction."""
    if on_postgresql():
        aside = f'kept."{name}"'
        run(
            store.url,
            f"CREATE SCHEMA IF NOT EXISTS kept; DROP TABLE IF EXISTS {aside}; "
            f'CREATE TABLE {aside} AS TABLE "{name}"',
        )
        back = f'DELETE FROM "{name}"; INSERT INTO "{name}" SELECT * FROM {aside}'
        return lambda: run(store.url, back)
    with store.reading() as tx:
        rows = list(tx.scan(name))

    def put_back() -> None:
        with store.writing() as tx:
            for row in list(tx.scan(name)):
                tx.delete(name, row["id"])
            tx.restore(name, rows)

    return put_back


def drop(url: str) -> None:
    close_pools()
    if url in _kept:
        _kept.pop(url).close()
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_text(store) -> str:
    """Everything the store holds, as text: to check that a secret is never kept in clear."""
    with store.reading() as tx:
        return json.dumps(
            {name: list(tx.scan(name)) for name in TABLES}, ensure_ascii=False, default=str
        )


def reading(store, function, *arguments, **options):
    """A record function's answer, read in a transaction of its own."""
    with store.reading() as tx:
        return function(tx, *arguments, **options)


def writing(store, function, *arguments, **options):
    """A record function's answer, in a write transaction of its own (as a request makes it:
    saved unless it raises)."""
    with store.writing() as tx:
        return function(tx, *arguments, **options)


def server_database(engine: str, folder, name: str):
    """A database of the engine for real servers (e2e, races), as a generator for a fixture: a
    TinyDB file in `folder`, or a PostgreSQL database of its own, dropped afterwards. The unit
    tests' fixtures pass their `engine` fixture: a test of servers on a database is one the
    PostgreSQL run must run."""
    if engine != "postgresql":
        yield str(folder / "db.json")
        return
    if not postgresql_answers():
        skip_or_fail(f"PostgreSQL ne répond pas à {ADMIN_URL}")
    url = worker_database(name)
    yield url
    drop(url)
