"""What the tests run in processes of their own, racing each other. A process imports the
module of what it runs: this one imports only the store and the records, where the test
modules' imports (the demo roster, with the commands and the views; tests/test_accounts.py's
hash, made at import at the production cost outside pytest) took most of each process's time.
What each process reads before racing is read by the test and handed over."""

import contextlib
import multiprocessing
import time
from datetime import datetime

from outside.storage import is_url, open_store
from outside.storage.migrations import upgrade
from outside.storage.tiny import TinyStore
from outside.storage.tx import Store
from records.accounts import create_account
from records.bourse_requests import AlreadyRequested, submit
from records.journeys import load, save


def racers() -> multiprocessing.context.BaseContext:
    """Where the racing processes start: forked from a fork server that imported this module
    and both engines once, so each inherits nothing of the test process (no thread, connection
    or open file) and imports nothing again. Each process spawned afresh spent ~0.1 s of CPU
    starting Python and importing them (~0.3 s with psycopg), dozens of them a run."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "outside.storage.postgres"])
    return context


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


def guess(store: Store, journey: str) -> bool:
    """A wrong code, as the code step checks it: read the tries under the journey's lock,
    count one, save; True if it was counted."""
    with store.writing() as tx:
        state = load(tx, journey)
        if state["tries"] >= 3:
            return False
        # Time for every other guess to read the same count, were the journey not locked.
        time.sleep(0.01)
        save(tx, journey, {**state, "tries": state["tries"] + 1})
        return True


def guess_in_process(location: str, journey: str, start_event, counted) -> None:
    start_event.wait()
    if guess(open_store(location), journey):
        with counted.get_lock():
            counted.value += 1


def take_numbers(location: str, queue, count: int) -> None:
    store = open_store(location)
    numbers = []
    for _ in range(count):
        with store.writing() as tx:
            numbers.append(tx.next_number("demande:0691234A-2026"))
    store.close()
    queue.put(numbers)


def add_under_lock(location: str, queue, count: int) -> None:
    """A read-check-write a rule would do (a quota): read the total, wait, write it plus one."""
    store = open_store(location)
    for _ in range(count):
        with store.writing() as tx:
            tx.lock("compteur:test")
            doc = tx.find_one("cles", name="total")
            time.sleep(0.002)  # room for another process to read the same total, were it free
            tx.update("cles", doc["id"], {"value": doc["value"] + 1})
    store.close()
    queue.put(count)


def write_many(path: str, writer: int, count: int) -> None:
    store = TinyStore(path, lock_timeout=60)
    for number in range(count):
        with store.writing() as tx:
            tx.insert("journal", {"writer": writer, "number": number})
