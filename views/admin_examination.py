"""The school's automatic examination of the right to the scholarship in the back office
(journeys §7 bis, issue 14; both roles, the decision staying the head's): « Lancer l'examen
automatique » for the pupils of the current school year whose responsable consents, its
progress while it runs in the background (polled by htmx every second; « Actualiser » without
JavaScript), and each pupil's result with counts, filters (result, class) and CSV export.
Eligible pupils become requests « en instruction » in the scholarship review
(`views/admin_bourse.py`), marked « examen automatique »."""

from __future__ import annotations

from flask import Response, current_app, flash, request, url_for

from documents.examinations_csv import examinations_csv
from records import audit, examinations
from rules.examination import (
    ELIGIBLE,
    LABELS,
    NOT_ELIGIBLE,
    NOT_FOUND,
    RESULTS,
    UNAVAILABLE,
)
from views import examination_run
from views.admin import admin_page, bp, paginate, staff_required
from views.admin_bourse import school_year
from views.examination_run import CannotStart, Links
from views.journey import now
from views.rendering import leave_to
from views.unit import tx, writes

PER_PAGE = 50
STARTED = "L'examen automatique est lancé : sa progression s'affiche ci-dessous."
BADGES = {ELIGIBLE: "success", NOT_ELIGIBLE: "info", NOT_FOUND: "warning", UNAVAILABLE: "error"}


class Filters:
    """The list's filters as the address gives them; an unknown value is no filter."""

    def __init__(self, args, classes: list[str]):
        self.resultat = args.get("resultat", "") if args.get("resultat") in RESULTS else ""
        self.classe = args.get("classe", "") if args.get("classe") in classes else ""

    def keep(self, row: dict) -> bool:
        return (not self.resultat or row["result"] == self.resultat) and (
            not self.classe or row["pupil"]["classe"] == self.classe
        )

    def args(self) -> dict:
        given = {"resultat": self.resultat, "classe": self.classe}
        return {name: value for name, value in given.items() if value}


def results(staff: dict) -> tuple[str, list[dict], list[dict], Filters]:
    """The school year, its results, those the filters keep, and the filters."""
    annee = school_year()
    found = examinations.of_school(tx(), staff["uai"], annee)
    classes = sorted({row["pupil"]["classe"] for row in found})
    filters = Filters(request.args, classes)
    return annee, found, [row for row in found if filters.keep(row)], filters


def progress_context(staff: dict, annee: str) -> dict:
    run = examinations.run_of(tx(), staff["uai"], annee)
    return {
        "run": run,
        "running": examinations.is_running(run, now(), examination_run.stale_after()),
        "run_states": examinations.RunState,
        "blocked": examination_run.why_not(tx(), staff["uai"], annee, now().date()),
    }


def examination_page(staff: dict, block: str, status: int = 200, **context):
    annee, found, kept, filters = results(staff)
    counts = dict.fromkeys(RESULTS, 0)
    for row in found:
        counts[row["result"]] += 1
    return admin_page(
        "examen",
        block,
        "Examen automatique du droit à bourse",
        staff,
        status,
        annee=annee,
        total=len(found),
        counts=counts,
        page=paginate(kept, PER_PAGE, filters.args()),
        filters=filters,
        classes=sorted({row["pupil"]["classe"] for row in found}),
        results=RESULTS,
        labels=LABELS,
        result_texts={result: label.capitalize() for result, label in LABELS.items()},
        result_badges=BADGES,
        **progress_context(staff, annee),
        **context,
    )


@bp.get("/bourses/examen")
@staff_required
def examen(staff):
    return examination_page(staff, "resultats")


@bp.get("/bourses/examen/progression")
@staff_required
def examen_progression(staff):
    """The progress alone for htmx's polling; the whole page for a browser."""
    return examination_page(staff, "progression")


@bp.post("/bourses/examen")
@staff_required
def lancer_examen(staff):
    annee = school_year()
    try:
        run = examination_run.start(tx(), staff["uai"], annee, staff["identifier"], now())
    except CannotStart as refused:
        return examination_page(staff, "main", 422, failure=str(refused))
    except examinations.AlreadyRunning as running:
        return examination_page(staff, "main", 409, failure=str(running))
    detail = f"Examen automatique {annee} lancé ({run['total']} élève(s) à examiner)."
    audit.record(tx(), staff, "examen-bourse", detail, now())
    flash(STARTED, "notice")
    response = leave_to(url_for("admin.examen"))
    # Started once this answer's unit of work is saved: the thread reads the run it records.
    app, links = current_app._get_current_object(), Links(request.url_root)
    response.call_on_close(lambda: examination_run.in_background(app, run, links))
    return response


@bp.get("/bourses/examen/export.csv")
@writes
@staff_required
def export_examen(staff):
    annee, _, kept, _ = results(staff)
    # Incomes of named families: who took them is journaled, as for the requests.
    detail = f"Export de {len(kept)} résultat(s) de l'examen automatique {annee}."
    audit.record(tx(), staff, "examen-bourse", detail, now())
    response = Response(examinations_csv(kept), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="examen-bourse-{staff["uai"]}-{annee}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
