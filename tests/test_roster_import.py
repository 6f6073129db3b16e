import pytest

from commands.demo import DEMO_ROSTER
from records.roster import (
    Counts,
    all_eleves,
    all_etablissements,
    all_responsables,
    import_roster,
    preview_import,
)
from rules.roster import HEADER, parse_roster, parse_roster_bytes
from tests.roster_lines import TODAY, line

HUGO = {
    "ine": "0691300456L",
    "eleve_prenom": "Hugo",
    "eleve_date_naissance": "02/11/2013",
    "niveau": "4e",
    "classe": "4eB",
}


def rows(*lines: dict):
    text = "\n".join([HEADER, *(line(**changes) for changes in lines)])
    report = parse_roster(text, TODAY)
    assert report.errors == []
    return report.rows


def demo_rows():
    report = parse_roster_bytes(DEMO_ROSTER.read_bytes(), TODAY)
    assert report.errors == []
    return report.rows


def by(records: list[dict], field: str) -> dict:
    return {record[field]: record for record in records}


def test_first_import_creates_records(store):
    summary = import_roster(store, rows({}, HUGO))
    assert summary.etablissements == Counts(created=1)
    assert summary.eleves == Counts(created=2)
    assert summary.responsables == Counts(created=1)

    assert all_etablissements(store) == [
        {"uai": "0691234A", "nom": "Collège Concorde", "type": "collège public", "region": "FR"}
    ]
    eleves = by(all_eleves(store), "ine")
    assert eleves["0691500123K"] == {
        "ine": "0691500123K",
        "nom": "Lefèvre-D'Almeida",
        "prenom": "Léa",
        "date_naissance": "2015-03-14",
        "niveau": "6e",
        "classe": "6eA",
        "uai": "0691234A",
    }
    assert eleves["0691300456L"]["date_naissance"] == "2013-11-02"
    assert all_responsables(store) == [
        {
            "uai": "0691234A",
            "civilite": "Mme",
            "nom": "Lefèvre-D'Almeida",
            "prenom": "Sophie",
            "lien": "mère",
            "telephone": "+33612345678",
            "email": "sophie.lefevre-dalmeida@example.org",
            "eleves": ["0691300456L", "0691500123K"],
        }
    ]


def test_importing_the_same_rows_twice_changes_nothing(store):
    import_roster(store, demo_rows())
    before = store.path.read_bytes()
    summary = import_roster(store, demo_rows())
    assert summary.etablissements == Counts(unchanged=2)
    assert summary.eleves == Counts(unchanged=11)
    assert summary.responsables == Counts(unchanged=11)
    assert store.path.read_bytes() == before
    assert len(all_responsables(store)) == 11


def test_updating_a_class_updates_only_that_pupil(store):
    import_roster(store, rows({}, HUGO))
    summary = import_roster(store, rows({}, {**HUGO, "classe": "4eC"}))
    assert summary.eleves == Counts(updated=1, unchanged=1)
    assert summary.etablissements == Counts(unchanged=1)
    assert summary.responsables == Counts(unchanged=1)
    eleves = by(all_eleves(store), "ine")
    assert eleves["0691300456L"]["classe"] == "4eC"
    assert eleves["0691500123K"]["classe"] == "6eA"
    assert len(eleves) == 2


def test_responsable_is_found_again_whatever_the_spelling_of_the_name(store):
    import_roster(store, rows({}))
    summary = import_roster(store, rows({"resp_nom": "LEFEVRE D'ALMEIDA", "resp_prenom": "sophie"}))
    assert summary.responsables == Counts(updated=1)
    [sophie] = all_responsables(store)
    assert sophie["nom"] == "LEFEVRE D'ALMEIDA"  # the latest spelling from the school wins


def test_another_phone_makes_another_responsable(store):
    import_roster(store, rows({}))
    summary = import_roster(store, rows({"resp_telephone_portable": "06 99 88 77 66"}))
    assert summary.responsables == Counts(created=1)
    phones = sorted(r["telephone"] for r in all_responsables(store))
    assert phones == ["+33612345678", "+33699887766"]


def test_a_later_file_adds_children_without_dropping_earlier_ones(store):
    import_roster(store, rows({}))
    summary = import_roster(store, rows(HUGO))
    assert summary.responsables == Counts(updated=1)
    assert summary.eleves == Counts(created=1)
    [sophie] = all_responsables(store)
    assert sophie["eleves"] == ["0691300456L", "0691500123K"]


