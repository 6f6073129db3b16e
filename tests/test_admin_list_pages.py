"""The edges of the back office's pages of responsables, now that the database pages them:
a list of exactly one page, one more, pages asked for below the first or past the last (with
filters too), a filter finding nothing, and the pages put end to end giving the whole list."""

from __future__ import annotations

import pytest

from records import school
from tests.markup import elements, plain
from tests.test_admin_views import CONCORDE, add_families, names


def page_links(html: str) -> list[str]:
    return [
        link["href"] for link in elements(html, "a", class_="fr-pagination__link") if "href" in link
    ]


def test_exactly_twenty_is_one_page(office, db):
    add_families(db, 14)  # and the demo's 6
    page = office.get("/admin/responsables")
    assert len(names(page.text)) == 20
    assert "20 responsables trouvés." in plain(page.text)
    assert page_links(page.text) == []


def test_twenty_one_is_two_pages_the_second_of_one(office, db):
    add_families(db, 15)
    first = office.get("/admin/responsables")
    assert "21 responsables trouvés, page 1 sur 2." in plain(first.text)
    second = office.get("/admin/responsables?page=2")
    assert names(second.text) == ["Mme Camille Zfamille 14"]
    assert "21 responsables trouvés, page 2 sur 2." in plain(second.text)


@pytest.mark.parametrize("asked", ["0", "-3", "", "1.5"])
def test_below_the_first_page_or_not_a_number_is_the_first(office, db, asked):
    add_families(db, 30)
    assert names(office.get(f"/admin/responsables?page={asked}").text) == names(
        office.get("/admin/responsables").text
    )


def test_past_the_last_page_of_a_filter_is_its_last(office, db):
    add_families(db, 25)  # 25 in 6eC: pages of 20 and 5
    past = office.get("/admin/responsables?classe=6eC&page=7")
    assert names(past.text) == [f"Mme Camille Zfamille {n}" for n in range(20, 25)]
    assert "25 responsables trouvés, page 2 sur 2." in plain(past.text)
    assert "/admin/responsables?classe=6eC&page=1" in page_links(past.text)


def test_a_filter_finding_nothing_on_any_page(office, db):
    add_families(db, 25)
    for asked in ("1", "3"):
        found = office.get(f"/admin/responsables?q=personne&page={asked}")
        assert found.status_code == 200
        assert "0 responsable trouvé." in plain(found.text)
        assert "Aucun responsable ne correspond à cette recherche." in plain(found.text)


@pytest.mark.parametrize("query", ["", "q=camille", "classe=6eC", "etat=non+activé", "q=a"])
def test_the_pages_end_to_end_are_the_whole_list(office, db, query):
    add_families(db, 45)
    with db.reading() as tx:
        whole = school.families(tx, CONCORDE)
    text = dict(part.split("=") for part in query.split("&") if part)
    wanted = school.search(whole, text.get("q", ""), text.get("classe", ""),
                           text.get("etat", "").replace("+", " "))  # fmt: skip
    seen = []
    for number in range(1, 5):
        seen += names(office.get(f"/admin/responsables?{query}&page={number}").text)
        if len(seen) >= len(wanted):
            break
    assert seen == [one.name for one in wanted]
