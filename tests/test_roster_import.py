import pytest

from commands.demo import DEMO_ROSTER
from outside.storage.tx import stored
from records.roster import (
    Counts,
    eleves_by_ine,
    eleves_of,
    import_roster,
    preview_import,
    responsables_of,
    school_names,
)
from rules.roster import HEADER, parse_roster, parse_roster_bytes
from tests import backends
from tests.roster_lines import TODAY, line

CONCORDE, PALMISTES = "0691234A", "0973123Z"
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


def imported(store, found_rows):
    with store.writing() as tx:
        return import_roster(tx, found_rows)


def saved(store, table: str) -> list[dict]:
    """Every record of the table as kept (without its id), by id: the whole table, so a record
    written where it should not be is seen too."""
    with store.reading() as tx:
        return [stored(doc) for doc in tx.scan(table)]


def snapshot(store):
    """Everything the store holds; on TinyDB, the file's very bytes."""
    text = backends.database_text(store)
    if backends.on_postgresql():
        return text
    return text, store.path.read_bytes() if store.path.exists() else None


def by(records: list[dict], field: str) -> dict:
    return {record[field]: record for record in records}


def test_first_import_creates_records(store):
    summary = imported(store, rows({}, HUGO))
    assert summary.etablissements == Counts(created=1)
    assert summary.eleves == Counts(created=2)
    assert summary.responsables == Counts(created=1)

    assert saved(store, "etablissements") == [
        {"uai": "0691234A", "nom": "Collège Concorde", "type": "collège public", "region": "FR"}
    ]
    eleves = by(saved(store, "eleves"), "ine")
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
    assert saved(store, "responsables") == [
        {
            "uai": "0691234A",
            "civilite": "Mme",
            "nom": "Lefèvre-D'Almeida",
            "prenom": "Sophie",
            "lien": "mère",
            "telephone": "+33612345678",
            "email": "sophie.lefevre-dalmeida@example.org",
            "eleves": ["0691300456L", "0691500123K"],
            # The back office list's keys (rules/family_list.py).
            "tri_nom": "lefevredalmeida",
            "tri_prenom": "sophie",
            "recherche": (
                "sophielefevredalmeida lefevredalmeidasophie hugolefevredalmeida "
                "lefevredalmeidahugo lealefevredalmeida lefevredalmeidalea"
            ),
            "classes": ["4eB", "6eA"],
            "etat_compte": "non activé",
        }
    ]


def test_importing_the_same_rows_twice_changes_nothing(store):
    imported(store, demo_rows())
    before = snapshot(store)
    summary = imported(store, demo_rows())
    assert summary.etablissements == Counts(unchanged=2)
    assert summary.eleves == Counts(unchanged=11)
    assert summary.responsables == Counts(unchanged=11)
    assert snapshot(store) == before
    assert len(saved(store, "responsables")) == 11


def test_updating_a_class_updates_only_that_pupil(store):
    imported(store, rows({}, HUGO))
    summary = imported(store, rows({}, {**HUGO, "classe": "4eC"}))
    assert summary.eleves == Counts(updated=1, unchanged=1)
    assert summary.etablissements == Counts(unchanged=1)
    assert summary.responsables == Counts(unchanged=1)
    eleves = by(saved(store, "eleves"), "ine")
    assert eleves["0691300456L"]["classe"] == "4eC"
    assert eleves["0691500123K"]["classe"] == "6eA"
    assert len(eleves) == 2


def test_a_pupil_who_changed_schools_keeps_one_record(store):
    imported(store, rows({}, HUGO))
    palmistes = {"uai": PALMISTES, "etablissement_nom": "Collège des Palmistes"}
    summary = imported(store, rows({**HUGO, **palmistes}))
    assert summary.eleves == Counts(updated=1)
    assert summary.etablissements == Counts(created=1)
    eleves = by(saved(store, "eleves"), "ine")
    assert len(eleves) == 2
    assert eleves["0691300456L"]["uai"] == PALMISTES


def test_responsable_is_found_again_whatever_the_spelling_of_the_name(store):
    imported(store, rows({}))
    summary = imported(store, rows({"resp_nom": "LEFEVRE D'ALMEIDA", "resp_prenom": "sophie"}))
    assert summary.responsables == Counts(updated=1)
    [sophie] = saved(store, "responsables")
    assert sophie["nom"] == "LEFEVRE D'ALMEIDA"  # the latest spelling from the school wins


