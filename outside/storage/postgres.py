"""The engine beyond one school: PostgreSQL through psycopg 3 and a pool of connections per
process, chosen by `DATABASE=postgresql://…`.

Each table of outside/storage/schema.py is `(id bigint identity, doc jsonb)`, with an expression
index per declared key (created by the migrations). A write transaction runs at READ COMMITTED;
a rule's read-check-write takes `tx.lock(name)`, a transaction-scoped advisory lock, so it is
serial for one phone, one journey or one account and free for all others. A read transaction is
a REPEATABLE READ snapshot, read only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import orjson
import psycopg
from psycopg import IsolationLevel, sql
from psycopg.types.json import Jsonb, set_json_loads
from psycopg_pool import ConnectionPool, PoolTimeout

from outside.storage.schema import EXPIRES, Listing, Table, as_key, table
from outside.storage.tx import (
    Duplicate,
    Narrowing,
    Slice,
    StorageError,
    Store,
    Tx,
    expiring,
    stored,
)

_pools: dict[tuple[int, str], ConnectionPool] = {}
_pools_lock = threading.Lock()


def pool_for(url: str, max_size: int) -> ConnectionPool:
    """One pool per process and database: made after a fork (gunicorn workers), never shared
    with the parent."""
    key = (os.getpid(), url)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            # JIT compilation pays off for long analytic queries, never for key lookups: the
            # planner's guess on a jsonb list key once spent 90 of a query's 134 ms compiling.
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=max_size,
                timeout=10,
                open=True,
                name="teleservices",
                kwargs={"options": "-c jit=off"},
                configure=_configure,
            )
            _pools[key] = pool
        return pool


def _configure(connection: psycopg.Connection) -> None:
    # A back-office page reads a school's 1,500 documents: orjson parses them 3 times faster.
    set_json_loads(orjson.loads, connection)


def _begin_as(connection: psycopg.Connection, reading: bool) -> None:
    """How the connection's next transaction begins, set on every checkout (a pooled connection
    keeps it): a read is a REPEATABLE READ snapshot, read only; any other transaction runs at
    the server's READ COMMITTED. psycopg says it in the BEGIN itself: a `SET TRANSACTION` after
    it cost every read one more round trip to the server."""
    connection.isolation_level = IsolationLevel.REPEATABLE_READ if reading else None
    connection.read_only = reading


def close_pools() -> None:
    with _pools_lock:
        for key in [key for key in _pools if key[0] == os.getpid()]:
            _pools.pop(key).close()


def _field(name: str) -> sql.Composable:
    return sql.SQL("(doc->>{})").format(sql.Literal(name))


def _elements(name: str) -> sql.Composable:
    """A list field's elements as text, as its index holds them (migration 1)."""
    return sql.SQL("teleservices_elements(doc->{})").format(sql.Literal(name))


def _ordered(name: str) -> sql.Composable:
    """A listing's order field, compared code point by code point as Python compares (the
    database's collation would put "é" or a capital elsewhere), as its index holds it."""
    return sql.SQL('{} COLLATE "C"').format(_field(name))


def _narrowed(narrowing: Narrowing) -> tuple[sql.Composable, list]:
    """The WHERE of a listing's page and count (the same tests as tiny.py's `_kept`)."""
    conditions, params = [], []
    for name, value in {**narrowing.key, **narrowing.equal}.items():
        conditions.append(sql.SQL("{} = %s").format(_field(name)))
        params.append(as_key(value))
    for name, value in narrowing.elements.items():
        conditions.append(sql.SQL("{} @> %s::text[]").format(_elements(name)))
        params.append([as_key(value)])
    for name, value in narrowing.parts.items():
        conditions.append(sql.SQL("strpos({}, %s) > 0").format(_field(name)))
        params.append(str(value))
    return sql.SQL(" AND ").join(conditions), params


def _by_id(cursor) -> list[dict]:
    """Sorted here, not by ORDER BY id: for a lookup of many values the planner would walk the
    primary key over the whole table rather than use the key's index."""
    return sorted((_doc(row) for row in cursor), key=lambda doc: doc["id"])


