"""`flask --app app demo seed`: the demo families, so a newcomer can try every journey."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from commands.roster import CommandError, echo_errors, echo_summary, read_file, save
from records.teleservices import BOURSE, State, save_service, service_of
from rules.campaign import default_campaign, school_year_bounds, school_year_of
from rules.roster import parse_roster_bytes

DEMO_ROSTER = Path(__file__).resolve().parent.parent / "data" / "demo" / "roster.csv"
DEMO_SCHOOL = "0691234A"  # Collège Concorde

demo = AppGroup("demo", help="Données de démonstration.")


@demo.command("seed")
def seed_command() -> None:
    """Importe les familles de démonstration (data/demo/roster.csv).

    Ouvre aussi la campagne de bourse du Collège Concorde pour l'année scolaire en cours.
    Relancer la commande ne change rien : l'import ne crée pas de doublons.
    """
    report = parse_roster_bytes(read_file(DEMO_ROSTER), current_app.extensions["clock"].today())
    if not report.ok:
        echo_errors(report)
        raise CommandError(f"Le fichier de démonstration {DEMO_ROSTER} est à corriger.")
    summary = save(report)
    click.echo(f"Familles de démonstration importées depuis {DEMO_ROSTER.name} :")
    echo_summary(summary)
    start, end = open_demo_campaign()
    click.echo(
        f"Campagne de bourse du Collège Concorde ouverte du {start:%d/%m/%Y} au {end:%d/%m/%Y}."
    )


def open_demo_campaign():
    """The demo school's bourse campaign, open today: from 1 September to the third Thursday of
    October, or, once that day is past, to the end of the school year, so a newcomer can always
    try the request. Unchanged when the campaign is already open today."""
    clock = current_app.extensions["clock"]
    today = clock.today()
    with current_app.extensions["store"].writing() as tx:
        current = service_of(tx, DEMO_SCHOOL, BOURSE, today)
        if current.open:
            return current.start, current.end
        year = school_year_of(today)
        start, end = default_campaign(year)
        if today > end:
            end = school_year_bounds(year)[1]
        saved = save_service(
            tx, DEMO_SCHOOL, BOURSE, State.OPEN, current.message, start, end, clock.now()
        )
    return saved.start, saved.end
