import json

from outside.storage.tx import stored
from rules.roster import HEADER
from tests import backends

GOOD_LINES = [
    "0691234A;Collège Concorde;0691500123K;Lefèvre-D'Almeida;Léa;14/03/2015;6e;6eA;Mme;"
    "Lefèvre-D'Almeida;Sophie;mère;06 12 34 56 78;sophie.lefevre-dalmeida@example.org",
    "0691234A;Collège Concorde;0691300456L;Lefèvre-D'Almeida;Hugo;02/11/2013;4e;4eB;Mme;"
    "Lefèvre-D'Almeida;Sophie;mère;06 12 34 56 78;sophie.lefevre-dalmeida@example.org",
]
LANDLINE_LINE = (
    "0691234A;Collège Concorde;0691400789M;Benali;Inès;21/06/2014;5e;5eB;M.;"
    "Benali;Karim;père;04 78 12 34 56;"
)


def saved(store, table: str) -> list[dict]:
    """Every record of the table as kept (without its id), by id."""
    with store.reading() as tx:
        return [stored(doc) for doc in tx.scan(table)]


def nothing_written(store) -> bool:
    """No file made on TinyDB; no record in any table on PostgreSQL."""
    if backends.on_postgresql():
        return all(docs == [] for docs in json.loads(backends.database_text(store)).values())
    return not store.path.exists()


def snapshot(store):
    """Everything the store holds; on TinyDB, the file's very bytes."""
    text = backends.database_text(store)
    if backends.on_postgresql():
        return text
    return text, store.path.read_bytes()


def write(tmp_path, *lines, name="eleves.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


def test_import_prints_the_summary(runner, store, tmp_path):
    result = runner.invoke(args=["roster", "import", write(tmp_path, *GOOD_LINES)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Import terminé : 2 lignes importées.\n"
        "  Établissements : 1 créé, 0 mis à jour, 0 inchangé\n"
        "  Élèves : 2 créés, 0 mis à jour, 0 inchangé\n"
        "  Responsables : 1 créé, 0 mis à jour, 0 inchangé\n"
    )
    assert sorted(e["prenom"] for e in saved(store, "eleves")) == ["Hugo", "Léa"]


def test_import_twice_reports_unchanged(runner, store, tmp_path):
    path = write(tmp_path, *GOOD_LINES)
    runner.invoke(args=["roster", "import", path])
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code == 0
    assert "  Élèves : 0 créé, 0 mis à jour, 2 inchangés\n" in result.output
    assert len(saved(store, "eleves")) == 2


def test_dry_run_writes_nothing(runner, store, tmp_path):
    result = runner.invoke(args=["roster", "import", write(tmp_path, *GOOD_LINES), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Simulation (--dry-run) : rien ne sera enregistré.\n"
        "L'import des 2 lignes donnerait :\n"
        "  Établissements : 1 créé, 0 mis à jour, 0 inchangé\n"
        "  Élèves : 2 créés, 0 mis à jour, 0 inchangé\n"
        "  Responsables : 1 créé, 0 mis à jour, 0 inchangé\n"
    )
    assert nothing_written(store)
    assert saved(store, "eleves") == []


def test_dry_run_with_bad_lines_lists_them_and_exits_1(runner, store, tmp_path):
    path = write(tmp_path, GOOD_LINES[0], LANDLINE_LINE, GOOD_LINES[1])
    result = runner.invoke(args=["roster", "import", path, "--dry-run"])
    assert result.exit_code == 1
    assert "Ligne 3 : Téléphone « 04 78 12 34 56 » refusé" in result.output
    assert "1 ligne en erreur sur 3." in result.output
    assert "Avec --valid-only, l'import des 2 lignes valides donnerait :" in result.output
    assert "  Élèves : 2 créés, 0 mis à jour, 0 inchangé" in result.output
    assert nothing_written(store)


def test_bad_lines_import_nothing(runner, store, tmp_path):
    path = write(tmp_path, GOOD_LINES[0], LANDLINE_LINE, GOOD_LINES[1])
    result = runner.invoke(args=["roster", "import", path])
    assert result.exit_code == 1
    assert (
        "Ligne 3 : Téléphone « 04 78 12 34 56 » refusé (colonne resp_telephone_portable) : "
        "C'est un numéro de téléphone fixe : indiquez un numéro de portable.\n"
    ) in result.output
    assert (
        "Erreur : Rien n'a été importé. Corrigez le fichier, ou relancez la commande avec "
        "--valid-only pour importer seulement les 2 lignes valides.\n"
    ) in result.output
    assert "Traceback" not in result.output
    assert saved(store, "eleves") == []
    assert saved(store, "etablissements") == []


def test_valid_only_imports_the_valid_lines(runner, store, tmp_path):
    path = write(tmp_path, GOOD_LINES[0], LANDLINE_LINE, GOOD_LINES[1])
    result = runner.invoke(args=["roster", "import", path, "--valid-only"])
    assert result.exit_code == 0, result.output
    assert "Ligne 3 : Téléphone « 04 78 12 34 56 » refusé" in result.output
    assert "Lignes en erreur ignorées (--valid-only) : 3.\n" in result.output
    assert "Import terminé : 2 lignes importées.\n" in result.output
    assert sorted(e["ine"] for e in saved(store, "eleves")) == ["0691300456L", "0691500123K"]
    assert [r["prenom"] for r in saved(store, "responsables")] == ["Sophie"]


def test_wrong_header_imports_nothing_even_with_valid_only(runner, store, tmp_path):
    path = tmp_path / "eleves.csv"
    path.write_text("UAI;Nom\n" + GOOD_LINES[0] + "\n", encoding="utf-8")
    result = runner.invoke(args=["roster", "import", str(path), "--valid-only"])
    assert result.exit_code == 1
    assert "Ligne 1 : En-tête inattendu : la colonne 1 devrait s'appeler « uai »" in result.output
    assert "Erreur : Rien n'a été importé.\n" in result.output
    assert saved(store, "eleves") == []


def test_non_utf8_file(runner, store, tmp_path):
    path = tmp_path / "eleves.csv"
    path.write_bytes(("\n".join([HEADER, *GOOD_LINES]) + "\n").encode("cp1252"))
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith("Le fichier n'est pas encodé en UTF-8")
    assert "Traceback" not in result.output
    assert saved(store, "eleves") == []


def test_missing_file(runner, tmp_path):
    missing = tmp_path / "absent.csv"
    result = runner.invoke(args=["roster", "import", str(missing)])
    assert result.exit_code == 1
    assert result.output == f"Erreur : Fichier introuvable : {missing}\n"


def test_a_folder_is_not_a_file(runner, tmp_path):
    result = runner.invoke(args=["roster", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == f"Erreur : {tmp_path} est un dossier : indiquez un fichier CSV.\n"


def test_demo_seed_twice_is_idempotent(runner, store):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert first.output == (
        "Familles de démonstration importées depuis roster.csv :\n"
        "  Établissements : 2 créés, 0 mis à jour, 0 inchangé\n"
        "  Élèves : 11 créés, 0 mis à jour, 0 inchangé\n"
        "  Responsables : 11 créés, 0 mis à jour, 0 inchangé\n"
        "Campagne de bourse du Collège Concorde ouverte du 01/09/2026 au 15/10/2026.\n"
    )
    before = snapshot(store)
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "  Responsables : 0 créé, 0 mis à jour, 11 inchangés\n" in second.output
    assert snapshot(store) == before
    assert len(saved(store, "eleves")) == 11
    assert {s["nom"] for s in saved(store, "etablissements")} == {
        "Collège Concorde",
        "Collège des Palmistes",
    }
