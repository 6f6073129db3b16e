"""The embedded engine: one JSON file in TinyDB's format, for one school and `make run`.

Each process keeps the parsed file and the key indexes built from it, and uses them while the
file is unchanged (its inode, size and modification time, which every write makes new): a read
costs no parsing and no lock. A write transaction takes the file lock at its first `lock()` or
write and holds it to its end, reads the file again then only if another process changed it,
keeps its changes aside, and at the end writes the new content to a temporary file, fsyncs it and
puts it in place with one `os.replace`: a crash never leaves half a file, and nothing of a
transaction that raised is written.

TinyDB's own API rebuilds a whole table on every insert (quadratic for a roster import) and
scans it on every query, so the engine reads and writes the documents itself; the file stays one
TinyDB can open.
"""

from __future__ import annotations

import gc
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from filelock import FileLock, Timeout

from outside.storage.migrations import LATEST, MIGRATIONS, MIGRATIONS_TABLE, tinydb_versions
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

Signature = tuple[int, int, int] | None  # inode, size, mtime in ns; None: no file yet

# From this size (some 40,000 families) the parsed file and its indexes are hundreds of thousands
# of containers, which Python's cyclic garbage collector walked at each full collection (0.4 s at
# 100,000 families, every few hundred requests) and, while parsing, at each young collection
# (tripling the parse). They hold no cycle: reference counting alone frees a version replaced.
# Not lower: at 10,000 families (8 MB) the bench's write steps were slower with it (p50 85 and
# 166 ms against 29 and 35) while reads gained nothing measurable.
UNCOLLECTED_FROM_BYTES = 32_000_000


@contextmanager
def _uncollected(signature: Signature) -> Iterator[None]:
    """What the block builds for a large file is kept out of the cyclic collector's walks:
    collections paused while it is built, then frozen (gc.freeze), after a collection first so
    no garbage of the moment is frozen with it."""
    if signature is None or signature[1] < UNCOLLECTED_FROM_BYTES:
        yield
        return
    gc.collect()  # cheap: what was frozen before is not walked
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if paused:
            gc.enable()


