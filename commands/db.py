"""`flask --app app db upgrade | copy | purge`: the database's shape, moves and upkeep."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from outside.storage import open_store
from outside.storage.migrations import upgrade
from outside.storage.schema import TABLES

db = AppGroup("db", help="Base de données : mise à jour, copie, nettoyage.")


@db.command("upgrade")
def upgrade_command() -> None:
    """Applique les migrations en attente (tables, index, documents)."""
    done = upgrade(current_app.extensions["store"])
    if done:
        click.echo(f"Migrations appliquées : {', '.join(map(str, done))}.")
    else:
        click.echo("La base est à jour.")


@db.command("copy")
@click.option("--from", "source", required=True, help="Fichier TinyDB ou URL PostgreSQL.")
@click.option("--to", "target", required=True, help="URL PostgreSQL (ou fichier TinyDB).")
def copy_command(source: str, target: str) -> None:
    """Copie toutes les données d'une base dans une autre, vide, en gardant les numéros.

    Les deux bases sont d'abord mises à jour ; les nombres de documents de chaque table sont
    ensuite comparés : rien n'est perdu, ou la commande échoue.
    """
    origin, destination = open_store(source), open_store(target)
    upgrade(origin)
    upgrade(destination)
    with origin.reading() as read, destination.writing() as write:
        for name in TABLES:
            if name == "migrations":
                continue
            if write.latest(name, 1):
                raise click.ClickException(f"La table {name} de la destination n'est pas vide.")
            docs = list(read.scan(name))
            write.restore(name, docs)
    mismatches = _compare_counts(origin, destination)
    if mismatches:
        raise click.ClickException("Copie incomplète : " + "; ".join(mismatches))
    click.echo(f"Copie terminée : {sum(_counts(origin).values())} documents, comptes identiques.")


def _counts(store) -> dict[str, int]:
    with store.reading() as tx:
        return {name: sum(1 for _ in tx.scan(name)) for name in TABLES if name != "migrations"}


def _compare_counts(origin, destination) -> list[str]:
    before, after = _counts(origin), _counts(destination)
    return [
        f"{name} : {before[name]} → {after[name]}"
        for name in TABLES
        if name != "migrations" and before[name] != after[name]
    ]


@db.command("purge")
def purge_command() -> None:
    """Supprime parcours, sessions, décomptes de SMS et courriels réglés expirés (chaque jour)."""
    with current_app.extensions["store"].writing() as tx:
        for name, table in TABLES.items():
            if table.expires:
                gone = tx.purge_expired(name, time.time())
                click.echo(f"{name} : {gone} supprimé(s).")
