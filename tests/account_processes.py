"""What tests/test_accounts.py runs in processes of their own. Spawned, a process imports the
module of what it runs: this one imports only the store and the accounts' records, where the
test module's imports (the demo roster, with the commands and the views) and its hash made at
import, at the production cost outside pytest, took most of each process's time."""

from datetime import datetime

from outside.storage import open_store
from records.accounts import create_account


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
