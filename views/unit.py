"""One request, one unit of work: the transaction a view reads and writes the records through.

A GET reads one consistent snapshot; a POST (or a GET view marked `@writes`) has one write
transaction, so every read-check-write of a rule it applies (a code's tries, a quota, a number)
is serial with every other request's. The unit is opened before the view runs, so whatever asks
the store for a transaction on the way (an outbox keeping an SMS) joins it, and saved after the
answer is built, also when the answer is a 422 (a wrong code stays counted); it is rolled back
when the view raised or the answer is a server error. Static files have none.

A mail leaves only after the commit of what decided it (views/sending.py): a request that sends
one saves what it did so far first (`commit`), and goes on in a second transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, got_request_exception, request

from outside.storage import ReadOnly, StorageError, Tx

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
STATIC_BLUEPRINT = "assets"


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


def commit() -> None:
    """Save now what the request did so far: what waits for the commit (a mail) then goes, with
    no lock held, and the rest of the request gets a transaction of its own when it needs one.
    Raises StorageError when it cannot be saved: then nothing waiting is sent."""
    unit = g.pop("_unit", None)
    if unit is not None:
        unit.manager.__exit__(None, None, None)


def writes(view):
    """Marks a GET view that changes records (a callback starting a journey); placed under the
    route's decorator."""
    view.writes_records = True
    return view


def _writes() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return request.method not in SAFE_METHODS or getattr(view, "writes_records", False)


def _open() -> None:
    if request.blueprint != STATIC_BLUEPRINT:
        tx()


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
    app.before_request(_open)
    app.after_request(_save)
    app.teardown_request(_abandon)
    got_request_exception.connect(_mark_failed, app)


def write_apart(work: Callable[[Tx], dict | None]) -> dict | None:
    """`work` in a write transaction: the request's unit of work if it is still open and
    writes (what `work` writes is then saved with it), else one of its own (the server-side
    session, views/sessions.py, written by a request that only reads)."""
    store = current_app.extensions["store"]
    try:
        with store.writing() as tx:
            return work(tx)
    except ReadOnly:
        # A read-only unit of work is still open in this thread, and a thread's transactions
        # join it: `work` is done from another thread, in a transaction of its own.
        return _in_other_thread(store, work)


def _in_other_thread(store, work: Callable[[Tx], dict | None]) -> dict | None:
    outcome: dict = {}

    def run() -> None:
        try:
            with store.writing() as tx:
                outcome["value"] = work(tx)
        except BaseException as error:  # handed back to the request's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name="write-apart")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
