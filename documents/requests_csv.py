"""The scholarship requests as a CSV file for the school's spreadsheet (journeys §7, back office):
UTF-8 with a byte order mark (so a spreadsheet reads the accents), `;` between cells, a French
header, one line per request. A cell a spreadsheet would read as a formula is quoted with `'`."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from documents.decision import granted_amounts
from records.bourse_requests import RequestState
from rules.clock import in_paris

HEADER = [
    "Numéro",
    "Date de dépôt",
    "État",
    "Élève",
    "Classe",
    "Responsable",
    "Courriel",
    "Revenu fiscal de référence (€)",
    "Enfants à charge",
    "Source des données fiscales",
    "Pièces à vérifier",
    "Échelon estimé",
    "Échelon accordé",
    "Montant annuel accordé (€)",
    "Motif de refus",
]
SOURCES = {"dgfip": "DGFiP", "manuel": "saisie manuelle"}
# What a spreadsheet starts a formula with (OWASP's CSV injection list, tab and CR included).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def submitted_at(iso: str) -> str:
    return f"{in_paris(datetime.fromisoformat(iso)):%d/%m/%Y %H:%M}"


def row(request: dict) -> list[str]:
    """The cells of one request, in the order of HEADER."""
    child, parent, fiscal = request["pupil"], request["applicant"], request["tax"]
    granted = request["state"] == RequestState.GRANTED
    cells = [
        request["number"],
        submitted_at(request["submitted_at"]),
        request["state"],
        f"{child['prenom']} {child['nom']}",
        child["classe"],
        f"{parent['first_name']} {parent['last_name']}",
        request["contact"]["email"],
        fiscal["rfr"],
        fiscal["enfants_a_charge"],
        SOURCES.get(fiscal["source"], fiscal["source"]),
        "oui" if request["documents_to_check"] else "non",
        request["estimate"]["echelon"],
        request["granted_echelon"] if granted else "",
        granted_amounts(request)[0] if granted else "",
        request["refusal_reason"] or "",
    ]
    return [safe_cell(cell) for cell in cells]


def requests_csv(requests: list[dict]) -> bytes:
    return table_csv(HEADER, (row(request) for request in requests))


def table_csv(header: list[str], rows) -> bytes:
    """The file: the header, then `rows` (lists of cells already made safe by `safe_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")
