"""Where the documents parents upload (the tax notice of the manual path, journeys §7) are kept:
one interface, `FileStore`, with a local default, `FolderFileStore`, writing into a folder
outside the web root (setting UPLOAD_FOLDER, by default `pieces/` beside the database). Files
are named by a random key, never by what the parent called them, so no name can reach another
path or be guessed; a cloud or document-management connector would offer the same three
methods."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable

KEY_BYTES = 24


class UnknownFile(LookupError):
    """No file under this key."""


@runtime_checkable
class FileStore(Protocol):
    def save(self, data: bytes) -> str:
        """Keep `data`; returns its key."""
        ...

    def read(self, key: str) -> bytes:
        """The file's bytes, or UnknownFile."""
        ...

    def delete(self, key: str) -> None:
        """Forget the file; nothing happens when it is already gone."""
        ...

    def keys_older_than(self, age: timedelta) -> list[str]:
        """The keys of the files kept for longer than `age`."""
        ...


class FolderFileStore:
    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        # Only keys this store made: URL-safe characters, so never "/" nor "..".
        if not key or not all(char.isalnum() or char in "-_" for char in key):
            raise UnknownFile(key)
        return self.folder / key

    def save(self, data: bytes) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(KEY_BYTES)
        # Written whole then renamed, as the database is: never half a file under a key.
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".envoi-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise UnknownFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys_older_than(self, age: timedelta) -> list[str]:
        if not self.folder.is_dir():
            return []
        before = time.time() - age.total_seconds()
        return sorted(
            path.name
            for path in self.folder.iterdir()
            if not path.name.startswith(".") and path.stat().st_mtime < before
        )
