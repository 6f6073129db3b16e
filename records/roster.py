"""Saving a checked roster (see `rules/roster.py`) as établissements, élèves and responsables.

The import is an upsert, so a school can send the same file again, or a corrected one, without
creating duplicates: an établissement is found by its UAI, an élève by its INE, a responsable by
UAI + nom + prénom (compared as in `rules.names`) + phone (journeys §0). It never deletes: a file
may cover only part of the school, so a record or a link missing from it is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tinydb import TinyDB

from outside.storage import Store
from rules.roster import RosterRow, responsable_key

ETABLISSEMENTS = "etablissements"
ELEVES = "eleves"
RESPONSABLES = "responsables"
KIND_OF_SCHOOL = "collège public"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    etablissements: Counts = field(default_factory=Counts)
    eleves: Counts = field(default_factory=Counts)
    responsables: Counts = field(default_factory=Counts)


@dataclass
class _Change:
    table: str
    doc_id: int | None  # None: a new record
    fields: dict


def import_roster(store: Store, rows: Iterable[RosterRow]) -> ImportSummary:
    """Save the rows in one transaction: all of them, or nothing if anything fails."""
    with store.transaction() as db:
        changes, summary = _plan(db, list(rows))
        for change in changes:
            table = db.table(change.table)
            if change.doc_id is None:
                table.insert(change.fields)
            else:
                table.update(change.fields, doc_ids=[change.doc_id])
    return summary


def preview_import(store: Store, rows: Iterable[RosterRow]) -> ImportSummary:
    """What `import_roster` would do, without writing anything (the command's --dry-run)."""
    with store.reading() as db:
        return _plan(db, list(rows))[1]


def all_etablissements(store: Store) -> list[dict]:
    with store.reading() as db:
        return [dict(doc) for doc in db.table(ETABLISSEMENTS).all()]


def all_eleves(store: Store) -> list[dict]:
    with store.reading() as db:
        return [dict(doc) for doc in db.table(ELEVES).all()]


def all_responsables(store: Store) -> list[dict]:
    with store.reading() as db:
        return [dict(doc) for doc in db.table(RESPONSABLES).all()]


def _plan(db: TinyDB, rows: list[RosterRow]) -> tuple[list[_Change], ImportSummary]:
    summary = ImportSummary()
    changes = []
    wanted = [
        (ETABLISSEMENTS, _etablissements(rows), _index(db, ETABLISSEMENTS, _uai_of)),
        (ELEVES, _eleves(rows), _index(db, ELEVES, _ine_of)),
        (RESPONSABLES, _responsables(rows), _index(db, RESPONSABLES, _responsable_key_of)),
    ]
    for table, records, existing in wanted:
        counts = getattr(summary, table)
        for key, fields in records.items():
            found = existing.get(key)
            if found is None:
                changes.append(_Change(table, None, fields))
                counts.created += 1
                continue
            merged = _merge(table, found, fields)
            # Only the fields the roster owns are compared and written: other parts of the
            # service may add their own fields to these records.
            if all(found.get(name) == value for name, value in merged.items()):
                counts.unchanged += 1
            else:
                changes.append(_Change(table, found.doc_id, merged))
                counts.updated += 1
    return changes, summary


def _merge(table: str, found: dict, fields: dict) -> dict:
    if table != RESPONSABLES:
        return fields
    merged = dict(fields)
    # A parent's children from earlier files stay linked (a file may list only some classes).
    # A child the parent said at activation is not theirs stays detached until the school
    # looks into it (records/activation.py): a new file does not link it back.
    linked = set(found.get("eleves", [])) | set(fields["eleves"])
    merged["eleves"] = sorted(linked - set(found.get("eleves_detaches", [])))
    # An empty cell does not erase an address the school gave before.
    merged["email"] = fields["email"] or found.get("email")
    return merged


def _etablissements(rows: list[RosterRow]) -> dict[str, dict]:
    records: dict[str, dict] = {}
    for row in rows:
        school = row.etablissement
        records.setdefault(
            school.uai,
            {"uai": school.uai, "nom": school.nom, "type": KIND_OF_SCHOOL, "region": school.region},
        )
    return records


def _eleves(rows: list[RosterRow]) -> dict[str, dict]:
    records: dict[str, dict] = {}
    for row in rows:
        eleve = row.eleve
        records.setdefault(
            eleve.ine,
            {
                "ine": eleve.ine,
                "nom": eleve.nom,
                "prenom": eleve.prenom,
                "date_naissance": eleve.date_naissance.isoformat(),
                "niveau": eleve.niveau,
                "classe": eleve.classe,
                "uai": eleve.uai,
            },
        )
    return records


def _responsables(rows: list[RosterRow]) -> dict[tuple, dict]:
    records: dict[tuple, dict] = {}
    for row in rows:
        parent = row.responsable
        uai = row.etablissement.uai
        record = records.setdefault(
            responsable_key(uai, parent.nom, parent.prenom, parent.telephone),
            {
                "uai": uai,
                "civilite": parent.civilite,
                "nom": parent.nom,
                "prenom": parent.prenom,
                "lien": parent.lien,
                "telephone": parent.telephone,
                "email": parent.email,
                "eleves": [],
            },
        )
        if row.eleve.ine not in record["eleves"]:
            record["eleves"] = sorted([*record["eleves"], row.eleve.ine])
    return records


def _index(db: TinyDB, table: str, key_of) -> dict:
    return {key_of(doc): doc for doc in db.table(table).all()}


def _uai_of(doc: dict) -> str:
    return doc["uai"]


def _ine_of(doc: dict) -> str:
    return doc["ine"]


def _responsable_key_of(doc: dict) -> tuple:
    return responsable_key(doc["uai"], doc["nom"], doc["prenom"], doc["telephone"])
