"""`flask --app app mail envoyer`: send the mails waiting in the queue (records/mail_queue.py),
those whose first try, right after the commit of what decided them, failed (SMTP refused or
silent, the process stopped). For a cron, every few minutes; safe on several machines at once:
each mail is claimed by one of them."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from records.mail_queue import GAVE_UP, SENT, WAITING
from views.sending import send_waiting

mail = AppGroup("mail", help="Courriels en attente d'envoi.")


@mail.command("envoyer")
def send_command() -> None:
    """Envoie les courriels en attente dont l'heure est venue.

    Un courriel qui ne part pas est réessayé plus tard (MAIL_RETRY_SECONDS, doublé à chaque
    échec) ; il est abandonné après MAIL_ATTEMPTS essais, et le journal de l'application le dit.
    """
    tally = send_waiting()
    click.echo(
        f"Courriels : {tally[SENT]} envoyé(s), {tally[WAITING]} toujours en attente, "
        f"{tally[GAVE_UP]} abandonné(s)."
    )
