"""`flask --app app demo seed`: the demo families, so a newcomer can try every journey."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from commands.roster import CommandError, echo_errors, echo_summary, read_file, save
from rules.roster import parse_roster_bytes

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "data" / "demo" / "roster.csv"

demo = AppGroup("demo", help="Données de démonstration.")


@demo.command("seed")
def seed_command() -> None:
    """Importe les familles de démonstration (data/demo/roster.csv).

    Relancer la commande ne change rien : l'import ne crée pas de doublons.
    """
    report = parse_roster_bytes(read_file(DEMO_ROSTER), current_app.extensions["clock"].today())
    if not report.ok:
        echo_errors(report)
        raise CommandError(f"Le fichier de démonstration {DEMO_ROSTER} est à corriger.")
    summary = save(report)
    click.echo(f"Familles de démonstration importées depuis {DEMO_ROSTER.name} :")
    echo_summary(summary)
