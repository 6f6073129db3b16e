"""The one clock every date rule reads, so a demo or a test can set the day (setting TODAY)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock:
    def __init__(self, today: date | None = None):
        self._today = today

    def now(self) -> datetime:
        """Now in Paris time; with a fixed day, that day at the current time of day."""
        real = datetime.now(PARIS)
        if self._today is None:
            return real
        return real.replace(year=self._today.year, month=self._today.month, day=self._today.day)

    def today(self) -> date:
        return self.now().date()


def in_paris(moment: datetime) -> datetime:
    """The moment in Paris time. A naive datetime is refused: stored next to aware ones, it could
    not be compared with them, and its hour would mean nothing."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("une date et heure sans fuseau horaire : utilisez rules.clock.PARIS")
    return moment.astimezone(PARIS)


def hour_text(moment: datetime) -> str:
    """The Paris time a wait ends, as French writes it ("14 h 05"), rounded up to the minute so
    a person who comes back at that time is never refused again."""
    local = in_paris(moment)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return f"{local.hour} h {local.minute:02d}"


def moment_text(moment: datetime) -> str:
    """A moment as French writes it, in Paris time: "14/09/2026 à 10 h 05"."""
    local = in_paris(moment)
    return f"{local:%d/%m/%Y} à {local.hour} h {local.minute:02d}"
