"""A unit of work: what `records/` reads and writes through, on either engine.

Documents are plain dicts; those read carry their table's "id". Lookups name a declared key
(outside/storage/schema.py). A read transaction refuses writes; a write transaction is saved
whole when its block ends without error, and not at all otherwise.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from outside.storage.schema import EXPIRES, Listing, Table, table


class StorageError(Exception):
    """The database cannot be used (locked too long, unreadable, not migrated…)."""


class Duplicate(StorageError):
    """A write would give two records one value of a unique key."""


class ReadOnly(RuntimeError):
    """A write inside a read transaction: a programming error."""


@dataclass(frozen=True)
class Slice:
    """One page of a listing: the documents at the offset asked for, and how many match."""

    total: int
    docs: list[dict]


@dataclass(frozen=True)
class Narrowing:
    """What a page of a listing keeps (schema.Listing): the key's values, then a value per
    `equal` field, an element per list field (`elements`), a part per text field (`parts`)."""

    key: dict
    equal: dict
    elements: dict
    parts: dict


class Tx(ABC):
    writable: bool

    # Reading -----------------------------------------------------------------------------

    @abstractmethod
    def get(self, table_name: str, doc_id: int) -> dict | None:
        """The document with this id, or None."""

    def find(self, table_name: str, **equal) -> list[dict]:
        """The documents whose declared key has these values, by id."""
        spec = table(table_name)
        return self._find(spec, spec.key(equal), equal)

    def find_one(self, table_name: str, **equal) -> dict | None:
        found = self.find(table_name, **equal)
        return found[0] if found else None

    def find_any(self, table_name: str, field: str, values: Iterable) -> list[dict]:
        """The documents whose one-field key `field` has any of these values, by id."""
        spec = table(table_name)
        key = spec.key([field])
        seen: dict[int, dict] = {}
        for value in dict.fromkeys(values):
            for doc in self._find(spec, key, {field: value}):
                seen.setdefault(doc["id"], doc)
        return [seen[number] for number in sorted(seen)]

    @abstractmethod
    def _find(self, spec: Table, key: tuple[str, ...], equal: dict) -> list[dict]: ...

    def find_page(
        self,
        table_name: str,
        key: dict,
        offset: int,
        limit: int,
        equal: dict | None = None,
        elements: dict | None = None,
        parts: dict | None = None,
    ) -> Slice:
        """`limit` documents of the table's listing from `offset`, in its order, with the
        count of all those matching (past the last, no documents and the count)."""
        spec = table(table_name)
        listing = spec.listed()
        filters = {"equal": equal or {}, "elements": elements or {}, "parts": parts or {}}
        listing.check(spec.name, key, filters)
        narrowing = Narrowing(key, **filters)
        return self._find_page(spec, listing, narrowing, max(0, offset), max(0, limit))

    @abstractmethod
    def _find_page(
        self, spec: Table, listing: Listing, narrowing: Narrowing, offset: int, limit: int
    ) -> Slice: ...

    def listed_elements(self, table_name: str, field: str, key: dict) -> set[str]:
        """Every element of a listing's list field among the documents of this key."""
        spec = table(table_name)
        spec.listed().check(spec.name, key, {"elements": {field: None}})
        return self._listed_elements(spec, field, key)

    @abstractmethod
    def _listed_elements(self, spec: Table, field: str, key: dict) -> set[str]: ...

    @abstractmethod
    def latest(self, table_name: str, limit: int) -> list[dict]:
        """The last `limit` documents written to the table, newest first (outboxes)."""

    @abstractmethod
    def scan(self, table_name: str) -> Iterator[dict]:
        """Every document: for commands (copy, purge of files), never on a request path."""

    # Writing ------------------------------------------------------------------------------

    def insert(self, table_name: str, doc: dict) -> int:
        return self.insert_many(table_name, [doc])[0]

    @abstractmethod
    def insert_many(self, table_name: str, docs: list[dict]) -> list[int]: ...

    @abstractmethod
    def restore(self, table_name: str, docs: list[dict]) -> None:
        """Insert documents with the ids they had in another store (`flask db copy`)."""

    @abstractmethod
    def update(self, table_name: str, doc_id: int, changes: dict) -> None:
        """Replace these top-level fields of the document (others kept)."""

    @abstractmethod
    def delete(self, table_name: str, doc_id: int) -> None: ...

    @abstractmethod
    def next_number(self, counter: str) -> int:
        """1, then 2, 3…: never the same number twice for one counter, in any process."""

    @abstractmethod
    def lock(self, name: str) -> None:
        """Serialise this rule's read-check-write with every other transaction taking the same
        name until this one ends (a phone's SMS quota, a journey's code tries)."""

    @abstractmethod
    def purge_expired(self, table_name: str, now_ts: float) -> int:
        """Delete the table's records whose "expires_ts" is past; returns how many."""

    def _writing(self) -> None:
        if not self.writable:
            raise ReadOnly("écriture dans une transaction de lecture")


def stored(doc: dict) -> dict:
    """The document as kept: its id lives outside it."""
    return {name: value for name, value in doc.items() if name != "id"}


def expiring(spec: Table) -> None:
    if not spec.expires:
        raise StorageError(f"{spec.name} : pas de champ {EXPIRES} déclaré")


class Store(ABC):
    """An engine's store. A transaction asked for while another is open in the same thread
    joins it (its writes are saved with it): a request's unit of work holds everything done
    while answering, whoever asks for the store on the way."""

    engine: str

    def __init__(self):
        self._local = threading.local()

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        active = getattr(self._local, "tx", None)
        if active is not None:
            yield active
            return
        with self._read() as tx, self._active(tx):
            yield tx

    @contextmanager
    def writing(self, **options) -> Iterator[Tx]:
        active = getattr(self._local, "tx", None)
        if active is not None:
            active._writing()
            yield active
            return
        waiting: list[Callable[[], None]] = []
        self._local.after_commit = waiting
        try:
            with self._write(**options) as tx, self._active(tx):
                yield tx
        finally:
            self._local.after_commit = None
        # Saved, and its locks let go: what waited for the commit (a mail) may take its time.
        for work in waiting:
            work()

    def after_commit(self, work: Callable[[], None]) -> None:
        """`work` once this thread's write transaction is saved, with no transaction open (at
        once when no write transaction is); forgotten if it is rolled back. For what must not
        leave with a change that may not be kept, nor hold its locks while it goes: a mail."""
        active = getattr(self._local, "tx", None)
        if active is None or not active.writable:
            work()
            return
        self._local.after_commit.append(work)

    def holding(self) -> bool:
        """Whether this thread has a transaction open."""
        return getattr(self._local, "tx", None) is not None

    @contextmanager
    def _active(self, tx: Tx) -> Iterator[None]:
        self._local.tx = tx
        try:
            yield
        finally:
            self._local.tx = None

    @abstractmethod
    def _read(self): ...

    @abstractmethod
    def _write(self, **options): ...

    def close(self) -> None:  # noqa: B027 - TinyDB holds nothing between transactions
        """Let go of what the engine holds between transactions."""
