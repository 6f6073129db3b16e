"""Where the records live: one small interface, a unit of work (`Tx`, outside/storage/tx.py),
over two engines: a TinyDB file by default (one school, `make run`), PostgreSQL when DATABASE is
a `postgresql://` URL. `records/` is written once against `Tx`."""

from __future__ import annotations

from outside.storage.schema import UndeclaredKey
from outside.storage.tx import Duplicate, ReadOnly, StorageError, Tx

__all__ = ["Duplicate", "ReadOnly", "StorageError", "Tx", "UndeclaredKey", "is_url", "open_store"]


def is_url(location: str) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def open_store(location: str, pool_size: int = 10):
    """The store of this DATABASE setting: a PostgreSQL URL, or the path of a TinyDB file."""
    if is_url(location):
        from outside.storage.postgres import PostgresStore

        return PostgresStore(str(location), pool_size)
    from outside.storage.tiny import TinyStore

    return TinyStore(location)
