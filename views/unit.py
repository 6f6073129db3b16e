"""One request, one unit of work: the transaction a view reads and writes the records through.

A GET reads one consistent snapshot; a POST (or a GET view marked `@writes`) has one write
transaction, so every read-check-write of a rule it applies (a code's tries, a quota, a number)
is serial with every other request's. The unit is opened when first asked for and saved after
the answer is built, also when the answer is a 422 (a wrong code stays counted); it is rolled
back when the view raised or the answer is a server error.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Flask, current_app, g, got_request_exception, request

from outside.storage import StorageError, Tx

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Rollback(Exception):
    """Thrown into an open transaction to end it without saving it."""


@dataclass
class _Unit:
    manager: object  # the store's context manager, entered
    tx: Tx


def tx() -> Tx:
    """The request's unit of work."""
    unit = g.get("_unit")
    if unit is None:
        store = current_app.extensions["store"]
        manager = store.writing() if _writes() else store.reading()
        unit = _Unit(manager, manager.__enter__())
        g._unit = unit
    return unit.tx


def writes(view):
    """Marks a GET view that changes records (a callback starting a journey)."""

    @wraps(view)
    def marked(*args, **kwargs):
        g._writes = True
        return view(*args, **kwargs)

    return marked


def _writes() -> bool:
    return request.method not in SAFE_METHODS or g.get("_writes", False)


def _save(response):
    unit = g.pop("_unit", None)
    if unit is None:
        return response
    if g.get("_failed") or response.status_code >= 500:
        unit.manager.__exit__(Rollback, Rollback(), None)
        return response
    try:
        unit.manager.__exit__(None, None, None)
    except StorageError:
        current_app.logger.exception("Unit of work not saved")
        from views.errors import storage_unavailable

        return storage_unavailable()
    return response


def _mark_failed(sender, exception, **extra):
    g._failed = True


def _abandon(error):
    """An answer that never reached `_save` (an error while finishing it): nothing is kept."""
    unit = g.pop("_unit", None)
    if unit is not None:
        unit.manager.__exit__(Rollback, Rollback(), None)


def register(app: Flask) -> None:
    # Registered first, so it runs after every other after_request function.
    app.after_request(_save)
    app.teardown_request(_abandon)
    got_request_exception.connect(_mark_failed, app)
