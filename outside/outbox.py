"""The local default for messages that would leave the service: they are kept in a table of the
database, newest last, and shown on the development pages."""

from __future__ import annotations

from outside.storage import Store
from rules.clock import Clock


class Outbox:
    def __init__(self, store: Store, clock: Clock, table: str):
        self.store = store
        self.clock = clock
        self.table = table

    def keep(self, **message: str) -> None:
        with self.store.transaction() as db:
            db.table(self.table).insert({**message, "sent_at": self.clock.now().isoformat()})

    def newest_first(self) -> list[dict]:
        with self.store.reading() as db:
            return list(reversed(db.table(self.table).all()))
