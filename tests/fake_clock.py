"""A clock the tests move by hand, in place of the app's `extensions["clock"]`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rules.clock import PARIS

# A Monday of the school year, at a time whose waits are easy to read ("10 h 30").
START = datetime(2026, 9, 14, 10, 0, tzinfo=PARIS)


class FakeClock:
    def __init__(self, start: datetime = START):
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def today(self) -> date:
        return self.moment.date()

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


def install(app, clock: FakeClock):
    """The views, and the outboxes' dates, read `clock` from now on; returns the app."""
    app.extensions["clock"] = clock
    for outbox in app.extensions["outboxes"].values():
        outbox.clock = clock
    return app