def _doc(row) -> dict:
    doc_id, doc = row
    return {**doc, "id": doc_id}


class PgTx(Tx):
    def __init__(self, connection: psycopg.Connection, writable: bool):
        self.connection = connection
        self.writable = writable

    def _run(self, query, params=()) -> psycopg.Cursor:
        try:
            return self.connection.execute(query, params)
        except psycopg.errors.UniqueViolation as error:
            raise Duplicate(str(error.diag.message_detail or error)) from error

    # Reading -----------------------------------------------------------------------------

    def get(self, table_name: str, doc_id: int) -> dict | None:
        query = sql.SQL("SELECT id, doc FROM {} WHERE id = %s").format(
            sql.Identifier(table(table_name).name)
        )
        row = self._run(query, (int(doc_id),)).fetchone()
        return _doc(row) if row else None

    def _find(self, spec: Table, key: tuple[str, ...], equal: dict) -> list[dict]:
        conditions, params = [], []
        for name in key:
            value = equal[name]
            if name in spec.many:
                conditions.append(sql.SQL("{} @> %s::text[]").format(_elements(name)))
                params.append([as_key(value)])
            elif value is None:
                conditions.append(sql.SQL("{} IS NULL").format(_field(name)))
            else:
                conditions.append(sql.SQL("{} = %s").format(_field(name)))
                params.append(as_key(value))
        query = sql.SQL("SELECT id, doc FROM {} WHERE {}").format(
            sql.Identifier(spec.name), sql.SQL(" AND ").join(conditions)
        )
        return _by_id(self._run(query, params))

    def find_any(self, table_name: str, field: str, values) -> list[dict]:
        spec = table(table_name)
        spec.key([field])
        if field in spec.many:
            return self._find_any_element(spec, field, values)
        # One query for all the values (a roster's pupils), not one per value.
        wanted = list(dict.fromkeys(values))
        texts = [as_key(value) for value in wanted if value is not None]
        condition = sql.SQL("{} = ANY(%s)").format(_field(field))
        if None in wanted:  # None is "no value", as in find()
            condition = sql.SQL("({} OR {} IS NULL)").format(condition, _field(field))
        query = sql.SQL("SELECT id, doc FROM {} WHERE {}").format(
            sql.Identifier(spec.name), condition
        )
        return _by_id(self._run(query, (texts,)))

    def _find_any_element(self, spec: Table, field: str, values) -> list[dict]:
        """Documents whose list field holds any of the values (a school's 600 responsables →
        their accounts): one index lookup per value, in one query. Asked for all the values at
        once (`&&`), the planner guesses most rows match and reads the whole table."""
        texts = [as_key(value) for value in dict.fromkeys(values) if value is not None]
        query = sql.SQL(
            "SELECT DISTINCT ON (found.id) found.id, found.doc "
            "FROM unnest(%s::text[]) AS wanted(value) CROSS JOIN LATERAL "
            "(SELECT id, doc FROM {} WHERE {} @> ARRAY[wanted.value]) AS found"
        ).format(sql.Identifier(spec.name), _elements(field))
        return _by_id(self._run(query, (texts,)))

    def _find_page(
        self, spec: Table, listing: Listing, narrowing: Narrowing, offset: int, limit: int
    ) -> Slice:
        """A count, then one page walked in the order of the listing's index (key, order,
        id): the documents before the offset are skipped in the index, never sent."""
        where, params = _narrowed(narrowing)
        name = sql.Identifier(spec.name)
        count = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(name, where)
        total = self._run(count, params).fetchone()[0]
        if offset >= total:
            return Slice(total, [])
        order = sql.SQL(", ").join([*(_ordered(field) for field in listing.order), sql.SQL("id")])
        query = sql.SQL("SELECT id, doc FROM {} WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(
            name, where, order
        )
        return Slice(total, [_doc(row) for row in self._run(query, [*params, limit, offset])])

    def _listed_elements(self, spec: Table, field: str, key: dict) -> set[str]:
        where, params = _narrowed(Narrowing(key, {}, {}, {}))
        # jsonb's own function: three times faster here than teleservices_elements' subquery.
        query = sql.SQL(
            "SELECT DISTINCT element FROM {}, jsonb_array_elements_text(CASE WHEN "
            "jsonb_typeof(doc->{}) = 'array' THEN doc->{} END) AS element WHERE {}"
        ).format(sql.Identifier(spec.name), sql.Literal(field), sql.Literal(field), where)
        return {row[0] for row in self._run(query, params)}

    def latest(self, table_name: str, limit: int) -> list[dict]:
        query = sql.SQL("SELECT id, doc FROM {} ORDER BY id DESC LIMIT %s").format(
            sql.Identifier(table(table_name).name)
        )
        return [_doc(row) for row in self._run(query, (limit,))]

    def scan(self, table_name: str) -> Iterator[dict]:
        query = sql.SQL("SELECT id, doc FROM {} ORDER BY id").format(
            sql.Identifier(table(table_name).name)
        )
        with self.connection.cursor(name=f"scan_{table_name}") as cursor:
            cursor.execute(query)
            for row in cursor:
                yield _doc(row)

    # Writing ------------------------------------------------------------------------------

    def insert(self, table_name: str, doc: dict) -> int:
        """One document: a duplicate is told by the row not inserted, without the savepoint a
        batch needs (two round trips fewer for every session, journey or account made)."""
        self._writing()
        spec = table(table_name)
        query = sql.SQL("INSERT INTO {} (doc) VALUES (%s) ON CONFLICT DO NOTHING RETURNING id")
        row = self._run(query.format(sql.Identifier(spec.name)), (Jsonb(stored(doc)),)).fetchone()
        if row is None:
            taken = {name: doc.get(name) for key in spec.unique for name in key}
            raise Duplicate(f"{spec.name} : {taken} existe déjà")
        return row[0]

    def insert_many(self, table_name: str, docs: list[dict]) -> list[int]:
        self._writing()
        if not docs:
            return []
        spec = table(table_name)
        query = sql.SQL("INSERT INTO {} (doc) VALUES (%s) RETURNING id").format(
            sql.Identifier(spec.name)
        )
        ids = []
        with self._guarded(spec), self.connection.cursor() as cursor:
            try:
                cursor.executemany(query, [(Jsonb(stored(doc)),) for doc in docs], returning=True)
            except psycopg.errors.UniqueViolation as error:
                raise Duplicate(str(error.diag.message_detail or error)) from error
            while True:
                ids.append(cursor.fetchone()[0])
                if not cursor.nextset():
                    break
        return ids

    def restore(self, table_name: str, docs: list[dict]) -> None:
        """Insert documents with the ids they had elsewhere (`flask db copy`)."""
        self._writing()
        if not docs:
            return  # the identity left as it is: a table copied empty numbers from 1
        spec = table(table_name)
        name = sql.Identifier(spec.name)
        query = sql.SQL("INSERT INTO {} (id, doc) OVERRIDING SYSTEM VALUE VALUES (%s, %s)")
        with self.connection.cursor() as cursor:
            cursor.executemany(
                query.format(name), [(doc["id"], Jsonb(stored(doc))) for doc in docs]
            )
        self._run(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({}, 'id'), "
                "GREATEST((SELECT max(id) FROM {}), 1))"
            ).format(sql.Literal(spec.name), name)
        )

    def update(self, table_name: str, doc_id: int, changes: dict) -> None:
        self._writing()
        spec = table(table_name)
        query = sql.SQL("UPDATE {} SET doc = doc || %s WHERE id = %s").format(
            sql.Identifier(spec.name)
        )
        with self._guarded(spec, changes):
            if self._run(query, (Jsonb(stored(changes)), int(doc_id))).rowcount != 1:
                raise StorageError(f"{spec.name} : aucun document n° {doc_id}")

    def delete(self, table_name: str, doc_id: int) -> None:
        self._writing()
        query = sql.SQL("DELETE FROM {} WHERE id = %s").format(
            sql.Identifier(table(table_name).name)
        )
        self._run(query, (int(doc_id),))

    def next_number(self, counter: str) -> int:
        self._writing()
        query = """
            INSERT INTO compteurs (doc) VALUES (jsonb_build_object('name', %s::text, 'value', 1))
            ON CONFLICT ((doc->>'name')) DO UPDATE SET doc = jsonb_set(
                compteurs.doc, '{value}', to_jsonb((compteurs.doc->>'value')::bigint + 1))
            RETURNING (doc->>'value')::bigint
        """
        return self._run(query, (counter,)).fetchone()[0]

    def lock(self, name: str) -> None:
        self._writing()
        self._run("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (name,))

    def purge_expired(self, table_name: str, now_ts: float) -> int:
        self._writing()
        spec = table(table_name)
        expiring(spec)
        query = sql.SQL("DELETE FROM {} WHERE (doc->>{})::float8 < %s").format(
            sql.Identifier(spec.name), sql.Literal(EXPIRES)
        )
        return self._run(query, (now_ts,)).rowcount

    @contextmanager
    def _guarded(self, spec: Table, fields: Iterable[str] | None = None):
        """A savepoint around a write that may break a unique key: the transaction stays
        usable after a Duplicate, as it does on TinyDB. A write of these fields only (an
        update) that touches no unique key's field cannot break one: it goes without (a
        savepoint costs two round trips, most updates change a counter or a state)."""
        unique_fields = {name for key in spec.unique for name in key}
        if unique_fields.isdisjoint(unique_fields if fields is None else fields):
            yield
            return
        try:
            with self.connection.transaction():
                yield
        except psycopg.errors.UniqueViolation as error:
            raise Duplicate(str(error.diag.message_detail or error)) from error


class PostgresStore(Store):
    engine = "postgresql"

    def __init__(self, url: str, pool_size: int = 10):
        super().__init__()
        self.url = url
        self.pool_size = pool_size
        self._checked = False

    @contextmanager
    def _read(self) -> Iterator[PgTx]:
        with self._connection(reading=True) as connection:
            yield PgTx(connection, writable=False)

    @contextmanager
    def _write(self) -> Iterator[PgTx]:
        # An explicit transaction: the savepoints of `_guarded` nest in it. Without it, a first
        # write guarded by a savepoint would BEGIN and COMMIT a transaction of its own, kept
        # even if the block raised afterwards.
        with self._connection() as connection, connection.transaction():
            yield PgTx(connection, writable=True)

    @contextmanager
    def _connection(
        self, check: bool = True, reading: bool = False
    ) -> Iterator[psycopg.Connection]:
        try:
            pool = pool_for(self.url, self.pool_size)
            with pool.connection() as connection:
                _begin_as(connection, reading)
                if check and not self._checked:
                    self._check_schema(connection)
                yield connection
        except PoolTimeout as error:
            raise StorageError("la base PostgreSQL ne répond pas (connexions épuisées)") from error
        except psycopg.OperationalError as error:
            raise StorageError(f"la base PostgreSQL est injoignable : {error}") from error

    def _check_schema(self, connection: psycopg.Connection) -> None:
        from outside.storage.migrations import LATEST, applied_postgresql

        if max(applied_postgresql(connection), default=0) != LATEST:
            connection.rollback()
            raise StorageError(
                "la base PostgreSQL n'est pas à jour : lancez « flask --app app db upgrade »"
            )
        # Ended by a COMMIT, not a ROLLBACK, though it only read: psycopg forgets the
        # connection's prepared statements after a ROLLBACK (the tests' new store for each test
        # made every query planned afresh).
        connection.commit()
        self._checked = True

    @contextmanager
    def administering(self) -> Iterator[psycopg.Connection]:
        """A connection for the migrations, before the schema is there."""
        with self._connection(check=False) as connection:
            yield connection

    def close(self) -> None:
        close_pools()
