"""`flask --app app bourse examiner <uai> --url https://teleservices.example.fr/`: the school's
automatic examination of the right to the scholarship for the current school year (journeys
§7 bis), in the foreground, for a cron: the same run as the back office's « Lancer l'examen
automatique » (views/examination_run.py). `--url` is the service's public address, which the
links mailed to families start with."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask import current_app

from commands.bourse import InputError, bourse
from commands.roster import CommandError
from records import examinations
from records.roster import school_names
from rules.bourse import school_year_on
from views import examination_run
from views.examination_run import CannotStart, Links


@bourse.command("examiner")
@click.argument("uai")
@click.option(
    "--url", help="Adresse publique du service, par exemple https://teleservices.example.fr/"
)
def examine_command(uai: str, url: str | None) -> None:
    """Examine automatiquement le droit à bourse des élèves de l'établissement UAI.

    Seuls les élèves dont un responsable a donné son accord, et qui n'ont pas encore de
    résultat définitif cette année, sont examinés.
    """
    links = Links(public_address(url))
    store, clock = current_app.extensions["store"], current_app.extensions["clock"]
    annee = school_year_on(clock.today())
    with store.writing() as tx:
        if uai not in school_names(tx, [uai]):
            raise InputError(f"Aucun établissement d'UAI « {uai} » dans le service.")
        try:
            run = examination_run.start(tx, uai, annee, "commande", clock.now())
        except (CannotStart, examinations.AlreadyRunning) as refused:
            raise CommandError(str(refused)) from None
    click.echo(f"Examen automatique {annee} de {uai} : {run['total']} élève(s) à examiner.")
    ended = examination_run.examine_all(run, links)
    if ended["state"] == examinations.RunState.FAILED:
        raise CommandError(ended["failure"])
    with store.reading() as tx:
        found = examinations.of_school(tx, uai, annee)
    click.echo(
        f"Terminé : {ended['done']} élève(s) examiné(s), {len(found)} résultat(s) cette année."
    )


def public_address(url: str | None) -> str:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            "Indiquez l'adresse publique du service avec --url, par exemple "
            "--url https://teleservices.example.fr/ : les liens envoyés aux familles en partent."
        )
    return url.strip() if url.strip().endswith("/") else f"{url.strip()}/"
