"""The results of the automatic examination as a CSV file for the school's spreadsheet, the way
the requests' export is made (documents/requests_csv.py): UTF-8 with a byte order mark, `;`,
a French header, one line per pupil, formulas defused."""

from __future__ import annotations

from documents.requests_csv import safe_cell, submitted_at, table_csv
from rules.examination import LABELS

HEADER = [
    "Élève",
    "Classe",
    "Responsable",
    "Résultat",
    "Examiné le",
    "Revenu fiscal de référence (€)",
    "Enfants à charge",
    "Plafond (€)",
    "Échelon",
    "Montant annuel (€)",
    "Demande",
]


def row(result: dict) -> list[str]:
    """The cells of one pupil's result, in the order of HEADER."""
    child, parent = result["pupil"], result["parent"]
    cells = [
        f"{child['prenom']} {child['nom']}",
        child["classe"],
        f"{parent['first_name']} {parent['last_name']}",
        LABELS[result["result"]],
        submitted_at(result["examined_at"]),
        result["rfr"],
        result["enfants"],
        result["ceiling"],
        result["echelon"] or "",
        result["montant_annuel"] or "",
        result["request_number"],
    ]
    return [safe_cell(cell) for cell in cells]


def examinations_csv(results: list[dict]) -> bytes:
    return table_csv(HEADER, (row(result) for result in results))
