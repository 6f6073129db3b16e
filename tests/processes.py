"""What the tests run in processes of their own, racing each other. Spawned, a process imports
the module of what it runs: this one imports only the store and the records, where the test
modules' imports (the demo roster, with the commands and the views; tests/test_accounts.py's
hash, made at import at the production cost outside pytest) took most of each process's time.
What each process reads before racing is read by the test and handed over."""

import contextlib
from datetime import datetime

from outside.storage import is_url, open_store
from outside.storage.migrations import upgrade
from outside.storage.tiny import TinyStore
from records.accounts import create_account
from records.bourse_requests import AlreadyRequested, submit


def create_durand(location: str, responsable_id: int, now: datetime, start) -> None:
    start.wait()
    with open_store(location).writing() as tx:
        create_account(
            tx,
            [responsable_id],
            "Marc",
            "Durand",
            f"+336{responsable_id:08d}",
            None,
            "franceconnect",
            now,
        )


def submit_in_process(database: str, request: tuple, start) -> None:
    """`request`: submit's arguments after its transaction (account, pupil, data, token, now)."""
    start.wait()
    # The test's database as another server process opens it (waiting long for TinyDB's file
    # lock: seven processes write at once).
    store = open_store(database) if is_url(database) else TinyStore(database, lock_timeout=60)
    try:
        # Whichever of a pupil's journeys comes first wins; the others are told it exists.
        with contextlib.suppress(AlreadyRequested), store.writing() as tx:
            submit(tx, *request)
    finally:
        store.close()


def upgrade_from_another_process(url: str, queue, start) -> None:
    store = open_store(url)
    start.wait(timeout=120)  # every process ready: the upgrades start at the same moment
    try:
        queue.put(upgrade(store))
    except Exception as error:
        queue.put(repr(error))
    store.close()
