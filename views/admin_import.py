"""Importing the roster from the back office (journeys §0, §4): upload the CSV, see every bad
line with its reason and what the valid lines would change, then confirm. The same rules and
records as `flask --app app roster import`, restricted to the staff member's own school.

Between the preview and the confirmation, the file waits on the server as a journey (the table
"parcours", one hour at most) whose id only this session holds.
"""

from __future__ import annotations

from flask import abort, flash, request, session, url_for

from records import journeys
from records.roster import ImportSummary, import_roster, preview_import
from rules.roster import COLUMNS
from rules.roster_upload import (
    MAX_BYTES,
    TOO_LARGE,
    file_problems,
    parse_for_school,
    upload_problem,
)
from views.admin import admin_page, bp, current_staff, record, staff_required
from views.errors import handle_http_error
from views.journey import now
from views.rendering import leave_to
from views.unit import tx

KIND = journeys.Kind.ROSTER_IMPORT
EXPIRED = (
    "Aucun fichier en attente d'import (l'aperçu expire après une heure) : envoyez-le de nouveau."
)
NOTHING_VALID = "Aucune ligne valide : corrigez le fichier, puis envoyez-le de nouveau."


def import_page(staff: dict, status: int = 200, **context):
    context.setdefault("errors", [])
    return admin_page(
        "import",
        "import",
        "Importer la liste des élèves",
        staff,
        status,
        columns=COLUMNS,
        max_mb=MAX_BYTES // 2**20,
        **context,
    )


@bp.get("/import")
@staff_required
def import_form(staff):
    return import_page(staff)


@bp.post("/import")
@staff_required
def upload(staff):
    sent = request.files.get("fichier")
    # One byte more than allowed is enough to know the file is too large.
    data = sent.read(MAX_BYTES + 1) if sent else b""
    problem = upload_problem(data)
    if problem:
        return import_page(staff, 413 if problem == TOO_LARGE else 422, errors=[problem])
    report = parse_for_school(data, staff["uai"], now().date())
    problems = file_problems(report)
    if problems:
        return import_page(staff, 422, errors=problems)
    state = {"file_name": sent.filename or "fichier.csv", "content": data.decode("utf-8-sig")}
    session[KIND] = journeys.start(tx(), KIND, state, now())
    return leave_to(url_for("admin.preview"))


def too_large(error):
    """Above the service's limit for any request, the upload never reaches the view: the same
    page and message as a file over the import's own limit."""
    staff = current_staff()
    if staff is None or request.endpoint != "admin.upload":
        return handle_http_error(error)
    return import_page(staff, 413, errors=[TOO_LARGE])


bp.register_error_handler(413, too_large)


def pending(staff: dict):
    """The waiting file's name and report. Without one (none sent, or expired), the request
    ends here: back to the import page, which says why."""
    state = journeys.load(tx(), session.get(KIND), kind=KIND, now=now())
    if state is None:
        flash(EXPIRED, "error")
        abort(leave_to(url_for("admin.import_form")))
    data = state["content"].encode("utf-8")
    return state["file_name"], parse_for_school(data, staff["uai"], now().date())


@bp.get("/import/apercu")
@staff_required
def preview(staff):
    name, report = pending(staff)
    return admin_page(
        "apercu",
        "main",
        "Aperçu de l'import",
        staff,
        name=name,
        report=report,
        summary=preview_import(tx(), report.rows),
        nothing_valid=NOTHING_VALID,
    )


@bp.post("/import/confirmer")
@staff_required
def confirm(staff):
    name, report = pending(staff)
    if not report.rows:
        flash(NOTHING_VALID, "error")
        return leave_to(url_for("admin.import_form"))
    # A StorageError here reaches views/errors.py: its 503 page rolls the whole request back,
    # so no part of the file is saved and the file still waits for another try.
    summary = import_roster(tx(), report.rows)
    journeys.finish(tx(), session.pop(KIND))
    done = done_text(name, report, summary)
    record(staff, "import", done)
    flash(done, "notice")
    return leave_to(url_for("admin.import_form"))


def done_text(name: str, report, summary: ImportSummary) -> str:
    text = f"Import de {name} terminé : {len(report.rows)} ligne(s) importée(s)"
    if report.bad_lines:
        text += f", {len(report.bad_lines)} ligne(s) en erreur ignorée(s)"
    parts = [
        f"{label} : {counts.created} créé(s), {counts.updated} mis à jour, "
        f"{counts.unchanged} inchangé(s)"
        for label, counts in (("Élèves", summary.eleves), ("Responsables", summary.responsables))
    ]
    return f"{text}. {' ; '.join(parts)}."
