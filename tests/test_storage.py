"""The TinyDB engine (outside/storage/tiny.py): every write is kept when several processes and
threads write at once; a writer killed in the middle of a write leaves the previous file whole;
the parsed file is reused while it is unchanged and read again once another writer changed it;
a file from before the migrations is refused until `flask db upgrade`.

These tests open TinyDB files of their own, whatever TEST_BACKEND says."""

import gc
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tinydb import TinyDB

from outside.storage import StorageError, tiny
from outside.storage.migrations import LATEST, MIGRATIONS, upgrade
from outside.storage.tiny import TinyStore
from tests.collector import keep_loaded_code_out_of_collections
from tests.processes import racers, write_many

# What a store up to date has recorded: every migration, in order.
EVERY_VERSION = [migration.version for migration in MIGRATIONS]


ROOT = Path(__file__).resolve().parent.parent


def journal(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["journal"]


# Writers at once --------------------------------------------------------------------------------


def test_four_processes_writing_250_times_each_keep_1000_records(tmp_path):
    path = tmp_path / "db.json"
    context = racers()
    writers = [context.Process(target=write_many, args=(str(path), w, 250)) for w in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0

    records = journal(path)
    assert sorted(map(int, records)) == list(range(1, 1001))  # every id given once
    pairs = {(r["writer"], r["number"]) for r in records.values()}
    assert pairs == {(w, n) for w in range(4) for n in range(250)}


def test_threads_of_one_process_are_safe_too(tmp_path):
    path = str(tmp_path / "db.json")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda w: write_many(path, w, 25), range(8)))
    with TinyStore(path).reading() as tx:
        assert [doc["id"] for doc in tx.scan("journal")] == list(range(1, 201))


def test_threads_sharing_one_store_are_safe_too(tmp_path):
    store = TinyStore(tmp_path / "db.json", lock_timeout=60)

    def write(writer: int) -> None:
        for number in range(25):
            with store.writing() as tx:
                tx.insert("journal", {"writer": writer, "number": number})
                assert tx.find("journal", uai=None)[-1]["writer"] == writer

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    with store.reading() as tx:
        docs = list(tx.scan("journal"))
    assert [doc["id"] for doc in docs] == list(range(1, 201))
    assert {(d["writer"], d["number"]) for d in docs} == {
        (w, n) for w in range(8) for n in range(25)
    }


SLOW_WRITER = """
import sys
from outside.storage.tiny import TinyStore
with TinyStore(sys.argv[1]).writing() as tx:
    tx.insert("journal", {"payload": "x" * 200_000_000})
"""


def test_a_writer_killed_mid_write_leaves_the_previous_file(tmp_path):
    path = tmp_path / "db.json"
    store = TinyStore(path)
    with store.writing() as tx:
        tx.insert("journal", {"kept": True})
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
    with TinyStore(path).reading() as tx:
        assert list(tx.scan("journal")) == [{"id": 1, "kept": True}]
    # The lock died with the writer: the next write goes through.
    with store.writing() as tx:
        tx.insert("journal", {"after": True})
    with store.reading() as tx:
        assert [doc["id"] for doc in tx.scan("journal")] == [1, 2]


def test_nothing_is_saved_when_the_block_raises(tmp_path):
    path = tmp_path / "db.json"
    store = TinyStore(path)
    with store.writing() as tx:
        tx.insert("journal", {"n": 1})
    before = path.read_bytes()
    with pytest.raises(RuntimeError), store.writing() as tx:
        tx.insert("journal", {"n": 2})
        tx.update("journal", 1, {"n": 10})
        raise RuntimeError("interrompu")
    assert path.read_bytes() == before
    with TinyStore(path).reading() as tx:
        assert list(tx.scan("journal")) == [{"id": 1, "n": 1}]
    with store.reading() as tx:
        assert list(tx.scan("journal")) == [{"id": 1, "n": 1}]


def test_ids_follow_the_file_not_a_stale_instance(tmp_path):
    first, second = TinyStore(tmp_path / "db.json"), TinyStore(tmp_path / "db.json")
    with first.writing() as tx:
        tx.insert("journal", {"by": "first"})
    with second.writing() as tx:
        tx.insert("journal", {"by": "second"})
    with first.writing() as tx:
        assert tx.insert("journal", {"by": "first"}) == 3


def test_a_write_that_changes_nothing_leaves_the_file_as_it_is(tmp_path):
    path = tmp_path / "db.json"
    store = TinyStore(path)
    with store.writing() as tx:
        tx.insert("journal", {"n": 1})
    signature = os.stat(path)
    with store.writing() as tx:
        tx.get("journal", 1)
    assert (os.stat(path).st_ino, os.stat(path).st_mtime_ns) == (
        signature.st_ino,
        signature.st_mtime_ns,
    )


