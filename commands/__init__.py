"""Command-line tools: `flask --app app <group> <command>`."""

from flask import Flask


def register(app: Flask) -> None:
    pass
