"""The journal of what the school's staff did ("journal", journeys §4): who, what, when, for the
head of school. Details are French sentences for people; they never hold a password."""

from __future__ import annotations

from datetime import datetime

from tinydb import Query

from outside.storage import Store
from rules.clock import in_paris

JOURNAL = "journal"

ACTIONS = {
    "compte-personnel": "Création d'un compte personnel",
    "connexion": "Connexion",
    "deconnexion": "Déconnexion",
    "import": "Import de la liste des élèves",
    "notification": "Notification des identifiants",
    "deblocage": "Déblocage d'un compte",
    "teleservice": "Modification d'un téléservice",
    "bourse": "Instruction d'une demande de bourse",
    "export-bourse": "Export des demandes de bourse",
}


def record(store: Store, staff: dict, action: str, detail: str, now: datetime) -> None:
    """Add one entry; `staff` needs only its "identifiant" and "uai"."""
    if action not in ACTIONS:
        raise ValueError(f"action inconnue : {action}")
    entry = {
        "at": in_paris(now).isoformat(),
        "staff": staff["identifiant"],
        "uai": staff["uai"],
        "action": action,
        "detail": detail,
    }
    with store.transaction() as db:
        db.table(JOURNAL).insert(entry)


def entries(store: Store, uai: str) -> list[dict]:
    """The school's entries, newest first (entries of one moment: the last written first)."""
    with store.reading() as db:
        found = db.table(JOURNAL).search(Query().uai == uai)
    newest_first = sorted(found, key=_moment, reverse=True)
    return [dict(doc) for doc in newest_first]


def _moment(doc) -> tuple:
    # Compared as moments, not as text: offsets differ across the change to summer time.
    return datetime.fromisoformat(doc["at"]), doc.doc_id
