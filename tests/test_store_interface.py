"""The unit-of-work interface (`Tx`), the same on both engines: the tests run on the engine
TEST_BACKEND chooses (a TinyDB file by default, PostgreSQL with TEST_BACKEND=postgresql)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from outside.storage import Duplicate, ReadOnly, StorageError, UndeclaredKey
from outside.storage.postgres import PostgresStore
from tests import backends
from tests.processes import add_under_lock, racers, take_numbers

# Reading ----------------------------------------------------------------------------------------


@pytest.fixture
def pupils(new_store):
    """Three pupils of two schools, ids 1 to 3."""
    with new_store.writing() as tx:
        tx.insert_many(
            "eleves",
            [
                {"ine": "INE-A", "uai": "0691234A", "nom": "Lefèvre"},
                {"ine": "INE-B", "uai": "0697777B", "nom": "Benali"},
                {"ine": "INE-C", "uai": "0691234A", "nom": "Martin"},
            ],
        )
    return new_store


def test_get_gives_the_document_with_its_id(pupils):
    with pupils.reading() as tx:
        assert tx.get("eleves", 2) == {"id": 2, "ine": "INE-B", "uai": "0697777B", "nom": "Benali"}
        assert tx.get("eleves", "2")["nom"] == "Benali"
        assert tx.get("eleves", 99) is None


def test_find_by_a_declared_key_gives_the_documents_by_id(pupils):
    with pupils.reading() as tx:
        assert [doc["id"] for doc in tx.find("eleves", uai="0691234A")] == [1, 3]
        assert tx.find("eleves", uai="0000000X") == []
        assert tx.find_one("eleves", ine="INE-C")["nom"] == "Martin"
        assert tx.find_one("eleves", ine="INE-Z") is None


def test_find_any_gives_each_document_once_by_id(pupils):
    with pupils.reading() as tx:
        found = tx.find_any("eleves", "ine", ["INE-C", "INE-A", "INE-C", "INE-Z"])
        assert [doc["id"] for doc in found] == [1, 3]
        by_school = tx.find_any("eleves", "uai", ["0697777B", "0691234A"])
        assert [doc["id"] for doc in by_school] == [1, 2, 3]
        assert tx.find_any("eleves", "ine", []) == []


def test_find_by_a_key_of_two_fields(new_store):
    with new_store.writing() as tx:
        tx.insert("teleservices", {"uai": "0691234A", "service": "bourse", "ouvert": True})
        tx.insert("teleservices", {"uai": "0691234A", "service": "fiche", "ouvert": False})
        tx.insert("teleservices", {"uai": "0697777B", "service": "bourse", "ouvert": True})
    with new_store.reading() as tx:
        assert tx.find_one("teleservices", service="fiche", uai="0691234A")["id"] == 2
        assert [doc["id"] for doc in tx.find("teleservices", uai="0691234A")] == [1, 2]


@pytest.mark.parametrize(
    "lookup",
    [
        lambda tx: tx.find("eleves", nom="Martin"),
        lambda tx: tx.find("eleves", ine="INE-A", uai="0691234A"),
        lambda tx: tx.find_one("eleves", nom="Martin"),
        lambda tx: tx.find_any("eleves", "nom", ["Martin"]),
        lambda tx: tx.find("teleservices", service="bourse"),
        lambda tx: tx.find_any("teleservices", "service", ["bourse"]),
        lambda tx: tx.find("sms_outbox", to="+33612345678"),
        lambda tx: tx.get("table_inconnue", 1),
        lambda tx: tx.latest("table_inconnue", 1),
    ],
    ids=[
        "field",
        "two-keys",
        "find_one",
        "find_any",
        "part-of-key",
        "any-part",
        "no-key",
        "table",
        "latest",
    ],
)
def test_a_lookup_no_key_declares_is_refused(pupils, lookup):
    with pupils.reading() as tx, pytest.raises(UndeclaredKey):
        lookup(tx)


def test_values_are_compared_as_text(new_store):
    with new_store.writing() as tx:
        tx.insert("journal", {"uai": 5})
        tx.insert("journal", {"uai": "5"})
        tx.insert("journal", {"uai": True})
        tx.insert("journal", {"uai": 5.5})
    with new_store.reading() as tx:
        assert [doc["id"] for doc in tx.find("journal", uai=5)] == [1, 2]
        assert [doc["id"] for doc in tx.find("journal", uai="5")] == [1, 2]
        assert [doc["id"] for doc in tx.find("journal", uai="true")] == [3]
        assert [doc["id"] for doc in tx.find("journal", uai=True)] == [3]
        assert [doc["id"] for doc in tx.find("journal", uai="5.5")] == [4]
        # The document keeps the value as it was written.
        assert [tx.get("journal", n)["uai"] for n in (1, 2, 3)] == [5, "5", True]


def test_latest_gives_the_last_documents_newest_first(new_store):
    with new_store.writing() as tx:
        tx.insert_many("sms_outbox", [{"body": f"n° {n}"} for n in range(1, 6)])
    with new_store.writing() as tx:
        tx.delete("sms_outbox", 5)
        tx.insert("sms_outbox", {"body": "n° 6"})
        # The transaction's own writes are seen.
        assert [doc["body"] for doc in tx.latest("sms_outbox", 3)] == ["n° 6", "n° 4", "n° 3"]
    with new_store.reading() as tx:
        assert [doc["id"] for doc in tx.latest("sms_outbox", 10)] == [6, 4, 3, 2, 1]
        assert tx.latest("sms_outbox", 0) == []
        assert tx.latest("mail_outbox", 5) == []


def test_a_document_read_is_a_copy(pupils):
    with pupils.writing() as tx:
        doc = tx.get("eleves", 1)
        doc["nom"] = "changé"
        tx.find_one("eleves", ine="INE-B")["nom"] = "changé"
        assert tx.get("eleves", 1)["nom"] == "Lefèvre"
        assert tx.get("eleves", 2)["nom"] == "Benali"
    with pupils.reading() as tx:
        assert [doc["nom"] for doc in tx.find("eleves", uai="0691234A")] == ["Lefèvre", "Martin"]


# Writing ----------------------------------------------------------------------------------------


def test_insert_gives_new_ids_and_keeps_the_caller_s_dict(new_store):
    doc = {"ine": "INE-A", "uai": "0691234A", "pieces": ["avis"]}
    with new_store.writing() as tx:
        assert tx.insert("eleves", doc) == 1
        assert tx.insert_many("eleves", [{"ine": "INE-B"}, {"ine": "INE-C"}]) == [2, 3]
        assert tx.insert_many("eleves", []) == []
        # An id in the document is not the one it gets: the table numbers its documents.
        assert tx.insert("eleves", {"id": 99, "ine": "INE-D"}) == 4
    doc["pieces"].append("rib")
    assert doc == {"ine": "INE-A", "uai": "0691234A", "pieces": ["avis", "rib"]}
    with new_store.reading() as tx:
        assert tx.get("eleves", 1) == {
            "id": 1,
            "ine": "INE-A",
            "uai": "0691234A",
            "pieces": ["avis"],
        }
        assert tx.get("eleves", 4) == {"id": 4, "ine": "INE-D"}
        assert tx.get("eleves", 99) is None


def test_update_replaces_top_level_fields_only(new_store):
    with new_store.writing() as tx:
        number = tx.insert("journal", {"uai": "A", "detail": {"a": 1, "b": 2}, "n": 1})
    with new_store.writing() as tx:
        tx.update("journal", number, {"detail": {"c": 3}, "n": 2, "id": 77})
    with new_store.reading() as tx:
        assert tx.get("journal", number) == {"id": number, "uai": "A", "detail": {"c": 3}, "n": 2}
        assert tx.get("journal", 77) is None


def test_update_of_a_missing_document_is_an_error(new_store):
    with new_store.writing() as tx, pytest.raises(StorageError, match="aucun document"):
        tx.update("journal", 42, {"n": 1})


def test_delete(pupils):
    with pupils.writing() as tx:
        tx.delete("eleves", 1)
        tx.delete("eleves", 42)  # already gone: nothing to do
        assert tx.get("eleves", 1) is None
        assert tx.find_one("eleves", ine="INE-A") is None
    with pupils.reading() as tx:
        assert tx.get("eleves", 1) is None
        assert [doc["id"] for doc in tx.find("eleves", uai="0691234A")] == [3]


def test_a_transaction_finds_its_own_writes_by_key(pupils):
    with pupils.writing() as tx:
        tx.update("eleves", 1, {"uai": "0697777B"})
        assert [doc["id"] for doc in tx.find("eleves", uai="0691234A")] == [3]
        assert [doc["id"] for doc in tx.find("eleves", uai="0697777B")] == [1, 2]
        number = tx.insert("eleves", {"ine": "INE-D", "uai": "0691234A"})
        assert [doc["id"] for doc in tx.find("eleves", uai="0691234A")] == [3, number]
        tx.update("eleves", number, {"uai": "0697777B"})
        tx.update("eleves", 2, {"nom": "Benali-Roux"})
        assert [doc["id"] for doc in tx.find("eleves", uai="0697777B")] == [1, 2, number]
        tx.delete("eleves", 2)
        assert [doc["id"] for doc in tx.find("eleves", uai="0697777B")] == [1, number]
        assert [doc["id"] for doc in tx.find_any("eleves", "uai", ["0697777B", "0691234A"])] == [
            1,
            3,
            number,
        ]
    with pupils.reading() as tx:
        assert [doc["id"] for doc in tx.find("eleves", uai="0697777B")] == [1, 4]


def test_restore_keeps_the_ids_and_later_inserts_follow_them(new_store):
    with new_store.writing() as tx:
        tx.restore("journal", [{"id": 5, "uai": "A"}, {"id": 9, "uai": "B"}])
    with new_store.writing() as tx:
        assert tx.insert("journal", {"uai": "C"}) == 10
    with new_store.reading() as tx:
        assert [(doc["id"], doc["uai"]) for doc in tx.scan("journal")] == [
            (5, "A"),
            (9, "B"),
            (10, "C"),
        ]
        assert [doc["id"] for doc in tx.find("journal", uai="B")] == [9]


def test_restoring_nothing_changes_nothing(new_store):
    with new_store.writing() as tx:
        tx.restore("journal", [])
    with new_store.writing() as tx:
        assert tx.insert("journal", {"uai": "A"}) == 1
        tx.restore("journal", [])
        assert tx.insert("journal", {"uai": "B"}) == 2


def test_an_insert_after_a_restore_never_takes_an_id_in_use(new_store):
    with new_store.writing() as tx:
        tx.insert_many("journal", [{"uai": "A"}, {"uai": "B"}, {"uai": "C"}])
        tx.delete("journal", 1)
    with new_store.writing() as tx:
        tx.restore("journal", [{"id": 1, "uai": "A again"}])
        number = tx.insert("journal", {"uai": "D"})
    assert number == 4
    with new_store.reading() as tx:
        assert [doc["uai"] for doc in tx.scan("journal")] == ["A again", "B", "C", "D"]


# Unique keys ------------------------------------------------------------------------------------


def test_a_unique_key_refuses_a_second_document_and_the_transaction_goes_on(pupils):
    with pupils.writing() as tx:
        with pytest.raises(Duplicate):
            tx.insert("eleves", {"ine": "INE-A", "uai": "0697777B"})
        with pytest.raises(Duplicate):
            tx.update("eleves", 2, {"ine": "INE-C"})
        number = tx.insert("eleves", {"ine": "INE-D", "uai": "0697777B"})
        with pytest.raises(Duplicate):
            tx.insert("eleves", {"ine": "INE-D"})
        tx.update("eleves", 2, {"nom": "Benali-Roux"})
    with pupils.reading() as tx:
        assert [doc["ine"] for doc in tx.scan("eleves")] == ["INE-A", "INE-B", "INE-C", "INE-D"]
        assert tx.get("eleves", number)["uai"] == "0697777B"
        assert tx.get("eleves", 2)["nom"] == "Benali-Roux"


def test_a_batch_with_a_duplicate_inserts_nothing(pupils):
    with pupils.writing() as tx:
        with pytest.raises(Duplicate):
            tx.insert_many("eleves", [{"ine": "INE-D"}, {"ine": "INE-A"}])
        with pytest.raises(Duplicate):
            tx.insert_many("eleves", [{"ine": "INE-E"}, {"ine": "INE-E"}])
        assert tx.find_any("eleves", "ine", ["INE-D", "INE-E"]) == []
        assert len(tx.latest("eleves", 10)) == 3
        tx.insert("eleves", {"ine": "INE-D"})
    with pupils.reading() as tx:
        assert [doc["ine"] for doc in tx.scan("eleves")] == ["INE-A", "INE-B", "INE-C", "INE-D"]


def test_a_unique_key_holds_across_transactions_and_frees_a_value_deleted(pupils):
    with pytest.raises(Duplicate), pupils.writing() as tx:
        tx.insert("eleves", {"ine": "INE-B"})
    with pupils.writing() as tx:
        tx.delete("eleves", 2)
        tx.insert("eleves", {"ine": "INE-B", "nom": "nouveau"})
    with pupils.reading() as tx:
        assert tx.find_one("eleves", ine="INE-B")["nom"] == "nouveau"


def test_a_unique_key_of_two_fields(new_store):
    with new_store.writing() as tx:
        tx.insert("teleservices", {"uai": "0691234A", "service": "bourse"})
        tx.insert("teleservices", {"uai": "0691234A", "service": "fiche"})
        tx.insert("teleservices", {"uai": "0697777B", "service": "bourse"})
        with pytest.raises(Duplicate):
            tx.insert("teleservices", {"uai": "0691234A", "service": "bourse"})


def test_documents_without_a_value_do_not_clash_on_a_unique_key(new_store):
    with new_store.writing() as tx:
        tx.insert("comptes", {"identifier_key": "s.lefevre1", "franceconnect_sub": None})
        tx.insert("comptes", {"identifier_key": "k.benali1"})
        tx.insert("comptes", {"identifier_key": "m.martin1", "franceconnect_sub": None})
        with pytest.raises(Duplicate):
            tx.insert("comptes", {"identifier_key": "s.lefevre1"})


# None values and `many` keys --------------------------------------------------------------------


def test_none_is_no_value(new_store):
    with new_store.writing() as tx:
        tx.insert("journal", {"uai": None, "detail": None})
        tx.insert("journal", {"detail": "sans établissement"})
        tx.insert("journal", {"uai": "0691234A"})
    with new_store.writing() as tx:
        assert tx.get("journal", 1) == {"id": 1, "uai": None, "detail": None}
        assert [doc["id"] for doc in tx.find("journal", uai=None)] == [1, 2]
        tx.update("journal", 3, {"uai": None})
        tx.update("journal", 1, {"uai": "0697777B"})
        assert [doc["id"] for doc in tx.find("journal", uai=None)] == [2, 3]
    with new_store.reading() as tx:
        assert [doc["id"] for doc in tx.find("journal", uai=None)] == [2, 3]
        assert tx.get("journal", 3) == {"id": 3, "uai": None}
        assert [doc["id"] for doc in tx.find_any("journal", "uai", [None, "0697777B"])] == [1, 2, 3]


def test_a_many_key_finds_a_document_by_any_element_of_its_list(new_store):
    with new_store.writing() as tx:
        tx.insert("comptes", {"identifier_key": "a1", "responsable_ids": [3, 5]})
        tx.insert("comptes", {"identifier_key": "b1", "responsable_ids": [5]})
        tx.insert("comptes", {"identifier_key": "c1", "responsable_ids": []})
        tx.insert("comptes", {"identifier_key": "d1"})
        tx.insert("comptes", {"identifier_key": "e1", "responsable_ids": ["7", "x"]})
    with new_store.writing() as tx:
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=5)] == [1, 2]
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=3)] == [1]
        assert tx.find("comptes", responsable_ids=4) == []
        assert [doc["id"] for doc in tx.find_any("comptes", "responsable_ids", [3, 5, 7])] == [
            1,
            2,
            5,
        ]
        # Compared as text, as every key is.
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids="5")] == [1, 2]
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=7)] == [5]
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids="x")] == [5]
        tx.update("comptes", 2, {"responsable_ids": [5, 4]})
        tx.update("comptes", 1, {"responsable_ids": [3]})
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=5)] == [2]
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=4)] == [2]
    with new_store.reading() as tx:
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=5)] == [2]
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=4)] == [2]
        assert [doc["id"] for doc in tx.find("comptes", responsable_ids=3)] == [1]


# Counters and expiry ----------------------------------------------------------------------------


def test_next_number_counts_from_one_for_each_counter(new_store):
    with new_store.writing() as tx:
        assert [tx.next_number("demande:0691234A-2026") for _ in range(3)] == [1, 2, 3]
        assert tx.next_number("identifiant:s.lefevre") == 1
    with new_store.writing() as tx:
        assert tx.next_number("demande:0691234A-2026") == 4
        assert tx.next_number("demande:0697777B-2026") == 1
    with pytest.raises(RuntimeError), new_store.writing() as tx:
        assert tx.next_number("demande:0691234A-2026") == 5
        raise RuntimeError("annulé")
    # A number of a transaction rolled back was never given.
    with new_store.writing() as tx:
        assert tx.next_number("demande:0691234A-2026") == 5


def test_purge_expired_deletes_only_what_is_past(new_store):
    now = time.time()
    with new_store.writing() as tx:
        tx.insert_many(
            "parcours",
            [
                {"journey_id": "passé", "expires_ts": now - 1},
                {"journey_id": "futur", "expires_ts": now + 60},
                {"journey_id": "sans fin"},
                {"journey_id": "bien passé", "expires_ts": now - 86_400},
            ],
        )
        tx.insert("sms_envoyes", {"digest": "d", "expires_ts": now - 1})
    with new_store.writing() as tx:
        assert tx.purge_expired("parcours", now) == 2
    with new_store.reading() as tx:
        assert [doc["journey_id"] for doc in tx.scan("parcours")] == ["futur", "sans fin"]
        assert tx.find_one("sms_envoyes", digest="d") is not None
    with new_store.writing() as tx:
        assert tx.purge_expired("parcours", now) == 0
        with pytest.raises(StorageError, match="expires_ts"):
            tx.purge_expired("journal", now)


# Transactions -----------------------------------------------------------------------------------


WRITES = [
    lambda tx: tx.insert("journal", {"uai": "A"}),
    lambda tx: tx.insert_many("journal", [{"uai": "A"}]),
    lambda tx: tx.restore("journal", [{"id": 7, "uai": "A"}]),
    lambda tx: tx.update("journal", 1, {"uai": "B"}),
    lambda tx: tx.delete("journal", 1),
    lambda tx: tx.next_number("demande:0691234A-2026"),
    lambda tx: tx.lock("parcours:abc"),
    lambda tx: tx.purge_expired("parcours", time.time()),
]
WRITE_NAMES = [
    "insert",
    "insert_many",
    "restore",
    "update",
    "delete",
    "next_number",
    "lock",
    "purge",
]


@pytest.mark.parametrize("write", WRITES, ids=WRITE_NAMES)
def test_a_read_transaction_refuses_every_write(new_store, write):
    with new_store.writing() as tx:
        tx.insert("journal", {"uai": "A"})
    with new_store.reading() as tx:
        assert not tx.writable
        with pytest.raises(ReadOnly):
            write(tx)
    with new_store.reading() as tx:
        assert list(tx.scan("journal")) == [{"id": 1, "uai": "A"}]
        assert tx.latest("compteurs", 1) == []


@pytest.mark.skipif(not backends.on_postgresql(), reason="the transactions PostgreSQL begins")
def test_the_server_begins_a_read_as_a_read_only_snapshot_and_a_write_as_read_committed(database):
    # A pool of one connection: the write takes the very connection the read gave back.
    store = PostgresStore(f"{database}?application_name=one-connection", pool_size=1)
    with store.reading() as tx:
        assert server_says(tx, "transaction_isolation") == "repeatable read"
        assert server_says(tx, "transaction_read_only") == "on"
    with store.writing() as tx:
        assert server_says(tx, "transaction_isolation") == "read committed"
        assert server_says(tx, "transaction_read_only") == "off"
        tx.insert("journal", {"uai": "A"})


def server_says(tx, setting: str) -> str:
    return tx.connection.execute(f"SHOW {setting}").fetchone()[0]


def test_writing_inside_a_read_transaction_is_refused(new_store):
    with new_store.reading(), pytest.raises(ReadOnly), new_store.writing():
        pass


def test_a_transaction_opened_inside_another_in_the_thread_joins_it(new_store):
    with new_store.writing() as outer:
        outer.insert("journal", {"uai": "A"})
        with new_store.writing() as inner:
            assert inner is outer
            inner.insert("journal", {"uai": "B"})
        with new_store.reading() as read:
            assert read is outer
            assert [doc["uai"] for doc in read.scan("journal")] == ["A", "B"]
        # Nothing is saved before the outer block ends: another thread does not see it yet.
        assert seen_from_another_thread(new_store) == []
    assert seen_from_another_thread(new_store) == ["A", "B"]


def seen_from_another_thread(store) -> list[str]:
    seen = []

    def read():
        with store.reading() as tx:
            seen.extend(doc["uai"] for doc in tx.scan("journal"))

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(timeout=30)
    return seen


def test_a_joined_block_that_raises_rolls_back_the_whole_transaction(new_store):
    with pytest.raises(RuntimeError), new_store.writing() as outer:
        outer.insert("journal", {"uai": "A"})
        with new_store.writing() as inner:
            inner.insert("journal", {"uai": "B"})
        raise RuntimeError("interrompu")
    with new_store.reading() as tx:
        assert list(tx.scan("journal")) == []


def test_nothing_is_saved_when_the_block_raises(pupils):
    with pytest.raises(RuntimeError), pupils.writing() as tx:
        tx.insert("eleves", {"ine": "INE-D"})
        tx.update("eleves", 1, {"nom": "changé"})
        tx.delete("eleves", 2)
        tx.next_number("demande:0691234A-2026")
        raise RuntimeError("interrompu")
    with pupils.reading() as tx:
        assert [doc["nom"] for doc in tx.scan("eleves")] == ["Lefèvre", "Benali", "Martin"]
        assert tx.latest("compteurs", 1) == []
    # The store is usable afterwards (PostgreSQL does not give back an id once taken).
    with pupils.writing() as tx:
        number = tx.insert("eleves", {"ine": "INE-D"})
    with pupils.reading() as tx:
        assert number > 3
        assert tx.find_one("eleves", ine="INE-D")["id"] == number


def test_a_read_transaction_sees_one_state(pupils):
    with pupils.reading() as tx:
        before = tx.get("eleves", 1)["nom"]
        thread = threading.Thread(target=rename, args=(pupils,))
        thread.start()
        thread.join(timeout=30)
        assert tx.get("eleves", 1)["nom"] == before == "Lefèvre"
        assert [doc["id"] for doc in tx.find("eleves", uai="0691234A")] == [1, 3]
    with pupils.reading() as tx:
        assert tx.get("eleves", 1)["nom"] == "renommé"


def rename(store) -> None:
    with store.writing() as tx:
        tx.update("eleves", 1, {"nom": "renommé", "uai": "0697777B"})


# Several processes ------------------------------------------------------------------------------


def spawn(target, location: str, processes: int, *args) -> list:
    """Run `target(location, queue, *args)` in new processes (nothing of this one inherited,
    each opens the store itself); what each put in the queue."""
    context = racers()
    queue = context.Queue()
    workers = [
        context.Process(target=target, args=(location, queue, *args)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return results


def test_processes_taking_numbers_at_once_never_get_the_same(new_store, database):
    results = spawn(take_numbers, database, 6, 30)
    numbers = [number for taken in results for number in taken]
    assert sorted(numbers) == list(range(1, 181))
    assert all(taken == sorted(taken) for taken in results)
    with new_store.writing() as tx:
        assert tx.next_number("demande:0691234A-2026") == 181


def test_a_lock_serialises_a_read_check_write_across_processes(new_store, database):
    with new_store.writing() as tx:
        tx.insert("cles", {"name": "total", "value": 0})
    assert sum(spawn(add_under_lock, database, 8, 25)) == 200
    with new_store.reading() as tx:
        assert tx.find_one("cles", name="total")["value"] == 200


# A writer killed in the middle of its transaction -----------------------------------------------

KILLED_WRITER = """
import sys, time
from outside.storage import open_store
store = open_store(sys.argv[1])
with store.writing() as tx:
    tx.lock("killed")
    tx.insert("journal", {"uai": "0691234A", "detail": "jamais enregistré"})
    print("ready", flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_mid_transaction_loses_nothing_committed(new_store, database):
    """Killed with SIGKILL holding its transaction (and its lock): what was committed before
    stays, its own writes are gone, and the next writer is not kept waiting."""
    with new_store.writing() as tx:
        tx.insert("journal", {"uai": "0691234A", "detail": "enregistré"})
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, database], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    with new_store.writing() as tx:
        tx.lock("killed")
        tx.insert("journal", {"uai": "0691234A", "detail": "après"})
    with new_store.reading() as tx:
        details = [doc["detail"] for doc in tx.find("journal", uai="0691234A")]
    assert details == ["enregistré", "après"]