def _copy(value):
    """A deep copy of JSON data, several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {name: _copy(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _own_keys(spec: Table) -> tuple[tuple[str, ...], ...]:
    """The keys a transaction indexes its own writes by: its lookups' and its listing's (the
    mail queue is paged by a key nothing looks it up by)."""
    listing = (spec.listing.key,) if spec.listing else ()
    return tuple(dict.fromkeys((*spec.all_keys, *((name,) for name in spec.many), *listing)))


def _key_values(doc: dict, key: tuple[str, ...], spec: Table) -> list[tuple]:
    """The index entries of a document for one key: one, or one per element of a list field."""
    if len(key) == 1 and key[0] in spec.many:
        return [(as_key(element),) for element in doc.get(key[0]) or ()]
    values = tuple(as_key(doc.get(name)) for name in key)
    return [values]


def _kept(doc: dict, narrowing: Narrowing) -> bool:
    """Whether a document of the listing's key is on its pages (the same tests as PostgreSQL's
    query in postgres.py)."""
    return (
        all(as_key(doc.get(name)) == as_key(value) for name, value in narrowing.equal.items())
        and all(
            as_key(value) in {as_key(element) for element in doc.get(name) or ()}
            for name, value in narrowing.elements.items()
        )
        and all(str(value) in (doc.get(name) or "") for name, value in narrowing.parts.items())
    )


class _Version:
    """One content of the file, parsed, with the indexes built from it when first needed.
    Never changed once built: readers in other threads may hold it."""

    def __init__(self, signature: Signature, data: dict):
        self.signature = signature
        self.data = data  # table → {"id": document}
        self._indexes: dict[tuple[str, tuple[str, ...]], dict[tuple, list[int]]] = {}
        self._next_ids: dict[str, int] = {}

    def docs(self, name: str) -> dict:
        return self.data.get(name, {})

    def index(self, spec: Table, key: tuple[str, ...]) -> dict[tuple, list[int]]:
        found = self._indexes.get((spec.name, key))
        if found is None:
            with _uncollected(self.signature):
                found = {}
                for doc_id, doc in self.docs(spec.name).items():
                    for values in _key_values(doc, key, spec):
                        found.setdefault(values, []).append(int(doc_id))
            self._indexes[(spec.name, key)] = found
        return found

    def after(self, signature: Signature, data: dict, changes: dict) -> _Version:
        """The version a transaction's `changes` (TinyTx.changes) make of this one, as `data`:
        the indexes already built are carried over, updated where a table changed, so the
        process that wrote rebuilds none of them."""
        following = _Version(signature, data)
        for (name, key), index in list(self._indexes.items()):  # other threads may add some
            changed = changes.get(name)
            if changed:
                index = self._updated_index(table(name), key, index, changed)
            following._indexes[(name, key)] = index
        following._next_ids = {
            name: number for name, number in self._next_ids.items() if not changes.get(name)
        }
        return following

    def _updated_index(
        self, spec: Table, key: tuple[str, ...], index: dict, changed: dict[int, dict | None]
    ) -> dict[tuple, list[int]]:
        updated = dict(index)  # the lists changed are replaced, never changed in place
        for doc_id, doc in changed.items():
            before = self.docs(spec.name).get(str(doc_id))
            for values in _key_values(before, key, spec) if before is not None else ():
                remaining = [number for number in updated.get(values, ()) if number != doc_id]
                if remaining:
                    updated[values] = remaining
                else:
                    updated.pop(values, None)
            for values in _key_values(doc, key, spec) if doc is not None else ():
                updated[values] = sorted({*updated.get(values, ()), doc_id})
        return updated

    def next_id(self, name: str) -> int:
        if name not in self._next_ids:
            self._next_ids[name] = max(map(int, self.docs(name)), default=0) + 1
        return self._next_ids[name]


class TinyTx(Tx):
    def __init__(self, version: _Version, writable: bool, take_lock=None):
        self.version = version
        self.writable = writable
        # A write transaction reads the file as it was when it began, and takes the file lock
        # only at its first `lock()` or write, reading the file again then if it changed: slow
        # work before (argon2, a letter's passwords) keeps no other request waiting. As on
        # PostgreSQL, a rule's read-check-write calls `tx.lock(name)` before its read.
        self._take_lock = take_lock
        self.holding = False
        # What this transaction changed: table → {id: document, or None once deleted}, with an
        # index of its own documents, so lookups inside a long import stay cheap.
        self.changes: dict[str, dict[int, dict | None]] = {}
        self._own_index: dict[tuple[str, tuple[str, ...]], dict[tuple, set[int]]] = {}
        self._next_ids: dict[str, int] = {}

    def _writing(self) -> None:
        super()._writing()
        if not self.holding:
            self.holding = True
            self._take_lock(self)

    # Reading -----------------------------------------------------------------------------

    def get(self, table_name: str, doc_id: int) -> dict | None:
        doc = self._current(table(table_name).name, int(doc_id))
        return {**_copy(doc), "id": int(doc_id)} if doc is not None else None

    def _current(self, name: str, doc_id: int) -> dict | None:
        changed = self.changes.get(name, {})
        if doc_id in changed:
            return changed[doc_id]
        return self.version.docs(name).get(str(doc_id))

    def _find(self, spec: Table, key: tuple[str, ...], equal: dict) -> list[dict]:
        return [{**_copy(doc), "id": number} for number, doc in self._keyed(spec, key, equal)]

    def _keyed(self, spec: Table, key: tuple[str, ...], equal: dict) -> list[tuple[int, dict]]:
        """The documents of these key values, by id, as kept (not copies: never to change)."""
        wanted = tuple(as_key(equal[name]) for name in key)
        changed = self.changes.get(spec.name, {})
        ids = {
            number
            for number in self.version.index(spec, key).get(wanted, ())
            if number not in changed
        }
        ids |= self._own_index.get((spec.name, key), {}).get(wanted, set())
        return [(number, self._current(spec.name, number)) for number in sorted(ids)]

    def _find_page(
        self, spec: Table, listing: Listing, narrowing: Narrowing, offset: int, limit: int
    ) -> Slice:
        found = [
            (number, doc)
            for number, doc in self._keyed(spec, listing.key, narrowing.key)
            if _kept(doc, narrowing)
        ]
        found.sort(key=lambda pair: (*(pair[1].get(name) or "" for name in listing.order), pair[0]))
        page = found[offset : offset + limit]
        return Slice(len(found), [{**_copy(doc), "id": number} for number, doc in page])

    def _listed_elements(self, spec: Table, field: str, key: dict) -> set[str]:
        keyed = self._keyed(spec, spec.listed().key, key)
        return {as_key(element) for _, doc in keyed for element in doc.get(field) or ()}

    def latest(self, table_name: str, limit: int) -> list[dict]:
        ids = sorted(self._ids(table(table_name).name), reverse=True)[:limit]
        return [self.get(table_name, number) for number in ids]

    def scan(self, table_name: str) -> Iterator[dict]:
        name = table(table_name).name
        for number in sorted(self._ids(name)):
            yield self.get(name, number)

    def _ids(self, name: str) -> set[int]:
        changed = self.changes.get(name, {})
        ids = {int(number) for number in self.version.docs(name)}
        ids |= {number for number, doc in changed.items() if doc is not None}
        return ids - {number for number, doc in changed.items() if doc is None}

    # Writing ------------------------------------------------------------------------------

    def insert_many(self, table_name: str, docs: list[dict]) -> list[int]:
        self._writing()
        spec = table(table_name)
        ids = []
        try:
            for doc in docs:
                number = self._next_ids.get(spec.name) or self.version.next_id(spec.name)
                self._next_ids[spec.name] = number + 1
                self._put(spec, number, _copy(stored(doc)))
                ids.append(number)
        except Duplicate:
            # All or nothing, as one INSERT is on PostgreSQL: the transaction goes on without
            # the documents of the batch already kept.
            for number in ids:
                self._forget(spec, number)
            raise
        return ids

    def restore(self, table_name: str, docs: list[dict]) -> None:
        self._writing()
        spec = table(table_name)
        for doc in docs:
            self._put(spec, int(doc["id"]), _copy(stored(doc)))
        if docs:
            highest = max(int(doc["id"]) for doc in docs)
            # Past the ids restored and past those the table already has (restored into a gap).
            following = self._next_ids.get(spec.name) or self.version.next_id(spec.name)
            self._next_ids[spec.name] = max(following, highest + 1)

    def update(self, table_name: str, doc_id: int, changes: dict) -> None:
        self._writing()
        spec = table(table_name)
        current = self._current(spec.name, int(doc_id))
        if current is None:
            raise StorageError(f"{spec.name} : aucun document n° {doc_id}")
        self._put(spec, int(doc_id), {**current, **_copy(stored(changes))})

    def delete(self, table_name: str, doc_id: int) -> None:
        self._writing()
        spec = table(table_name)
        if self._current(spec.name, int(doc_id)) is not None:
            self._put(spec, int(doc_id), None)

    def next_number(self, counter: str) -> int:
        self._writing()
        found = self.find_one("compteurs", name=counter)
        if found is None:
            self.insert("compteurs", {"name": counter, "value": 1})
            return 1
        self.update("compteurs", found["id"], {"value": found["value"] + 1})
        return found["value"] + 1

    def lock(self, name: str) -> None:
        # The file lock serialises every writer: one lock stands for all names.
        self._writing()

    def purge_expired(self, table_name: str, now_ts: float) -> int:
        self._writing()
        spec = table(table_name)
        expiring(spec)
        # The only scan of a table: done by `flask db purge` and at most once in a while
        # (records/upkeep.py), never to answer a lookup.
        gone = [doc["id"] for doc in self.scan(spec.name) if doc.get(EXPIRES, now_ts) < now_ts]
        for number in gone:
            self.delete(spec.name, number)
        return len(gone)

    def _put(self, spec: Table, doc_id: int, doc: dict | None) -> None:
        """Keep a change, keeping the unique keys unique and this transaction's index."""
        if doc is not None:
            self._check_unique(spec, doc_id, doc)
        previous = self.changes.get(spec.name, {}).get(doc_id)
        for key in _own_keys(spec):
            index = self._own_index.setdefault((spec.name, key), {})
            if previous is not None:
                for values in _key_values(previous, key, spec):
                    index.get(values, set()).discard(doc_id)
            if doc is not None:
                for values in _key_values(doc, key, spec):
                    index.setdefault(values, set()).add(doc_id)
        self.changes.setdefault(spec.name, {})[doc_id] = doc

    def _forget(self, spec: Table, doc_id: int) -> None:
        """Drop the change of a document this transaction inserted (the file never had it)."""
        doc = self.changes[spec.name].pop(doc_id)
        for key in _own_keys(spec):
            index = self._own_index.get((spec.name, key), {})
            for values in _key_values(doc, key, spec):
                index.get(values, set()).discard(doc_id)

    def _check_unique(self, spec: Table, doc_id: int, doc: dict) -> None:
        for key in spec.unique:
            values = {name: doc.get(name) for name in key}
            if any(value is None for value in values.values()):
                continue
            if any(other["id"] != doc_id for other in self._find(spec, key, values)):
                raise Duplicate(f"{spec.name} : {values} existe déjà")

    def merged(self) -> dict:
        """The file's new content: the version read, with this transaction's changes."""
        data = dict(self.version.data)
        for name, changed in self.changes.items():
            docs = dict(data.get(name, {}))
            for number, doc in changed.items():
                if doc is None:
                    docs.pop(str(number), None)
                else:
                    docs[str(number)] = doc
            data[name] = docs
        return data


