"""The journal of what the school's staff did ("journal", journeys §4): who, what, when, for the
head of school. Details are French sentences for people; they never hold a password.

An entry is written in the transaction of the change it tells: both are saved, or neither."""

from __future__ import annotations

from datetime import datetime

from outside.storage import Tx
from outside.storage.tx import stored
from rules.clock import in_paris

JOURNAL = "journal"

ACTIONS = {
    "compte-personnel": "Création d'un compte personnel",
    "mot-de-passe-personnel": "Nouveau mot de passe d'un compte personnel",
    "connexion": "Connexion",
    "deconnexion": "Déconnexion",
    "import": "Import de la liste des élèves",
    "notification": "Notification des identifiants",
    "deblocage": "Déblocage d'un compte",
    "teleservice": "Modification d'un téléservice",
    "bourse": "Instruction d'une demande de bourse",
    "export-bourse": "Export des demandes de bourse",
    "examen-bourse": "Examen automatique du droit à bourse",
    "relance-bourse": "Rappel aux familles sans demande de bourse",
    "fusion-comptes": "Fusion de deux comptes par un parent",
    "courriel": "Nouvel envoi d'un courriel non parti",
}


def record(tx: Tx, staff: dict, action: str, detail: str, now: datetime) -> None:
    """Add one entry; `staff` needs only its "identifier" and "uai"."""
    if action not in ACTIONS:
        raise ValueError(f"action inconnue : {action}")
    entry = {
        "at": in_paris(now).isoformat(),
        "staff": staff["identifier"],
        "uai": staff["uai"],
        "action": action,
        "detail": detail,
    }
    tx.insert(JOURNAL, entry)


def entries(tx: Tx, uai: str) -> list[dict]:
    """The school's entries, newest first (entries of one moment: the last written first)."""
    newest_first = sorted(tx.find(JOURNAL, uai=uai), key=_moment, reverse=True)
    return [stored(doc) for doc in newest_first]


def _moment(doc: dict) -> tuple:
    # Compared as moments, not as text: offsets differ across the change to summer time.
    return datetime.fromisoformat(doc["at"]), doc["id"]
