"""A listing read a page at a time (`tx.find_page`, `tx.listed_elements`), the same on both
engines (TEST_BACKEND): the order, the count, the filters and the edges of the pages."""

from __future__ import annotations

import pytest

from outside.storage import UndeclaredKey

SCHOOL, OTHER = "0691234A", "0697777B"


def responsable(uai: str, nom: str, prenom: str, **fields) -> dict:
    return {
        "uai": uai,
        "tri_nom": nom,
        "tri_prenom": prenom,
        "recherche": f"{prenom}{nom} {nom}{prenom}",
        "classes": [],
        "etat_compte": "non activé",
        **fields,
    }


@pytest.fixture
def school(new_store):
    """Seven responsables of SCHOOL, inserted out of order, and one of OTHER."""
    with new_store.writing() as tx:
        tx.insert_many(
            "responsables",
            [
                responsable(SCHOOL, "martin", "zoe", classes=["6eA"]),  # 1
                responsable(SCHOOL, "benali", "karim", classes=["5eB", "6eA"]),  # 2
                responsable(OTHER, "benali", "aaron"),  # 3
                responsable(SCHOOL, "martin", "anne", etat_compte="actif"),  # 4
                responsable(SCHOOL, "martin", "zoe", classes=["4eA"]),  # 5: same names as 1
                # "é" and "z" compared code point by code point, as Python compares them.
                responsable(SCHOOL, "émile", "paul"),  # 6
                responsable(SCHOOL, "zola", "emile", etat_compte="actif"),  # 7
                responsable(SCHOOL, "martinez", "alain"),  # 8
            ],
        )
    return new_store


def page(store, offset: int = 0, limit: int = 100, **filters) -> tuple[int, list[int]]:
    with store.reading() as tx:
        found = tx.find_page("responsables", {"uai": SCHOOL}, offset, limit, **filters)
    return found.total, [doc["id"] for doc in found.docs]


def test_the_order_is_the_keys_then_the_id(school):
    assert page(school) == (7, [2, 4, 1, 5, 8, 7, 6])
    expected = sorted(
        (doc for doc in school_docs(school) if doc["uai"] == SCHOOL),
        key=lambda doc: (doc["tri_nom"], doc["tri_prenom"], doc["id"]),
    )
    assert page(school)[1] == [doc["id"] for doc in expected]


def school_docs(store) -> list[dict]:
    with store.reading() as tx:
        return list(tx.scan("responsables"))


def test_pages_cut_the_order_and_keep_the_count(school):
    assert page(school, 0, 3) == (7, [2, 4, 1])
    assert page(school, 3, 3) == (7, [5, 8, 7])
    assert page(school, 6, 3) == (7, [6])


def test_past_the_last_document_there_is_the_count_and_nothing_else(school):
    assert page(school, 7, 3) == (7, [])
    assert page(school, 700, 3) == (7, [])


def test_a_page_of_nothing_and_an_offset_below_zero(school):
    assert page(school, 0, 0) == (7, [])
    assert page(school, -5, 2) == (7, [2, 4])


def test_documents_are_whole_with_their_id(school):
    with school.reading() as tx:
        (doc,) = tx.find_page("responsables", {"uai": SCHOOL}, 1, 1).docs
    assert doc == {"id": 4, **responsable(SCHOOL, "martin", "anne", etat_compte="actif")}


def test_an_equal_field(school):
    assert page(school, equal={"etat_compte": "actif"}) == (2, [4, 7])
    assert page(school, equal={"etat_compte": "bloqué"}) == (0, [])


def test_an_element_of_a_list_field(school):
    assert page(school, elements={"classes": "6eA"}) == (2, [2, 1])
    assert page(school, elements={"classes": "6e"}) == (0, [])


