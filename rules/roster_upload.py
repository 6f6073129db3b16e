"""A roster file sent from the back office (journeys §0, §4): the same checks as the command
line (`rules/roster.py`), plus what a browser upload needs: a size limit, a clear word for a
spreadsheet or PDF sent instead of a CSV, and only the lines of the staff member's own school.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rules.roster import LineError, RosterReport, parse_roster_bytes

MAX_BYTES = 2 * 1024 * 1024
TOO_LARGE = (
    "Le fichier dépasse la taille maximale de 2 Mo. Envoyez la liste en plusieurs fichiers, "
    "par exemple un par niveau."
)
MISSING = "Choisissez le fichier CSV de la liste des élèves."
NOT_CSV = (
    "Ce fichier n'est pas un fichier CSV (c'est peut-être un classeur de tableur, un PDF ou une "
    "image). Depuis votre tableur, enregistrez la liste au format « CSV UTF-8 (délimité par des "
    "points-virgules) », puis envoyez ce fichier."
)
OTHER_SCHOOL = "Établissement différent du vôtre (UAI {uai}) : cette ligne n'est pas importée."

# The first bytes of the files secretariats most often pick by mistake.
_BINARY_STARTS = (
    b"PK\x03\x04",  # .xlsx, .ods, .docx (zip)
    b"\xd0\xcf\x11\xe0",  # .xls, .doc
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
)


def upload_problem(data: bytes) -> str | None:
    """Why these bytes cannot be a roster at all (missing, too large, not text), or None."""
    if not data:
        return MISSING
    if len(data) > MAX_BYTES:
        return TOO_LARGE
    if data.startswith(_BINARY_STARTS) or b"\x00" in data[:8192]:
        return NOT_CSV
    return None


def parse_for_school(data: bytes, uai: str, today: date) -> RosterReport:
    """The roster's report where each valid line of another school becomes a bad line."""
    report = parse_roster_bytes(data, today)
    others = [row for row in report.rows if row.etablissement.uai != uai]
    if not others:
        return report
    refused = [
        LineError(row.line, OTHER_SCHOOL.format(uai=row.etablissement.uai)) for row in others
    ]
    errors = sorted(
        [*report.errors, *refused], key=lambda error: (error.line is not None, error.line or 0)
    )
    rows = [row for row in report.rows if row.etablissement.uai == uai]
    return replace(report, rows=rows, errors=errors)


def file_problems(report: RosterReport) -> list[str]:
    """The problems that make the whole file unusable (encoding, not a CSV, header, no line),
    as opposed to bad lines, which a preview lists while the other lines can be imported."""
    if report.data_lines == 0 or any(error.line is None for error in report.errors):
        return [str(error) for error in report.errors]
    return []
