"""The storage keeps every write when several processes write at once, and a writer killed in
the middle of a write leaves the previous file whole."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from outside.storage import StorageError, Store

ROOT = Path(__file__).resolve().parent.parent


def write_many(path: str, writer: int, count: int) -> None:
    store = Store(path, lock_timeout=60)
    for number in range(count):
        with store.transaction() as db:
            db.table("records").insert({"writer": writer, "number": number})


def test_four_processes_writing_250_times_each_keep_1000_records(tmp_path):
    path = str(tmp_path / "db.json")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=write_many, args=(path, w, 250)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0

    records = json.loads(Path(path).read_text())["records"]
    assert len(records) == 1000
    assert len(set(records)) == 1000  # every document id is unique
    pairs = {(r["writer"], r["number"]) for r in records.values()}
    assert pairs == {(w, n) for w in range(4) for n in range(250)}


def test_threads_of_one_process_are_safe_too(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    path = str(tmp_path / "db.json")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda w: write_many(path, w, 25), range(8)))
    with Store(path).reading() as db:
        assert len(db.table("records")) == 200


SLOW_WRITER = """
import sys
from outside.storage import Store
with Store(sys.argv[1]).transaction() as db:
    db.table("records").insert({"payload": "x" * 200_000_000})
"""


def test_a_writer_killed_mid_write_leaves_the_previous_file(tmp_path):
    path = tmp_path / "db.json"
    store = Store(path)
    with store.transaction() as db:
        db.table("records").insert({"kept": True})
    before = path.read_bytes()

    writer = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(path)], cwd=ROOT, env={**os.environ}
    )
    try:
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".db.json.") for p in tmp_path.iterdir()):
            assert writer.poll() is None, "the writer finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait()

    assert writer.returncode == -signal.SIGKILL
    assert path.read_bytes() == before
    with store.reading() as db:
        assert db.table("records").all() == [{"kept": True}]
    # The lock died with the writer: the next write goes through.
    with store.transaction() as db:
        db.table("records").insert({"after": True})
    with store.reading() as db:
        assert len(db.table("records")) == 2


def test_nothing_is_saved_when_the_block_fails(tmp_path):
    store = Store(tmp_path / "db.json")
    with store.transaction() as db:
        db.table("records").insert({"n": 1})
    with pytest.raises(RuntimeError), store.transaction() as db:
        db.table("records").insert({"n": 2})
        raise RuntimeError("interrompu")
    with store.reading() as db:
        assert [r["n"] for r in db.table("records").all()] == [1]


def test_ids_follow_the_file_not_a_stale_instance(tmp_path):
    first, second = Store(tmp_path / "db.json"), Store(tmp_path / "db.json")
    with first.transaction() as db:
        db.table("records").insert({"by": "first"})
    with second.transaction() as db:
        db.table("records").insert({"by": "second"})
    with first.transaction() as db:
        assert db.table("records").insert({"by": "first"}) == 3


def test_reading_cannot_write(tmp_path):
    store = Store(tmp_path / "db.json")
    with pytest.raises(StorageError), store.reading() as db:
        db.table("records").insert({"n": 1})


def test_a_broken_file_is_reported_clearly(tmp_path):
    path = tmp_path / "db.json"
    path.write_text("{pas du json")
    with (
        pytest.raises(StorageError, match="n'est pas un fichier JSON valide"),
        Store(path).reading(),
    ):
        pass


def test_a_lock_held_too_long_is_reported_clearly(tmp_path):
    path = tmp_path / "db.json"
    holder, waiter = Store(path), Store(path, lock_timeout=0.2)
    with (
        holder.transaction(),
        pytest.raises(StorageError, match="verrouillée"),
        waiter.transaction(),
    ):
        pass
