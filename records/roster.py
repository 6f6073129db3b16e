"""Saving a checked roster (see `rules/roster.py`) as établissements, élèves and responsables.

The import is an upsert, so a school can send the same file again, or a corrected one, without
creating duplicates: an établissement is found by its UAI, an élève by its INE, a responsable by
UAI + nom + prénom (compared as in `rules.names`) + phone (journeys §0). It never deletes: a file
may cover only part of the school, so a record or a link missing from it is kept.

The records already there are read by the file's schools and keys, never table by table, and the
new ones are written in one batch per table: an import costs the same per line at any size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from outside.storage import Tx
from rules.family_list import NO_ACCOUNT, list_changes
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
class _Plan:
    summary: ImportSummary = field(default_factory=ImportSummary)
    new: dict[str, list[dict]] = field(default_factory=dict)  # table → records to insert
    changed: list[tuple[str, int, dict]] = field(default_factory=list)  # table, id, fields
    moved: list[str] = field(default_factory=list)  # INEs of pupils known at another school


def import_roster(tx: Tx, rows: Iterable[RosterRow]) -> ImportSummary:
    """Save the rows in the caller's transaction: all of them, or nothing if anything fails."""
    rows = list(rows)
    uais = sorted({row.etablissement.uai for row in rows})
    for uai in uais:
        # Two imports of one school at once would both create its new responsables (no unique
        # key says two of them are one person): the second waits, then finds the first's.
        tx.lock(f"roster:{uai}")
    plan = _plan(tx, rows)
    for table, docs in plan.new.items():
        if docs:
            tx.insert_many(table, docs)
    for table, doc_id, fields in plan.changed:
        tx.update(table, doc_id, fields)
    if plan.moved:
        # The schools these pupils left no longer list them with their responsables there.
        left = tx.find_any(RESPONSABLES, "eleves", plan.moved)
        relist(tx, [doc for doc in left if doc["uai"] not in uais])
    return plan.summary


def preview_import(tx: Tx, rows: Iterable[RosterRow]) -> ImportSummary:
    """What `import_roster` would do, without writing anything (the command's --dry-run)."""
    return _plan(tx, list(rows)).summary


# Keyed reads of the roster, for the other records -----------------------------------------------


def school_names(tx: Tx, uais: Iterable[str]) -> dict[str, str]:
    """The name of each known school of `uais`, by UAI."""
    return {doc["uai"]: doc["nom"] for doc in tx.find_any(ETABLISSEMENTS, "uai", uais)}


def eleves_by_ine(tx: Tx, ines: Iterable[str]) -> dict[str, dict]:
    """The known élèves of `ines` (with their "id"), by INE."""
    return {doc["ine"]: doc for doc in tx.find_any(ELEVES, "ine", ines)}


def eleves_of(tx: Tx, uai: str) -> list[dict]:
    """The school's élèves (with their "id"), by id."""
    return tx.find(ELEVES, uai=uai)


def responsables_of(tx: Tx, uai: str) -> list[dict]:
    """The school's responsables (with their "id"), by id."""
    return tx.find(RESPONSABLES, uai=uai)


def relist(tx: Tx, responsables: list[dict]) -> None:
    """Keep the back office's list keys (rules/family_list.py) of these responsable records as
    their names and their children now give them, after a write of either; a record not listed
    yet is listed without an account (an account's own writes keep its state there)."""
    eleves = eleves_by_ine(tx, [ine for doc in responsables for ine in doc.get("eleves", [])])
    for doc in responsables:
        changes = list_changes(doc, eleves, doc.get("etat_compte", NO_ACCOUNT))
        if changes:
            tx.update(RESPONSABLES, doc["id"], changes)


# The plan of an import -------------------------------------------------------------------------


def _plan(tx: Tx, rows: list[RosterRow]) -> _Plan:
    plan = _Plan()
    uais = sorted({row.etablissement.uai for row in rows})
    eleves = _eleves(rows)
    known_eleves = _known_eleves(tx, uais, list(eleves))
    known_responsables = _known_responsables(tx, uais)
    wanted = [
        (ETABLISSEMENTS, _etablissements(rows), _known_etablissements(tx, uais)),
        (ELEVES, eleves, known_eleves),
        (RESPONSABLES, _responsables(rows), known_responsables),
    ]
    for table, records, existing in wanted:
        counts = getattr(plan.summary, table)
        new = plan.new.setdefault(table, [])
        for key, fields in records.items():
            found = existing.get(key)
            if found is None:
                new.append(fields)
                counts.created += 1
                continue
            if table == ELEVES and found["uai"] != fields["uai"]:
                plan.moved.append(key)
            merged = _merge(table, found, fields)
            # Only the fields the roster owns are compared and written: other parts of the
            # service may add their own fields to these records.
            if all(found.get(name) == value for name, value in merged.items()):
                counts.unchanged += 1
            else:
                plan.changed.append((table, found["id"], merged))
                counts.updated += 1
    _plan_list_keys(plan, known_eleves, eleves, known_responsables)
    return plan


def _plan_list_keys(
    plan: _Plan, known_eleves: dict, eleves: dict, known_responsables: dict
) -> None:
    """The back office list's keys (rules/family_list.py) of the schools' responsables as the
    import leaves them, written with its own inserts and updates (a change of keys alone is
    no change of the roster: it is not counted)."""
    final = {ine: {**known_eleves.get(ine, {}), **fields} for ine, fields in eleves.items()}
    final = {**known_eleves, **final}
    for doc in plan.new.get(RESPONSABLES, []):
        doc.update(list_changes(doc, final, NO_ACCOUNT))
    changed = {doc_id: fields for table, doc_id, fields in plan.changed if table == RESPONSABLES}
    for found in known_responsables.values():
        fields = changed.get(found["id"])
        keys = list_changes(
            {**found, **(fields or {})}, final, found.get("etat_compte", NO_ACCOUNT)
        )
        if keys and fields is not None:
            fields.update(keys)
        elif keys:
            plan.changed.append((RESPONSABLES, found["id"], keys))


def _known_etablissements(tx: Tx, uais: list[str]) -> dict[str, dict]:
    return {doc["uai"]: doc for doc in tx.find_any(ETABLISSEMENTS, "uai", uais)}


def _known_eleves(tx: Tx, uais: list[str], ines: list[str]) -> dict[str, dict]:
    """The élèves of the file already known: those of its schools in one read per school, then,
    by INE, those known at another school (a pupil who changed schools keeps one record)."""
    known = {doc["ine"]: doc for doc in tx.find_any(ELEVES, "uai", uais)}
    elsewhere = [ine for ine in ines if ine not in known]
    known.update(eleves_by_ine(tx, elsewhere))
    return known


def _known_responsables(tx: Tx, uais: list[str]) -> dict[tuple, dict]:
    # The UAI is part of a responsable's key: the file's schools hold every one it can match.
    return {_responsable_key_of(doc): doc for doc in tx.find_any(RESPONSABLES, "uai", uais)}


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
            record["eleves"].append(row.eleve.ine)
    for record in records.values():
        record["eleves"].sort()
    return records


def _responsable_key_of(doc: dict) -> tuple:
    return responsable_key(doc["uai"], doc["nom"], doc["prenom"], doc["telephone"])
