"""TinyDB made safe across threads and processes.

TinyDB alone caches the next document id per instance and rewrites its file in place, so two
writers lose each other's records and a crash can leave half a file. Here every change runs as a
transaction: the file lock is held, the file is read fresh inside it, all writes stay in memory,
and the new content replaces the old file atomically when the block ends without error.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from tinydb import TinyDB
from tinydb.storages import Storage


class StorageError(Exception):
    """The database file cannot be used (locked too long, unreadable, not JSON)."""


class _Snapshot(Storage):
    """A TinyDB storage holding one read of the file in memory; writes only mark it changed."""

    def __init__(self, data: dict, writable: bool):
        self.data = data
        self.writable = writable
        self.changed = False

    def read(self) -> dict:
        return self.data

    def write(self, data: dict) -> None:
        if not self.writable:
            raise StorageError("écriture hors d'une transaction")
        self.data = data
        self.changed = True


class Store:
    def __init__(self, path: str | os.PathLike, lock_timeout: float = 10.0):
        self.path = Path(path)
        self._lock = FileLock(f"{self.path}.lock", timeout=lock_timeout)

    @contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """Read-modify-write: nothing is saved if the block raises."""
        try:
            with self._lock:
                snapshot = _Snapshot(self._load(), writable=True)
                yield TinyDB(storage=lambda: snapshot)
                if snapshot.changed:
                    self._replace(snapshot.data)
        except Timeout as error:
            raise StorageError(
                f"la base {self.path} est verrouillée depuis trop longtemps"
            ) from error

    @contextmanager
    def reading(self) -> Iterator[TinyDB]:
        """A consistent read without the lock: the file is only ever replaced whole."""
        yield TinyDB(storage=lambda: _Snapshot(self._load(), writable=False))

    def _load(self) -> dict:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StorageError(f"impossible de lire {self.path} : {error.strerror}") from error
        try:
            return json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as error:
            raise StorageError(f"{self.path} n'est pas un fichier JSON valide") from error

    def _replace(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file, ensure_ascii=False, separators=(",", ":"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
