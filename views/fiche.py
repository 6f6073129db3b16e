"""La fiche de renseignements (journeys §6). Being built (issue 6)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("fiche", __name__, url_prefix="/fiche")
