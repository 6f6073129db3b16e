"""`flask --app app bourse estimate`: the JSON answer and the French errors (exit code 2);
`bourse purge-pieces`: the uploaded files no request holds."""

import json
import os
import time
from datetime import timedelta

import pytest

from outside.files import UnknownFile


def run(runner, *args):
    return runner.invoke(args=["bourse", "estimate", *args])


def test_the_example_of_the_issue(runner):
    result = run(runner, "--annee", "2025-2026", "--rfr", "12000", "--enfants", "2")
    assert result.exit_code == 0, result.output
    assert result.output == (
        '{"annee": "2025-2026", "echelon": 2, "montant_annuel": 330, '
        '"montant_trimestriel": 110, "provisoire": false}\n'
    )


def test_no_scholarship_in_a_provisional_year(runner):
    result = run(runner, "--annee", "2026-2027", "--rfr", "48353", "--enfants", "9")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "annee": "2026-2027",
        "echelon": 0,
        "montant_annuel": 0,
        "montant_trimestriel": 0,
        "provisoire": True,
    }


def test_ceiling_of_echelon_3(runner):
    result = run(runner, "--annee", "2021-2022", "--rfr", "3013", "--enfants", "1")
    assert json.loads(result.output)["echelon"] == 3
    assert json.loads(result.output)["montant_trimestriel"] == 153


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--annee", "2019-2020", "--rfr", "12000", "--enfants", "2"],
            "Erreur : Année scolaire « 2019-2020 » inconnue : les barèmes disponibles vont de "
            "2021-2022 à 2026-2027.\n",
        ),
        (
            ["--annee", "2025-2026", "--rfr", "-1", "--enfants", "2"],
            "Erreur : Le revenu fiscal de référence ne peut pas être négatif.\n",
        ),
        (
            ["--annee", "2025-2026", "--rfr", "12000", "--enfants", "0"],
            "Erreur : Le nombre d'enfants à charge est d'au moins 1 : l'élève de collège compte.\n",
        ),
        (
            ["--annee", "2025-2026", "--rfr", "12000.50", "--enfants", "2"],
            "Erreur : --rfr « 12000.50 » : le revenu fiscal de référence doit être un nombre "
            "entier.\n",
        ),
        (
            ["--annee", "2025-2026", "--rfr", "12000", "--enfants", "deux"],
            "Erreur : --enfants « deux » : le nombre d'enfants à charge doit être un nombre "
            "entier.\n",
        ),
        (
            ["--rfr", "12000", "--enfants", "2"],
            "Erreur : Indiquez l'année scolaire avec --annee, par exemple --annee 2025-2026.\n",
        ),
        (
            ["--annee", "2025-2026", "--enfants", "2"],
            "Erreur : Indiquez le revenu fiscal de référence avec --rfr.\n",
        ),
        (
            ["--annee", "2025-2026", "--rfr", "12000"],
            "Erreur : Indiquez le nombre d'enfants à charge avec --enfants.\n",
        ),
    ],
)
def test_bad_input_is_told_in_french_with_exit_code_2(runner, args, message):
    result = run(runner, *args)
    assert result.exit_code == 2
    assert result.output == message
    assert "Traceback" not in result.output


def aged(files, data: bytes, days: float) -> str:
    key = files.save(data)
    moment = time.time() - days * 86400
    os.utime(files.folder / key, (moment, moment))
    return key


def test_purge_deletes_only_old_files_no_request_holds(make_app, tmp_path):
    # A folder of the test's own: on PostgreSQL the default one is shared (data/pieces).
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "pieces"))
    files, store, runner = app.extensions["files"], app.extensions["store"], app.test_cli_runner()
    held = aged(files, b"avis de la demande", days=30)
    orphan = aged(files, b"avis abandonne", days=2)
    in_progress = aged(files, b"avis en cours", days=0)
    with store.writing() as tx:
        tx.insert(
            "demandes_bourse",
            {"number": "0691234A-2026-00001", "tax": {"files": [{"key": held}, None]}},
        )
    result = runner.invoke(args=["bourse", "purge-pieces"])
    assert result.exit_code == 0
    assert result.output == "Pièces supprimées : 1.\n"
    assert sorted(files.keys_older_than(timedelta(0))) == sorted([held, in_progress])
    with pytest.raises(UnknownFile):
        files.read(orphan)
