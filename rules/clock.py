"""The one clock every date rule reads, so a demo or a test can set the day (setting TODAY)."""

from __future__ import annotations

from datetime import date, datetime
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
