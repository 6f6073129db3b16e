"""`flask --app app bourse estimate --annee 2025-2026 --rfr 12000 --enfants 2`: the échelon and
amounts of the bourse de collège, as JSON, from the same scale as the simulator and the request.
"""

from __future__ import annotations

import json
import re

import click
from flask.cli import AppGroup

from commands.roster import CommandError
from rules.bourse import BourseError, estimate

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