def test_another_phone_makes_another_responsable(store):
    imported(store, rows({}))
    summary = imported(store, rows({"resp_telephone_portable": "06 99 88 77 66"}))
    assert summary.responsables == Counts(created=1)
    phones = sorted(r["telephone"] for r in saved(store, "responsables"))
    assert phones == ["+33612345678", "+33699887766"]


def test_a_later_file_adds_children_without_dropping_earlier_ones(store):
    imported(store, rows({}))
    summary = imported(store, rows(HUGO))
    assert summary.responsables == Counts(updated=1)
    assert summary.eleves == Counts(created=1)
    [sophie] = saved(store, "responsables")
    assert sophie["eleves"] == ["0691300456L", "0691500123K"]


def change_responsables(store, **changes) -> None:
    with store.writing() as tx:
        for doc in responsables_of(tx, CONCORDE):
            tx.update("responsables", doc["id"], changes)


def test_a_child_detached_at_activation_is_not_linked_back_by_a_new_file(store):
    imported(store, rows({}, HUGO))
    change_responsables(store, eleves=["0691500123K"], eleves_detaches=["0691300456L"])
    imported(store, rows({}, HUGO))
    [sophie] = saved(store, "responsables")
    assert sophie["eleves"] == ["0691500123K"]
    assert sophie["eleves_detaches"] == ["0691300456L"]


def test_an_empty_email_does_not_erase_a_known_one(store):
    imported(store, rows({}))
    summary = imported(store, rows({"resp_email": ""}))
    assert summary.responsables == Counts(unchanged=1)
    assert saved(store, "responsables")[0]["email"] == "sophie.lefevre-dalmeida@example.org"


def test_fields_added_by_other_parts_of_the_service_are_kept(store):
    imported(store, rows({}))
    change_responsables(store, compte="s.lefevredalmeid1")
    summary = imported(store, rows({}, HUGO))
    assert summary.responsables == Counts(updated=1)
    [sophie] = saved(store, "responsables")
    assert sophie["compte"] == "s.lefevredalmeid1"
    assert sophie["eleves"] == ["0691300456L", "0691500123K"]


def test_demo_siblings_and_two_parents(store):
    imported(store, demo_rows())
    parents = {(r["prenom"], r["uai"]): r for r in saved(store, "responsables")}
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
    imported(store, demo_rows())
    francois = [r for r in saved(store, "responsables") if r["prenom"] == "François"]
    # The key includes the UAI: one record per school, same person, same phone.
    assert sorted((r["uai"], r["telephone"], tuple(r["eleves"])) for r in francois) == [
        ("0691234A", "+33645127833", ("0691400654P",)),
        ("0973123Z", "+33645127833", ("0971200135S",)),
    ]
    schools = by(saved(store, "etablissements"), "uai")
    assert schools["0973123Z"] == {
        "uai": "0973123Z",
        "nom": "Collège des Palmistes",
        "type": "collège public",
        "region": "GF",
    }
    eleves = by(saved(store, "eleves"), "ine")
    assert eleves["0691400654P"]["uai"] == "0691234A"
    assert eleves["0971200135S"]["uai"] == "0973123Z"


def test_keyed_reads_of_the_roster(store):
    imported(store, demo_rows())
    with store.reading() as tx:
        assert school_names(tx, [PALMISTES, "0999999Z", CONCORDE]) == {
            CONCORDE: "Collège Concorde",
            PALMISTES: "Collège des Palmistes",
        }
        found = eleves_by_ine(tx, ["0691400654P", "0971200135S", "0999999999X"])
        assert {ine: eleve["uai"] for ine, eleve in found.items()} == {
            "0691400654P": CONCORDE,
            "0971200135S": PALMISTES,
        }
        assert found["0691400654P"] == tx.get("eleves", found["0691400654P"]["id"])
        assert {eleve["uai"] for eleve in eleves_of(tx, PALMISTES)} == {PALMISTES}
        assert len(eleves_of(tx, CONCORDE)) + len(eleves_of(tx, PALMISTES)) == 11
        assert len(responsables_of(tx, CONCORDE)) + len(responsables_of(tx, PALMISTES)) == 11


def test_preview_counts_without_writing(store):
    imported(store, rows({}))
    before = snapshot(store)
    with store.reading() as tx:
        summary = preview_import(tx, rows({}, HUGO))
    assert summary.eleves == Counts(created=1, unchanged=1)
    assert summary.responsables == Counts(updated=1)
    assert snapshot(store) == before