def test_a_child_detached_at_activation_is_not_linked_back_by_a_new_file(store):
    import_roster(store, rows({}, HUGO))
    with store.transaction() as db:
        db.table("responsables").update(
            {"eleves": ["0691500123K"], "eleves_detaches": ["0691300456L"]}
        )
    import_roster(store, rows({}, HUGO))
    [sophie] = all_responsables(store)
    assert sophie["eleves"] == ["0691500123K"]
    assert sophie["eleves_detaches"] == ["0691300456L"]


def test_an_empty_email_does_not_erase_a_known_one(store):
    import_roster(store, rows({}))
    summary = import_roster(store, rows({"resp_email": ""}))
    assert summary.responsables == Counts(unchanged=1)
    assert all_responsables(store)[0]["email"] == "sophie.lefevre-dalmeida@example.org"


def test_fields_added_by_other_parts_of_the_service_are_kept(store):
    import_roster(store, rows({}))
    with store.transaction() as db:
        db.table("responsables").update({"compte": "s.lefevredalmeid1"})
    summary = import_roster(store, rows({}, HUGO))
    assert summary.responsables == Counts(updated=1)
    [sophie] = all_responsables(store)
    assert sophie["compte"] == "s.lefevredalmeid1"
    assert sophie["eleves"] == ["0691300456L", "0691500123K"]


def test_demo_siblings_and_two_parents(store):
    import_roster(store, demo_rows())
    parents = {(r["prenom"], r["uai"]): r for r in all_responsables(store)}
    # Léa and Hugo: two children, each linked to both parents, who have their own phones.
    assert parents[("Sophie", "0691234A")]["eleves"] == ["0691300456L", "0691500123K"]
    assert parents[("Julien", "0691234A")]["eleves"] == ["0691300456L", "0691500123K"]
    assert parents[("Sophie", "0691234A")]["telephone"] == "+33612345678"
    assert parents[("Julien", "0691234A")]["telephone"] == "+33781452290"
    # Kévin and Maëlys at the Guyane school, with Guyane mobiles.
    assert parents[("Josiane", "0973123Z")]["eleves"] == ["0971300357U", "0971500246T"]
    assert parents[("Josiane", "0973123Z")]["telephone"] == "+594694201234"
    assert parents[("Karim", "0691234A")]["email"] is None
    assert parents[("Éric", "0691234A")]["lien"] == "tuteur"


def test_demo_parent_with_a_child_in_each_school(store):
    import_roster(store, demo_rows())
    francois = [r for r in all_responsables(store) if r["prenom"] == "François"]
    # The key includes the UAI: one record per school, same person, same phone.
    assert sorted((r["uai"], r["telephone"], tuple(r["eleves"])) for r in francois) == [
        ("0691234A", "+33645127833", ("0691400654P",)),
        ("0973123Z", "+33645127833", ("0971200135S",)),
    ]
    schools = by(all_etablissements(store), "uai")
    assert schools["0973123Z"] == {
        "uai": "0973123Z",
        "nom": "Collège des Palmistes",
        "type": "collège public",
        "region": "GF",
    }
    eleves = by(all_eleves(store), "ine")
    assert eleves["0691400654P"]["uai"] == "0691234A"
    assert eleves["0971200135S"]["uai"] == "0973123Z"


def test_preview_counts_without_writing(store):
    import_roster(store, rows({}))
    before = store.path.read_bytes()
    summary = preview_import(store, rows({}, HUGO))
    assert summary.eleves == Counts(created=1, unchanged=1)
    assert summary.responsables == Counts(updated=1)
    assert store.path.read_bytes() == before


def test_nothing_is_saved_when_the_import_fails_half_way(store, monkeypatch):
    from tinydb.table import Table

    insert = Table.insert

    def insert_but_not_responsables(table, document):
        if table.name == "responsables":
            raise RuntimeError("disque plein")
        return insert(table, document)

    monkeypatch.setattr(Table, "insert", insert_but_not_responsables)
    with pytest.raises(RuntimeError):
        import_roster(store, rows({}))
    # Établissement and élève were inserted before the failure, and are not saved either.
    assert all_etablissements(store) == []
    assert all_eleves(store) == []
