"""Command-line tools: `flask --app app <group> <command>`."""

from flask import Flask

from commands import examination  # noqa: F401  (adds `bourse examiner`)
from commands.bourse import bourse
from commands.db import db
from commands.demo import demo
from commands.mail import mail
from commands.roster import roster
from commands.staff import staff


def register(app: Flask) -> None:
    app.cli.add_command(roster)
    app.cli.add_command(demo)
    app.cli.add_command(staff)
    app.cli.add_command(bourse)
    app.cli.add_command(db)
    app.cli.add_command(mail)
