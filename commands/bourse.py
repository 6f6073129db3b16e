"""`flask --app app bourse estimate --annee 2025-2026 --rfr 12000 --enfants 2`: the échelon and
amounts of the bourse de collège, as JSON, from the same scale as the simulator and the request.

`flask --app app bourse purge-pieces`: delete the uploaded notices no request holds (a request
abandoned half-way, a file replaced before sending or by a correction), once older than a day,
so never one of a request still being filled in (its journey lasts four hours). To run daily.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from commands.roster import CommandError
from records.bourse_requests import kept_pieces
from rules.bourse import BourseError, estimate

ORPHAN_AGE = timedelta(days=1)

bourse = AppGroup("bourse", help="Barème de la bourse de collège.")


class InputError(CommandError):
    """Bad input: told in French, exit code 2 as click's own usage errors."""

    exit_code = 2


def whole_number(value: str | None, option: str, what: str) -> int:
    # Read here rather than by click, whose messages are in English.
    if value is None or not value.strip():
        raise InputError(f"Indiquez {what} avec {option}.")
    if not re.fullmatch(r"[+-]?\d{1,12}", value.strip()):
        raise InputError(f"{option} « {value} » : {what} doit être un nombre entier.")
    return int(value)


@bourse.command("estimate")
@click.option("--annee", help="Année scolaire, par exemple 2025-2026.")
@click.option("--rfr", help="Revenu fiscal de référence en euros, par exemple 12000.")
@click.option("--enfants", help="Nombre d'enfants à charge (8 ou plus : colonne 8).")
def estimate_command(annee: str | None, rfr: str | None, enfants: str | None) -> None:
    """Estime l'échelon et le montant de la bourse de collège (JSON).

    L'échelon vaut 0 et les montants 0 sans bourse. Ce n'est qu'une estimation : la décision
    appartient au chef d'établissement.
    """
    if not annee or not annee.strip():
        raise InputError("Indiquez l'année scolaire avec --annee, par exemple --annee 2025-2026.")
    income = whole_number(rfr, "--rfr", "le revenu fiscal de référence")
    children = whole_number(enfants, "--enfants", "le nombre d'enfants à charge")
    try:
        result = estimate(annee.strip(), income, children)
    except BourseError as error:
        raise InputError(str(error)) from None
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False))


@bourse.command("purge-pieces")
def purge_pieces_command() -> None:
    """Supprime les pièces jointes qu'aucune demande ne garde (plus d'un jour)."""
    files = current_app.extensions["files"]
    with current_app.extensions["store"].reading() as tx:
        kept = kept_pieces(tx)
    orphans = [key for key in files.keys_older_than(ORPHAN_AGE) if key not in kept]
    for key in orphans:
        files.delete(key)
    click.echo(f"Pièces supprimées : {len(orphans)}.")
