"""Writing the bench's families straight into a store, not through the service: a TinyDB file
written once, or a fresh PostgreSQL database filled by COPY.

Both start from what the migrations make (`outside.storage.migrations.upgrade`), so the service
finds the tables, keys and versions it expects.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from bench.families import tables
from outside.storage import open_store
from outside.storage.migrations import upgrade

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
COPY_BATCH = 5000  # rows sent to COPY at once: a few hundred KB


@dataclass(frozen=True)
class Seeded:
    database: str  # the DATABASE setting: a file's path or a URL
    seconds: float
    bytes: int  # the file's size, or the database's


def seed_tinydb(path: Path, size: int, hashed: str) -> Seeded:
    """One write transaction with every document: the engine writes the file once."""
    started = time.monotonic()
    path.unlink(missing_ok=True)
    store = open_store(str(path))
    upgrade(store)
    with store.writing() as tx:
        for name, docs in tables(size, hashed).items():
            # `restore` keeps the ids the families were made with.
            tx.restore(name, list(docs))
    return Seeded(str(path), time.monotonic() - started, path.stat().st_size)


def postgresql_version() -> str | None:
    """PostgreSQL's version when it answers at ADMIN_URL, else None (its runs are skipped)."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3) as connection:
            return connection.execute("SHOW server_version").fetchone()[0]
    except psycopg.OperationalError:
        return None


def database_url(size: int, admin_url: str = ADMIN_URL) -> str:
    return admin_url.rsplit("/", 1)[0] + f"/bench_{size}"


def seed_postgresql(size: int, hashed: str, admin_url: str = ADMIN_URL) -> Seeded:
    """A new database bench_<size>, migrated, then filled by COPY, its indexes built after the
    rows (faster than keeping them up to date row by row), vacuumed and analysed."""
    started = time.monotonic()
    url = database_url(size, admin_url)
    recreate_database(url, admin_url)
    store = open_store(url)
    try:
        upgrade(store)
    finally:
        store.close()
    with psycopg.connect(url) as connection:
        connection.execute("SET maintenance_work_mem = '512MB'")
        for name, docs in tables(size, hashed).items():
            copy_table(connection, name, docs)
        connection.commit()
        connection.autocommit = True
        # As a database long in service would be: statistics for the planner, the visibility
        # map set (no autovacuum of the new rows during the measurements), and the seed's WAL
        # written out (no checkpoint of a gigabyte in the middle of them).
        connection.execute("VACUUM (ANALYZE)")
        connection.execute("CHECKPOINT")
        used = connection.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return Seeded(url, time.monotonic() - started, used)


def recreate_database(url: str, admin_url: str = ADMIN_URL) -> None:
    drop_database(url, admin_url)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_name(url))))


def drop_database(url: str, admin_url: str = ADMIN_URL) -> None:
    """Also when a server left behind still holds connections to it."""
    query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(query.format(sql.Identifier(_name(url))))


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def copy_table(connection: psycopg.Connection, name: str, docs: Iterable[dict]) -> None:
    """The documents as (id, doc) rows, the table's indexes dropped before and made again after
    with the very definitions the migration gave them."""
    table = sql.Identifier(name)
    indexes = connection.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s",
        (name, "%_pkey"),
    ).fetchall()
    for index_name, _ in indexes:
        connection.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index_name)))
    with connection.cursor().copy(sql.SQL("COPY {} (id, doc) FROM STDIN").format(table)) as copy:
        for chunk in _copy_text(docs):
            copy.write(chunk)
    for _, definition in indexes:
        connection.execute(definition)
    # The identity goes on after the highest id, as if the rows had been inserted one by one.
    connection.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence({}, 'id'), GREATEST((SELECT max(id) FROM {}), 1))"
        ).format(sql.Literal(name), table)
    )


def _copy_text(docs: Iterable[dict]) -> Iterator[str]:
    """COPY's text format, a batch of lines at a time. Compact JSON has no tab or newline; a
    backslash (from an escape inside a string) is doubled, as COPY wants."""
    lines = []
    for doc in docs:
        body = {name: value for name, value in doc.items() if name != "id"}
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        lines.append(f"{doc['id']}\t{text.replace(chr(92), chr(92) * 2)}\n")
        if len(lines) == COPY_BATCH:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)
