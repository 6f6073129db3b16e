"""`flask --app app staff create IDENTIFIANT --uai UAI`: a school staff member's account for the
back office (/admin); `flask --app app staff password IDENTIFIANT`: a new password for it (a
forgotten one, or one another person may know), which ends every session it had open. The
password is typed twice at a hidden prompt, or read from the standard input with
--password-stdin (for scripts: never on the command line, where `ps` would show it).
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from commands.roster import CommandError
from records import audit
from records.school import school_name
from records.staff import (
    ROLE_NAMES,
    ROLES,
    SECRETARIAT,
    StaffExists,
    create_staff,
    set_password,
)
from rules.passwords import MISMATCH, RULE_TEXTS, unmet_rules

staff = AppGroup("staff", help="Comptes du personnel des établissements (espace /admin).")

# Who the journal names for an account created on the server rather than by a staff member.
COMMAND_LINE = "ligne de commande"


password_stdin_option = click.option(
    "--password-stdin",
    is_flag=True,
    help="Lit le mot de passe sur l'entrée standard au lieu de le demander.",
)


@staff.command("create")
@click.argument("identifiant")
@click.option("--uai", default="", help="UAI de l'établissement, par exemple 0691234A.")
@click.option(
    "--role",
    default=SECRETARIAT,
    show_default=True,
    help="direction ou secretariat ; la direction voit aussi le journal des actions.",
)
@password_stdin_option
def create_command(identifiant: str, uai: str, role: str, password_stdin: bool) -> None:
    """Crée le compte IDENTIFIANT du personnel de l'établissement UAI.

    Le mot de passe suit les règles des familles : 12 caractères minimum, une majuscule, une
    minuscule, un chiffre et un caractère spécial, sans l'identifiant.
    """
    # Checked here rather than by click, whose messages are in English.
    if not uai.strip():
        raise CommandError("Indiquez l'établissement avec --uai, par exemple --uai 0691234A.")
    if role not in ROLES:
        raise CommandError(f"Rôle « {role} » inconnu : indiquez direction ou secretariat.")
    password = acceptable_password(identifiant, password_stdin)
    clock = current_app.extensions["clock"]
    # The account and its journal entry: one transaction, saved together or not at all.
    with current_app.extensions["store"].writing() as tx:
        try:
            created = create_staff(tx, identifiant, password, uai, role, clock.now())
        except StaffExists as error:
            raise CommandError(f"Un compte du personnel {error.identifier} existe déjà.") from None
        except ValueError as error:
            raise CommandError(f"{str(error)[:1].upper()}{str(error)[1:]}.") from None
        school = school_name(tx, created["uai"])
        description = f"{created['identifier']} ({ROLE_NAMES[role]}, {school}, {created['uai']})"
        audit.record(
            tx,
            {"identifier": COMMAND_LINE, "uai": created["uai"]},
            "compte-personnel",
            f"Compte du personnel {description} créé.",
            clock.now(),
        )
    click.echo(f"Compte du personnel créé : {description}.")


@staff.command("password")
@click.argument("identifiant")
@password_stdin_option
def password_command(identifiant: str, password_stdin: bool) -> None:
    """Donne un nouveau mot de passe au compte du personnel IDENTIFIANT et ferme toutes ses
    sessions ouvertes (un mot de passe oublié, ou qu'un autre a pu voir)."""
    password = acceptable_password(identifiant, password_stdin)
    clock = current_app.extensions["clock"]
    with current_app.extensions["store"].writing() as tx:
        changed = set_password(tx, identifiant, password)
        if changed is None:
            raise CommandError(f"Aucun compte du personnel {identifiant.strip()}.")
        member, ended = changed
        audit.record(
            tx,
            {"identifier": COMMAND_LINE, "uai": member["uai"]},
            "mot-de-passe-personnel",
            f"Mot de passe de {member['identifier']} changé ; sessions fermées : {ended}.",
            clock.now(),
        )
    click.echo(
        f"Mot de passe de {member['identifier']} changé ; sessions ouvertes fermées : {ended}."
    )


def acceptable_password(identifiant: str, from_stdin: bool) -> str:
    password = read_password(from_stdin)
    unmet = unmet_rules(password, identifiant, [])
    if unmet:
        rules = " ; ".join(RULE_TEXTS[key] for key in unmet)
        raise CommandError(f"Mot de passe refusé, règles non respectées : {rules}.")
    return password


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; only its line ending is dropped, spaces are part of the password.
        return sys.stdin.readline().rstrip("\r\n")
    password = click.prompt("Mot de passe", hide_input=True, prompt_suffix=" : ")
    again = click.prompt("Confirmation du mot de passe", hide_input=True, prompt_suffix=" : ")
    if password != again:
        raise CommandError(MISMATCH)
    return password
