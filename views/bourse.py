"""La demande de bourse de collège (journeys §7). Being built (issue 6)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("bourse", __name__, url_prefix="/bourse")