def test_the_file_stays_one_tinydb_opens(tmp_path):
    path = tmp_path / "db.json"
    with TinyStore(path).writing() as tx:
        tx.insert_many("journal", [{"uai": "0691234A", "detail": "é"}, {"uai": None}])
    with TinyDB(path) as db:
        assert db.table("journal").all() == [{"uai": "0691234A", "detail": "é"}, {"uai": None}]
        assert db.table("journal").all()[1].doc_id == 2
        assert [doc["version"] for doc in db.table("migrations").all()] == EVERY_VERSION


# Errors -----------------------------------------------------------------------------------------


def test_a_broken_file_is_reported_clearly(tmp_path):
    path = tmp_path / "db.json"
    path.write_text("{pas du json")
    with (
        pytest.raises(StorageError, match="n'est pas un fichier JSON valide"),
        TinyStore(path).reading(),
    ):
        pass
    with (
        pytest.raises(StorageError, match="n'est pas un fichier JSON valide"),
        TinyStore(path).writing(),
    ):
        pass
    assert path.read_text() == "{pas du json"


def test_a_lock_held_too_long_is_reported_clearly(tmp_path):
    path = tmp_path / "db.json"
    holder, waiter = TinyStore(path), TinyStore(path, lock_timeout=0.2)
    with holder.writing() as tx:
        tx.insert("journal", {"n": 1})
        started = time.monotonic()
        with pytest.raises(StorageError, match="verrouillée"), waiter.writing() as waiting:
            waiting.insert("journal", {"n": 2})
        assert 0.2 <= time.monotonic() - started < 5
        # Reading needs no lock.
        with waiter.reading() as read:
            assert read.get("journal", 1) is None
    with waiter.reading() as read:
        assert read.get("journal", 1) == {"id": 1, "n": 1}


# The parsed file, reused ------------------------------------------------------------------------


@pytest.fixture
def parses(monkeypatch):
    """How many times a TinyStore parsed its file."""
    counted = []
    load = TinyStore._load

    def counting(self):
        counted.append(self)
        return load(self)

    monkeypatch.setattr(TinyStore, "_load", counting)
    return counted


ANOTHER_PROCESS_WRITES = """
import sys
from outside.storage.tiny import TinyStore
with TinyStore(sys.argv[1]).writing() as tx:
    tx.update("journal", 1, {"n": 3})
"""


def test_a_parsed_file_is_reused_while_it_is_unchanged(tmp_path, parses):
    path = tmp_path / "db.json"
    store = TinyStore(path)
    with store.writing() as tx:
        tx.insert("journal", {"n": 1})
    parses.clear()  # a new file was "parsed" as empty before the first write
    for _ in range(5):
        with store.reading() as tx:
            assert tx.get("journal", 1)["n"] == 1
    with store.writing() as tx:
        tx.insert("journal", {"n": 10})
    with store.reading() as tx:
        assert tx.find_one("journal", uai=None)["n"] == 1
    assert parses == []  # what this store wrote it keeps, without reading it back

    other = TinyStore(path)
    for _ in range(5):
        with other.reading() as tx:
            assert tx.get("journal", 1)["n"] == 1
    assert parses == [other]

    with other.writing() as tx:
        tx.update("journal", 1, {"n": 2})
    for _ in range(3):
        with store.reading() as tx:
            assert tx.get("journal", 1)["n"] == 2
    assert parses == [other, store]

    subprocess.run([sys.executable, "-c", ANOTHER_PROCESS_WRITES, str(path)], cwd=ROOT, check=True)
    for _ in range(3):
        with store.reading() as tx:
            assert tx.get("journal", 1)["n"] == 3
        with other.writing() as tx:
            assert tx.get("journal", 1)["n"] == 3
    assert parses == [other, store, store, other]


def test_indexes_kept_across_writes_find_what_a_fresh_parse_finds(tmp_path):
    """The process that writes updates the indexes it had built instead of rebuilding them:
    lookups then find exactly what they find in the file read afresh."""
    path = tmp_path / "db.json"
    store = TinyStore(path)
    with store.writing() as tx:
        tx.insert_many("comptes", [{"responsable_ids": [n, n + 1], "n": n} for n in range(1, 7)])
        tx.insert_many("sessions", [{"digest": f"d{n}", "account_id": n % 3} for n in range(9)])

    def lookups(tx) -> list:
        return [
            *(sorted(doc["id"] for doc in tx.find("comptes", responsable_ids=n)) for n in range(9)),
            *(sorted(doc["id"] for doc in tx.find("sessions", account_id=n)) for n in range(4)),
            *(tx.find_one("sessions", digest=f"d{n}") for n in range(10)),
        ]

    with store.reading() as tx:
        lookups(tx)  # builds the indexes in this process
    with store.writing() as tx:
        tx.update("comptes", 2, {"responsable_ids": [8]})  # a list key changed
        tx.delete("comptes", 3)
        tx.insert("comptes", {"responsable_ids": [2, 8]})
        tx.update("sessions", 1, {"account_id": 3})  # a key moved
        tx.update("sessions", 2, {"digest": "d9"})
        tx.delete("sessions", 4)
    with store.reading() as tx:
        kept = lookups(tx)
    with TinyStore(path).reading() as tx:
        assert kept == lookups(tx)
    assert kept[2] == [1, 7] and kept[8] == [2, 7]  # accounts of responsables 2 and 8


