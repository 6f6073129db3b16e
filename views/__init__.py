"""One blueprint per journey: HTTP and forms only; the rules live in `rules/`."""

from flask import Flask


def register(app: Flask) -> None:
    pass