def test_a_part_of_a_text_field(school):
    assert page(school, parts={"recherche": "martin"}) == (4, [4, 1, 5, 8])
    assert page(school, parts={"recherche": "zoemartin"}) == (2, [1, 5])
    assert page(school, parts={"recherche": "emile"}) == (1, [7])  # "émile" is not "emile"
    # No pattern: "_" and "%" are letters.
    assert page(school, parts={"recherche": "m%n"}) == (0, [])
    assert page(school, parts={"recherche": "zo_"}) == (0, [])


def test_filters_together_then_paged(school):
    found = page(school, 1, 1, parts={"recherche": "martin"}, elements={"classes": "4eA"})
    assert found == (1, [])
    waiting = {"etat_compte": "non activé"}
    assert page(school, 0, 1, parts={"recherche": "martin"}, equal=waiting) == (3, [1])
    assert page(school, 1, 2, parts={"recherche": "martin"}) == (4, [1, 5])


def test_another_key_value_is_another_list(school):
    with school.reading() as tx:
        found = tx.find_page("responsables", {"uai": OTHER}, 0, 10)
        assert (found.total, [doc["id"] for doc in found.docs]) == (1, [3])
        assert tx.find_page("responsables", {"uai": "0000000X"}, 0, 10).total == 0


def test_the_elements_of_a_list_field(school):
    with school.reading() as tx:
        assert tx.listed_elements("responsables", "classes", {"uai": SCHOOL}) == {
            "4eA",
            "5eB",
            "6eA",
        }
        assert tx.listed_elements("responsables", "classes", {"uai": OTHER}) == set()


def test_a_write_transaction_pages_its_own_writes(school):
    with school.writing() as tx:
        tx.update("responsables", 4, {"tri_nom": "aaa"})
        tx.delete("responsables", 2)
        tx.insert("responsables", responsable(SCHOOL, "martin", "bea", classes=["3eA"]))
        found = tx.find_page("responsables", {"uai": SCHOOL}, 0, 3)
        assert (found.total, [doc["id"] for doc in found.docs]) == (7, [4, 9, 1])
        assert "3eA" in tx.listed_elements("responsables", "classes", {"uai": SCHOOL})
    assert page(school, 0, 3) == (7, [4, 9, 1])


@pytest.mark.parametrize(
    ("table", "key", "filters"),
    [
        ("eleves", {"uai": SCHOOL}, {}),
        ("responsables", {"telephone": "+33612345678"}, {}),
        ("responsables", {"uai": SCHOOL}, {"equal": {"nom": "Martin"}}),
        ("responsables", {"uai": SCHOOL}, {"elements": {"eleves": "INE"}}),
        ("responsables", {"uai": SCHOOL}, {"parts": {"tri_nom": "mar"}}),
    ],
)
def test_a_page_of_an_undeclared_listing_or_filter_is_refused(school, table, key, filters):
    with school.reading() as tx, pytest.raises(UndeclaredKey):
        tx.find_page(table, key, 0, 10, **filters)


def test_the_elements_of_an_undeclared_field_are_refused(school):
    with school.reading() as tx, pytest.raises(UndeclaredKey):
        tx.listed_elements("responsables", "eleves", {"uai": SCHOOL})


def test_a_page_holds_the_transaction_s_own_writes_when_its_key_is_no_lookup_key(new_store):
    """The mail queue is paged by its "state", a key of its listing only (records/mail_queue)."""

    def page(tx, state: str) -> list[tuple]:
        docs = tx.find_page("mail_queue", {"state": state}, 0, 5).docs
        return [(doc["id"], doc["next_try"]) for doc in docs]

    with new_store.writing() as tx:
        kept = tx.insert("mail_queue", {"state": "waiting", "next_try": "b"})
    with new_store.writing() as tx:
        added = tx.insert("mail_queue", {"state": "waiting", "next_try": "a"})
        assert page(tx, "waiting") == [(added, "a"), (kept, "b")]
        tx.update("mail_queue", kept, {"state": "sent"})
        tx.update("mail_queue", added, {"next_try": "c"})
        assert (page(tx, "waiting"), page(tx, "sent")) == ([(added, "c")], [(kept, "b")])