def test_threads_arriving_together_share_one_parse(tmp_path, parses):
    path = tmp_path / "db.json"
    with TinyStore(path).writing() as tx:
        tx.insert_many("journal", [{"n": n} for n in range(20_000)])
    store = TinyStore(path)
    parses.clear()

    def read(_):
        with store.reading() as tx:
            return tx.get("journal", 20_000)["n"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert set(pool.map(read, range(32))) == {19_999}
    assert parses == [store]


def test_two_writes_of_one_size_in_quick_succession_are_both_seen(tmp_path, monkeypatch):
    """A reader keeps the parsed file while its inode, size and modification time are the same.
    Two writes of one size may get the same inode back and fall in one tick of the file
    system's clock: each write sets a modification time never seen before for the file."""
    path = tmp_path / "db.json"
    writer, reader = TinyStore(path), TinyStore(path)
    with writer.writing() as tx:
        tx.insert("cles", {"name": "secret", "value": "a"})
    stopped = os.stat(path).st_mtime_ns
    monkeypatch.setattr(time, "time_ns", lambda: stopped)  # the clock does not move any more
    for turn in range(1, 21):
        value = "ab"[turn % 2]
        with writer.writing() as tx:
            tx.update("cles", 1, {"value": value})
        assert os.stat(path).st_mtime_ns == stopped + turn
        with reader.reading() as tx:
            assert tx.get("cles", 1)["value"] == value


# A file from before the migrations --------------------------------------------------------------


def old_file(path: Path) -> dict:
    """A file the service wrote before its records had keys and counters."""
    started = datetime(2026, 9, 14, 10, 0).timestamp()
    content = {
        "comptes": {
            "1": {"identifiant": "S.Lefevre1", "responsables": [1]},
            "3": {"identifiant": "k.benali1", "responsables": [2]},
        },
        "personnels": {"1": {"identifiant": "Secretariat.Concorde", "uai": "0691234A"}},
        "identifiants_utilises": {
            "1": {"identifiant": "s.lefevre1"},
            "2": {"identifiant": "s.lefevre3"},
            "3": {"identifiant": "k.benali1"},
        },
        "parcours": {
            "1": {
                "journey_id": "abc",
                "started_timestamp": started,
                "lifetime_seconds": 14_400,
            },
            "2": {"journey_id": "def", "started_timestamp": started},
        },
        "sms_envoyes": {"1": {"digest": "d1", "sent_at": "2026-09-14T10:00:00+02:00"}},
        "demandes_bourse": {
            "1": {"numero": "0691234A-2026-00012"},
            "2": {"numero": "0691234A-2026-00007"},
            "5": {"numero": "0697777B-2026-00001"},
        },
        "journal": {"1": {"uai": "0691234A", "detail": "avant"}},
    }
    path.write_text(json.dumps(content), encoding="utf-8")
    return content


def test_a_file_from_before_the_migrations_is_refused_until_upgraded(tmp_path):
    path = tmp_path / "db.json"
    old_file(path)
    before = path.read_bytes()
    store = TinyStore(path)
    for opening in (store.reading, store.writing):
        with pytest.raises(StorageError, match="n'est pas à jour") as refused, opening():
            pass
        assert "flask --app app db upgrade" in str(refused.value)
    assert path.read_bytes() == before

    assert upgrade(store) == EVERY_VERSION
    assert upgrade(store) == []
    with store.reading() as tx:
        assert tx.get("journal", 1) == {"id": 1, "uai": "0691234A", "detail": "avant"}
        assert tx.find_one("migrations", version=LATEST) is not None


def test_the_upgrade_derives_the_fields_lookups_use(tmp_path):
    path = tmp_path / "db.json"
    old_file(path)
    upgrade(TinyStore(path))
    started = datetime(2026, 9, 14, 10, 0).timestamp()
    with TinyStore(path).reading() as tx:
        assert tx.find_one("comptes", identifier_key="s.lefevre1")["id"] == 1
        assert tx.find_one("comptes", identifier_key="k.benali1")["identifier"] == "k.benali1"
        assert tx.find_one("comptes", identifier_key="k.benali1")["id"] == 3
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=2)] == [3]
        staff = tx.find_one("personnels", identifier_key="secretariat.concorde")
        assert staff["identifier"] == "Secretariat.Concorde"
        assert tx.find_one("parcours", journey_id="abc")["expires_ts"] == started + 14_400
        assert tx.find_one("parcours", journey_id="def")["expires_ts"] == started + 3_600
        sent = datetime.fromisoformat("2026-09-14T10:00:00+02:00") + timedelta(hours=24)
        assert tx.find_one("sms_envoyes", digest="d1")["expires_ts"] == sent.timestamp()
        counters = {doc["name"]: doc["value"] for doc in tx.scan("compteurs")}
    assert counters == {
        "identifiant:s.lefevre": 3,
        "identifiant:k.benali": 1,
        "demande:0691234A-2026": 12,
        "demande:0697777B-2026": 1,
    }


