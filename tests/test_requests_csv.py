"""The CSV export of the scholarship requests: UTF-8 with a byte order mark, `;`, the French
header, one line per request with its cells, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from documents.requests_csv import HEADER, requests_csv, row, safe_cell
from tests.test_decision import a_request


def parsed(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))


def test_the_file_has_the_header_and_one_line_per_request():
    lines = parsed(requests_csv([a_request(), a_request(number="0691234A-2026-00008")]))
    assert lines[0] == HEADER
    assert lines[0][:3] == ["Numéro", "Date de dépôt", "État"]
    assert [line[0] for line in lines[1:]] == ["0691234A-2026-00007", "0691234A-2026-00008"]


def test_an_empty_list_is_the_header_alone():
    assert parsed(requests_csv([])) == [HEADER]


def test_a_request_being_examined():
    assert row(a_request(state="en instruction")) == [
        "0691234A-2026-00007",
        "14/09/2026 10:05",
        "en instruction",
        "Inès Benali",
        "5eB",
        "Karim Benali",
        "karim.benali@example.org",
        "9000",
        "2",
        "DGFiP",
        "non",
        "2",
        "",
        "",
        "",
    ]


def test_a_granted_request_has_its_echelon_and_amount():
    cells = dict(zip(HEADER, row(a_request(state="accordée", granted_echelon=3)), strict=True))
    assert cells["Échelon estimé"] == "2"
    assert cells["Échelon accordé"] == "3"
    assert cells["Montant annuel accordé (€)"] == "525"
    assert cells["Motif de refus"] == ""


def test_a_refused_request_with_typed_tax_data():
    fiscal = {**a_request()["tax"], "source": "manuel"}
    refused = a_request(state="refusée", refusal_reason="Avis illisible; à redéposer.", tax=fiscal)
    cells = dict(zip(HEADER, row({**refused, "documents_to_check": True}), strict=True))
    assert cells["Source des données fiscales"] == "saisie manuelle"
    assert cells["Pièces à vérifier"] == "oui"
    assert cells["Échelon accordé"] == "" and cells["Montant annuel accordé (€)"] == ""
    # The `;` in the reason is quoted, not a new cell.
    (line,) = parsed(requests_csv([refused]))[1:]
    assert line[-1] == "Avis illisible; à redéposer."


def test_the_deposit_time_is_paris_time():
    # 08:05 UTC in September is 10:05 in Paris.
    assert row(a_request(submitted_at="2026-09-14T08:05:00+00:00"))[1] == "14/09/2026 10:05"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_formula_is_quoted(start):
    assert safe_cell(f'{start}HYPERLINK("http://x")') == f'\'{start}HYPERLINK("http://x")'


def test_names_and_reasons_cannot_inject_a_formula():
    child = {**a_request()["pupil"], "prenom": "=1+1", "nom": "X"}
    refused = a_request(
        state="refusée",
        refusal_reason="@SUM(A1:A2)",
        pupil=child,
        applicant={"first_name": "-2", "last_name": "Y"},
    )
    cells = dict(zip(HEADER, row(refused), strict=True))
    assert cells["Élève"] == "'=1+1 X"
    assert cells["Responsable"] == "'-2 Y"
    assert cells["Motif de refus"] == "'@SUM(A1:A2)"


def test_plain_text_and_numbers_are_unchanged():
    assert safe_cell("Benali") == "Benali"
    assert safe_cell(9000) == "9000"
    assert safe_cell(None) == ""
