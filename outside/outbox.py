"""The local default for messages that would leave the service: they are kept in a table of the
database and shown on the development pages, newest first."""

from __future__ import annotations

from outside.storage.tx import Store, stored
from rules.clock import Clock

# What the development pages show: the newest messages, read by id without a table scan.
SHOWN = 200


class Outbox:
    def __init__(self, store: Store, clock: Clock, table: str):
        self.store = store
        self.clock = clock
        self.table = table

    def keep(self, **message) -> None:
        # Joins the request's unit of work when one is open in this thread: a message "sent"
        # by a request that is rolled back is not kept either.
        with self.store.writing() as tx:
            tx.insert(self.table, {**message, "sent_at": self.clock.now().isoformat()})

    def newest_first(self, limit: int = SHOWN) -> list[dict]:
        """The last `limit` messages, as they were kept (without their table's id)."""
        with self.store.reading() as tx:
            return [stored(message) for message in tx.latest(self.table, limit)]