def test_after_the_upgrade_numbers_follow_the_old_records(tmp_path):
    path = tmp_path / "db.json"
    old_file(path)
    store = TinyStore(path)
    upgrade(store)
    with store.writing() as tx:
        assert tx.next_number("identifiant:s.lefevre") == 4
        assert tx.next_number("identifiant:k.benali") == 2
        assert tx.next_number("identifiant:m.martin") == 1
        assert tx.next_number("demande:0691234A-2026") == 13
        assert tx.insert("demandes_bourse", {"number": "0691234A-2026-00013"}) == 6
    with store.writing() as tx:
        assert tx.purge_expired("parcours", datetime(2026, 9, 14, 11, 30).timestamp()) == 1
        assert [doc["journey_id"] for doc in tx.scan("parcours")] == ["abc"]


def test_a_new_file_starts_at_the_latest_version(tmp_path):
    path = tmp_path / "db.json"
    store = TinyStore(path)
    with store.reading() as tx:
        assert list(tx.scan("journal")) == []
    assert not path.exists()  # reading writes nothing
    with store.writing() as tx:
        tx.insert("journal", {"n": 1})
    assert upgrade(store) == []
    assert [
        doc["version"] for doc in json.loads(path.read_text())["migrations"].values()
    ] == EVERY_VERSION


def test_an_empty_file_upgraded_is_at_the_latest_version(tmp_path):
    store = TinyStore(tmp_path / "db.json")
    assert upgrade(store) == EVERY_VERSION
    assert upgrade(store) == []
    with store.writing() as tx:
        assert tx.next_number("demande:0691234A-2026") == 1


@pytest.fixture
def collector_untouched():
    """The tests' process as it was: what a test froze goes back to the cyclic collector, what
    the suite froze (tests/conftest.py) is frozen again."""
    yield
    gc.unfreeze()
    keep_loaded_code_out_of_collections()


def _tracked_ids() -> set[int]:
    return {id(thing) for thing in gc.get_objects()}


def test_a_large_file_is_kept_out_of_the_cyclic_collectors_walks(
    tmp_path, monkeypatch, collector_untouched
):
    """At 100,000 families the parsed file is some 600,000 containers: each full collection
    walked them all (0.4 s, every few hundred requests), and the collections made while parsing
    tripled its time."""
    monkeypatch.setattr(tiny, "UNCOLLECTED_FROM_BYTES", 1000)
    path = tmp_path / "db.json"
    with TinyStore(path).writing() as tx:
        tx.insert_many("responsables", [{"uai": "0691500A", "listes": [n]} for n in range(50)])
    gc.collect()
    store = TinyStore(path)
    with store.reading() as tx:
        held = tx.version.docs("responsables")
        index = tx.version.index(tiny.table("responsables"), ("uai",))
    tracked = _tracked_ids()
    assert id(held) not in tracked and id(held["1"]["listes"]) not in tracked
    assert id(index) not in tracked and id(index[("0691500A",)]) not in tracked
    assert gc.isenabled()

    frozen = gc.get_freeze_count()
    del held, index, tx
    with TinyStore(path).writing() as tx:  # another process's write: the file is read again
        tx.insert("responsables", {"uai": "0691500A", "listes": []})
    with store.reading() as tx:
        assert tx.get("responsables", 51) is not None
    # The replaced version's containers are freed, not kept frozen for ever.
    assert gc.get_freeze_count() < frozen + 20


def test_a_small_file_is_left_to_the_collector(tmp_path, collector_untouched):
    path = tmp_path / "db.json"
    with TinyStore(path).writing() as tx:
        tx.insert("responsables", {"uai": "0691500A", "listes": [1]})
    store = TinyStore(path)
    with store.reading() as tx:
        held = tx.version.docs("responsables")
    assert id(held) in _tracked_ids()
