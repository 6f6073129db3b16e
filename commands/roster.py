"""`flask --app app roster import FICHIER.csv`: load a school's roster from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from outside.storage import StorageError
from records.roster import ImportSummary, import_roster, preview_import
from rules.roster import RosterReport, parse_roster_bytes

roster = AppGroup("roster", help="Import de la liste des élèves et de leurs responsables.")


class CommandError(click.ClickException):
    """A failure told in French, without click's English "Error:" prefix and no traceback."""

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


@roster.command("import")
@click.argument("file", metavar="FICHIER.csv")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Vérifie le fichier et montre le résultat sans rien enregistrer.",
)
@click.option(
    "--valid-only",
    is_flag=True,
    help="Importe les lignes valides même si d'autres lignes sont en erreur.",
)
def import_command(file: str, dry_run: bool, valid_only: bool) -> None:
    """Importe FICHIER.csv : UTF-8, séparateur « ; », une ligne d'en-tête puis une ligne par
    élève et responsable.

    Si une ligne est en erreur, rien n'est importé, sauf avec --valid-only.
    """
    data = read_file(file)
    if dry_run:
        click.echo("Simulation (--dry-run) : rien ne sera enregistré.")
    report = parse_roster_bytes(data, current_app.extensions["clock"].today())
    echo_errors(report)
    # Encoding, emptiness, header: the whole file is unusable, --valid-only cannot help.
    file_unusable = not report.rows and not report.ok

    if dry_run:
        if not file_unusable:
            if report.ok:
                click.echo(f"L'import {_of_the_lines(len(report.rows))} donnerait :")
            else:
                valid = _of_the_lines(len(report.rows), "valide")
                click.echo(f"Avec --valid-only, l'import {valid} donnerait :")
            with current_app.extensions["store"].reading() as tx:
                summary = preview_import(tx, report.rows)
            echo_summary(summary)
        click.get_current_context().exit(0 if report.ok else 1)

    if file_unusable:
        raise CommandError("Rien n'a été importé.")
    if not report.ok and not valid_only:
        raise CommandError(
            "Rien n'a été importé. Corrigez le fichier, ou relancez la commande avec "
            f"--valid-only pour importer seulement {_the_lines(len(report.rows), 'valide')}."
        )
    if not report.ok:
        click.echo(f"Lignes en erreur ignorées (--valid-only) : {_bad_lines(report)}.")
    summary = save(report)
    click.echo(f"Import terminé : {_lines(len(report.rows), 'importée')}.")
    echo_summary(summary)


def read_file(file: str | Path) -> bytes:
    path = Path(file)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"Fichier introuvable : {path}") from None
    except IsADirectoryError:
        raise CommandError(f"{path} est un dossier : indiquez un fichier CSV.") from None
    except PermissionError:
        raise CommandError(f"Lecture de {path} refusée : droits insuffisants.") from None
    except OSError as error:
        raise CommandError(f"Impossible de lire {path} : {error.strerror}.") from None


def save(report: RosterReport) -> ImportSummary:
    try:
        with current_app.extensions["store"].writing() as tx:
            return import_roster(tx, report.rows)
    except StorageError as error:
        raise CommandError(f"Rien n'a été importé : {error}.") from None


def echo_errors(report: RosterReport) -> None:
    for error in report.errors:
        click.echo(str(error))
    if report.bad_lines:
        click.echo(f"{_count(len(report.bad_lines), 'ligne')} en erreur sur {report.data_lines}.")


def echo_summary(summary: ImportSummary) -> None:
    for label, counts in (
        ("Établissements", summary.etablissements),
        ("Élèves", summary.eleves),
        ("Responsables", summary.responsables),
    ):
        click.echo(
            f"  {label} : {_count(counts.created, 'créé')}, {counts.updated} mis à jour, "
            f"{_count(counts.unchanged, 'inchangé')}"
        )


def _bad_lines(report: RosterReport) -> str:
    return ", ".join(str(line) for line in report.bad_lines)


def _lines(number: int, adjective: str = "") -> str:
    words = _count(number, "ligne")
    if adjective:
        words += " " + adjective + ("s" if number > 1 else "")
    return words


def _the_lines(number: int, adjective: str) -> str:
    """French wording for one or several lines: "la ligne valide", "les 3 lignes valides"."""
    if number == 1:
        return f"la ligne {adjective}"
    return f"les {_lines(number, adjective)}"


def _of_the_lines(number: int, adjective: str = "") -> str:
    """French wording after "l'import": "de la ligne", "des 3 lignes valides"."""
    if number == 1:
        return f"de la ligne {adjective}".rstrip()
    return f"des {_lines(number, adjective)}"


def _count(number: int, word: str) -> str:
    """French agreement: "0 créé", "1 créé", "2 créés"."""
    return f"{number} {word}{'s' if number > 1 else ''}"