def test_nothing_is_saved_when_the_import_fails_half_way(store, monkeypatch):
    with store.reading() as tx:
        engine_tx = type(tx)
    insert_many = engine_tx.insert_many

    def insert_but_not_responsables(tx, table_name, docs):
        if table_name == "responsables":
            raise RuntimeError("disque plein")
        return insert_many(tx, table_name, docs)

    monkeypatch.setattr(engine_tx, "insert_many", insert_but_not_responsables)
    with pytest.raises(RuntimeError):
        imported(store, rows({}))
    # Établissement and élève were inserted before the failure, and are not saved either.
    assert saved(store, "etablissements") == []
    assert saved(store, "eleves") == []


# Linear in the size of the file ----------------------------------------------------------------


class Counting:
    """A transaction that counts the calls made to it (method, table) and passes them on."""

    def __init__(self, tx):
        self._tx = tx
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, name):
        method = getattr(self._tx, name)

        def counted(*args, **kwargs):
            self.calls.append((name, args[0] if args else ""))
            return method(*args, **kwargs)

        return counted

    def count(self, name: str, table: str | None = None) -> int:
        return sum(1 for call in self.calls if call[0] == name and table in (None, call[1]))


def large_roster(families: int):
    """Two pupils per family, in two schools: `2 * families` lines."""
    lines = []
    for number in range(families):
        school = (
            {} if number % 2 else {"uai": PALMISTES, "etablissement_nom": "Collège des Palmistes"}
        )
        parent = {
            "resp_nom": f"Famille {number}",
            "resp_prenom": "Camille",
            "resp_telephone_portable": f"06 10 {number // 10000:02d} "
            f"{number // 100 % 100:02d} {number % 100:02d}",
            **school,
        }
        for child in range(2):
            lines.append(
                line(ine=f"06916{number:05d}{child}", eleve_prenom=f"Élève{child}", **parent)
            )
    report = parse_roster_bytes("\n".join([HEADER, *lines]).encode(), TODAY)
    assert report.errors == []
    return report.rows


def whole_table_reads(monkeypatch) -> list[tuple[str, tuple]]:
    """On TinyDB, where the engine reads a whole table: to build a key's index. Each is logged."""
    from outside.storage import tiny

    built: list[tuple[str, tuple]] = []
    index = tiny._Version.index

    def logged(version, spec, key):
        if (spec.name, key) not in version._indexes:
            built.append((spec.name, key))
        return index(version, spec, key)

    monkeypatch.setattr(tiny._Version, "index", logged)
    return built


def test_an_import_reads_and_writes_by_batches_whatever_its_size(store, monkeypatch):
    large = large_roster(1500)
    assert len(large) == 3000
    built = [] if backends.on_postgresql() else whole_table_reads(monkeypatch)

    with store.writing() as tx:
        counting = Counting(tx)
        summary = import_roster(counting, large)
    assert summary.eleves == Counts(created=3000)
    assert summary.responsables == Counts(created=1500)
    assert summary.etablissements == Counts(created=2)
    # One batch per table, no write per line, no read of a whole table.
    assert sorted(call for call in counting.calls if call[0] == "insert_many") == [
        ("insert_many", "eleves"),
        ("insert_many", "etablissements"),
        ("insert_many", "responsables"),
    ]
    assert counting.count("insert") == counting.count("update") == counting.count("scan") == 0
    reads = [call for call in counting.calls if call[0] in ("get", "find", "find_one", "find_any")]
    assert len(reads) <= 4
    # Each key's index is built once at most, not once per line (TinyDB).
    assert len(built) == len(set(built))

    with store.reading() as tx:
        assert len(eleves_of(tx, CONCORDE)) == len(eleves_of(tx, PALMISTES)) == 1500
        assert len(responsables_of(tx, CONCORDE)) == len(responsables_of(tx, PALMISTES)) == 750
    assert len(saved(store, "eleves")) == 3000
    assert len(saved(store, "responsables")) == 1500

    # The same file again: the same few reads, nothing written.
    with store.writing() as tx:
        counting = Counting(tx)
        summary = import_roster(counting, large)
    assert summary.eleves == Counts(unchanged=3000)
    assert summary.responsables == Counts(unchanged=1500)
    writes = ("insert", "insert_many", "update", "delete")
    assert [call for call in counting.calls if call[0] in writes] == []
    assert counting.count("scan") == 0
    reads = [call for call in counting.calls if call[0] in ("get", "find", "find_one", "find_any")]
    assert len(reads) <= 4