class TinyStore(Store):
    engine = "tinydb"

    def __init__(self, path: str | os.PathLike, lock_timeout: float = 10.0):
        super().__init__()
        self.path = Path(path)
        self._lock = FileLock(f"{self.path}.lock", timeout=lock_timeout)
        self._version: _Version | None = None
        self._parsing = threading.Lock()

    @contextmanager
    def _read(self) -> Iterator[TinyTx]:
        """A consistent read without the lock: the file is only ever replaced whole."""
        yield TinyTx(self._migrated(self._current()), writable=False)

    @contextmanager
    def _write(self, migrating: bool = False) -> Iterator[TinyTx]:
        """Read-modify-write: nothing is saved if the block raises."""
        version = self._current()
        tx = TinyTx(
            version if migrating else self._migrated(version),
            writable=True,
            take_lock=lambda tx: self._take_lock(tx, migrating),
        )
        try:
            yield tx
            if tx.changes:
                data = tx.merged()
                signature = self._replace(data, tx.version.signature)
                self._version = tx.version.after(signature, data, tx.changes)
        finally:
            if tx.holding:
                self._lock.release()

    def _take_lock(self, tx: TinyTx, migrating: bool) -> None:
        """The file lock, and the file as it is now (another process may have written)."""
        try:
            self._lock.acquire()
        except Timeout as error:
            tx.holding = False
            raise StorageError(
                f"la base {self.path} est verrouillée depuis trop longtemps"
            ) from error
        version = self._current()
        tx.version = version if migrating else self._migrated(version)
        if not version.data and not migrating:
            # A new file starts at the latest version: nothing to migrate in it.
            for migration in MIGRATIONS:
                tx.insert(MIGRATIONS_TABLE, {"version": migration.version})

    def _migrated(self, version: _Version) -> _Version:
        if version.data and LATEST not in tinydb_versions(version.data):
            raise StorageError(
                f"la base {self.path} n'est pas à jour : lancez « flask --app app db upgrade »"
            )
        return version

    def _current(self) -> _Version:
        signature = self._signature()
        version = self._version
        if version is not None and version.signature == signature:
            return version
        with self._parsing:  # one parse at a time: threads arriving together share it
            version = self._version
            if version is None or version.signature != self._signature():
                version = self._load()
                self._version = version
            return version

    def _signature(self) -> Signature:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StorageError(f"impossible de lire {self.path} : {error.strerror}") from error
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _load(self) -> _Version:
        try:
            with open(self.path, "rb") as file:
                # The signature of what is read, not of what the path shows a moment later.
                stat = os.fstat(file.fileno())
                text = file.read()
        except FileNotFoundError:
            return _Version(None, {})
        except OSError as error:
            raise StorageError(f"impossible de lire {self.path} : {error.strerror}") from error
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        try:
            with _uncollected(signature):
                data = orjson.loads(text) if text.strip() else {}
        except orjson.JSONDecodeError as error:
            raise StorageError(f"{self.path} n'est pas un fichier JSON valide") from error
        return _Version(signature, data)

    def _replace(self, data: dict, previous: Signature) -> Signature:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(orjson.dumps(data))
                file.flush()
                os.fsync(file.fileno())
            # A modification time never seen before: two writes in one tick of the file
            # system's clock, of one size, in a reused inode, must not look the same.
            moment = max(time.time_ns(), (previous[2] + 1) if previous else 0)
            os.utime(temporary, ns=(moment, moment))
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        stat = os.stat(self.path)
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)
