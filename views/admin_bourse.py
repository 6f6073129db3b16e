"""The scholarship requests in the back office (journeys §7). Being built (issue 6)."""

from __future__ import annotations

from views.admin import bp  # noqa: F401
