"""Versions of the records' shape, applied in order by `flask --app app db upgrade`.

Each migration has a number, the SQL that changes PostgreSQL's tables and indexes (a file beside
this one), and what changes the documents themselves on both engines (fields renamed or derived,
counters set from the records). PostgreSQL keeps the numbers applied in `schema_migrations`,
TinyDB in its table `migrations`. A new TinyDB file needs none: it starts at the latest version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from outside.storage.schema import EXPIRES
from outside.storage.tx import Tx
from rules.family_list import NO_ACCOUNT, list_changes

FOLDER = Path(__file__).resolve().parent
MIGRATIONS_TABLE = "migrations"


@dataclass(frozen=True)
class Migration:
    version: int
    sql_file: str
    documents: Callable[[Tx], None] | None = None

    @property
    def sql(self) -> str:
        return (FOLDER / self.sql_file).read_text(encoding="utf-8")


def _v1_documents(tx: Tx) -> None:
    """Files written before the records layer had keys: the derived fields lookups use, and
    the counters that number identifiers and requests."""
    for name in ("comptes", "personnels"):
        for doc in list(tx.scan(name)):
            tx.update(name, doc["id"], {"identifiant_key": doc["identifiant"].casefold()})
    for doc in list(tx.scan("parcours")):
        ends = doc.get("started_timestamp", 0) + doc.get("lifetime_seconds", 3600)
        tx.update("parcours", doc["id"], {EXPIRES: ends})
    for doc in list(tx.scan("sms_envoyes")):
        ends = datetime.fromisoformat(doc["sent_at"]) + timedelta(hours=24)
        tx.update("sms_envoyes", doc["id"], {EXPIRES: ends.timestamp()})
    highest: dict[str, int] = {}
    for doc in tx.scan("identifiants_utilises"):
        base, number = re.fullmatch(r"(.*?)(\d+)", doc["identifiant"]).groups()
        highest[f"identifiant:{base}"] = max(highest.get(f"identifiant:{base}", 0), int(number))
    for doc in tx.scan("demandes_bourse"):
        prefix, number = doc["numero"].rsplit("-", 1)
        highest[f"demande:{prefix}"] = max(highest.get(f"demande:{prefix}", 0), int(number))
    for counter, value in highest.items():
        tx.insert("compteurs", {"name": counter, "value": value})


def _v5_documents(tx: Tx) -> None:
    """The back office's list keys on every responsable record (rules/family_list.py): its
    account's state, its order, search and class keys from its names and children."""
    # The accounts as they were before migration 7: their responsables under "responsables".
    states = {
        number: account.get("state") or NO_ACCOUNT
        for account in tx.scan("comptes")
        for number in account.get("responsables") or ()
    }
    batch: list[dict] = []
    for doc in tx.scan("responsables"):
        batch.append(doc)
        if len(batch) == _BATCH:
            _relist(tx, batch, states)
            batch = []
    _relist(tx, batch, states)


_BATCH = 1000  # responsables whose children are read at once


def _relist(tx: Tx, responsables: list[dict], states: dict[int, str]) -> None:
    ines = [ine for doc in responsables for ine in doc.get("eleves") or ()]
    eleves = {doc["ine"]: doc for doc in tx.find_any("eleves", "ine", ines)}
    for doc in responsables:
        changes = list_changes(doc, eleves, states.get(doc["id"], NO_ACCOUNT))
        if changes:
            tx.update("responsables", doc["id"], changes)


# Version 6: the scholarship requests' keys in English (issue 11). The names are written here,
# not taken from records/: this step must rename what version 5 left, whatever records/ reads.
_REQUEST_KEYS = {
    "numero": "number",
    "annee": "school_year",
    "origine": "origin",
    "eleve": "pupil",
    "responsable": "applicant",
    "coordonnees": "contact",
    "fiscal": "tax",
    "estimation": "estimate",
    "banque": "bank",
    "pieces_a_verifier": "documents_to_check",
    "motifs_a_verifier": "reasons_to_check",
    "etat": "state",
    "echelon_accorde": "granted_echelon",
    "motif_refus": "refusal_reason",
    "deposee_le": "submitted_at",
    "modifiee_le": "modified_at",
    "decidee_le": "decided_at",
    "jeton": "token",
    "jetons_correction": "correction_tokens",
    "historique": "history",
    "accuses_envoyes": "receipts_sent",
    "proposition": "proposal",
}
# A line of a request's history, and the secretariat's proposal.
_CHANGE_KEYS = {"etat": "state", "le": "at", "par": "by", "motif": "reason"}
# A scholarship journey's state, kept in "parcours" (kind "bourse").
_JOURNEY_KEYS = {
    "coordonnees": "contact",
    "fiscal": "tax",
    "estimation": "estimate",
    "banque": "bank",
    "revu": "reviewed",
    "envoyee": "sent",
    "numero": "number",
    "envois": "uploads",
}


# Migration 7's English names of the keys of the accounts, the staff, the identifiers given and
# what a session remembers (issue 11): old name → new name.
_ACCOUNT_KEYS = {
    "identifiant": "identifier",
    "identifiant_key": "identifier_key",
    "responsables": "responsable_ids",
    "prenom": "first_name",
    "nom": "last_name",
    "telephone": "phone",
    "coordonnees": "contact_details",
}
_CONTACT_DETAILS_KEYS = {"adresse": "address", "modifiees_le": "changed_at"}
_STAFF_KEYS = {"identifiant": "identifier", "identifiant_key": "identifier_key"}
_USED_IDENTIFIER_KEYS = {"identifiant": "identifier"}
_SESSION_KEYS = {
    "compte": "account_id",
    "personnel": "staff_id",
    "compte_cree": "account_created",
    "fiche_telephone": "phone_change",
}


def _v7_documents(tx: Tx) -> None:
    """The accounts', staff's and identifiers' keys in English, and the sessions in flight
    still signed in as they were (issue 11)."""
    _rewrite(tx, "comptes", _v7_account)
    _rewrite(tx, "personnels", lambda doc: _renamed(doc, _STAFF_KEYS))
    _rewrite(tx, "identifiants_utilises", lambda doc: _renamed(doc, _USED_IDENTIFIER_KEYS))
    _rename_session_keys(tx, _SESSION_KEYS)


def _rename_session_keys(tx: Tx, names: dict[str, str]) -> None:
    """What the sessions in flight remember, under its new names: their browsers go on."""
    for doc in list(tx.scan("sessions")):
        data = _renamed(doc.get("data") or {}, names)
        if data != doc.get("data"):
            tx.update("sessions", doc["id"], {"data": data})


def _v7_account(doc: dict) -> dict:
    account = _renamed(doc, _ACCOUNT_KEYS)
    details = account.get("contact_details")
    if details:
        # Before issue 12 the fiche kept an address nobody confirmed (never used since) and a
        # mobile beside the account's, which came first: the account's own from now on.
        phone = details.get("telephone")
        kept = {
            name: value for name, value in details.items() if name not in ("telephone", "courriel")
        }
        account["contact_details"] = _renamed(kept, _CONTACT_DETAILS_KEYS)
        if phone:
            account["phone"] = phone
    return account


# Migration 9's English names (issue 11): the state of the journeys other than the scholarship
# request's (renamed by migration 6), the online services, the automatic examination's results,
# runs and reminders, the consents, and the development outbox's mails. Old name → new name.
_JOURNEY_STATE_KEYS = {
    "nom": "last_name",
    "prenom": "first_name",
    "telephone": "phone",
    "responsables": "responsable_ids",
    "compte": "account_id",
    "identifiant": "identifier",
    "detaches": "detached",
    "fichier": "file_name",
    "contenu": "content",
}
_SERVICE_KEYS = {"etat": "state", "debut": "start", "fin": "end", "modifie_le": "changed_at"}
_SCHOOL_YEAR_KEYS = {"annee": "school_year"}
_EXAMINATION_KEYS = {
    **_SCHOOL_YEAR_KEYS,
    "numero": "request_number",
    "eleve": "pupil",
    "responsable": "parent",
}
# Who consented, named from their account: its own English names.
_CONSENTING_KEYS = {"responsable": "parent"}
_PARENT_NAME_KEYS = {"prenom": "first_name", "nom": "last_name"}
_OUTBOX_MAIL_KEYS = {"pieces_jointes": "attachments"}


def _v9_documents(tx: Tx) -> None:
    """The remaining record keys in English. A journey keeps its record and gets its state
    renamed, so one in progress during the deployment goes on where it was; the other records
    are written again whole under their ids."""
    for doc in list(tx.scan("parcours")):
        state = doc.get("state")
        if doc.get("kind") != "bourse" and state:
            renamed = _renamed(state, _JOURNEY_STATE_KEYS)
            if renamed != state:
                tx.update("parcours", doc["id"], {"state": renamed})
    _rewrite(tx, "teleservices", lambda doc: _renamed(doc, _SERVICE_KEYS))
    _rewrite(tx, "bourse_examens", _v9_examination)
    _rewrite(tx, "bourse_examen_runs", lambda doc: _renamed(doc, _SCHOOL_YEAR_KEYS))
    _rewrite(tx, "bourse_relances", lambda doc: _renamed(doc, _SCHOOL_YEAR_KEYS))
    _rewrite(tx, "bourse_consents", _v9_consent)
    _rewrite(tx, "mail_outbox", lambda doc: _renamed(doc, _OUTBOX_MAIL_KEYS))


def _v9_examination(doc: dict) -> dict:
    row = _renamed(doc, _EXAMINATION_KEYS)
    if row.get("parent"):
        row["parent"] = _renamed(row["parent"], _PARENT_NAME_KEYS)
    return row


def _v9_consent(doc: dict) -> dict:
    consent = _renamed(doc, _CONSENTING_KEYS)
    if consent.get("parent"):
        consent["parent"] = _renamed(consent["parent"], _PARENT_NAME_KEYS)
    return consent


def _renamed(doc: dict, names: dict[str, str]) -> dict:
    return {names.get(name, name): value for name, value in doc.items()}


def _english_request(doc: dict) -> dict:
    request = _renamed(doc, _REQUEST_KEYS)
    if "history" in request:
        request["history"] = [_renamed(entry, _CHANGE_KEYS) for entry in request["history"]]
    if request.get("proposal"):
        request["proposal"] = _renamed(request["proposal"], _CHANGE_KEYS)
    return request


def _v6_documents(tx: Tx) -> None:
    """Every request and every scholarship journey under way with its keys in English. A
    request is written again whole, with its id (an update would keep the French fields
    beside the English ones); a journey keeps its record and gets its state renamed, so a
    parent in the middle of a request during the deployment goes on where they were."""
    _rewrite(tx, "demandes_bourse", lambda doc: _english_request(doc) if "numero" in doc else doc)
    for doc in list(tx.scan("parcours")):
        if doc.get("kind") == "bourse" and doc.get("state"):
            tx.update("parcours", doc["id"], {"state": _renamed(doc["state"], _JOURNEY_KEYS)})


def _rewrite(tx: Tx, name: str, change: Callable[[dict], dict]) -> None:
    """Write again, whole and under its id, each document of the table `change` reshapes: an
    update only adds or replaces fields, a renamed one must go."""
    batch: list[dict] = []
    for doc in tx.scan(name):
        changed = change(doc)
        if changed != doc:
            batch.append(changed)
        if len(batch) == _BATCH:
            _write_again(tx, name, batch)
            batch = []
    _write_again(tx, name, batch)


def _write_again(tx: Tx, name: str, docs: list[dict]) -> None:
    for doc in docs:
        tx.delete(name, doc["id"])
    tx.restore(name, docs)


def _v10_documents(tx: Tx) -> None:
    """The reminders sent before: their e-mails were counted once, at their first try, those
    that did not leave counted failed (and journaled). They stay so: none said waiting."""
    for row in list(tx.scan("bourse_relances")):
        if "mails_gave_up" not in row:
            to_mail = row.get("to_mail", row["emails"])
            changes = {"to_mail": to_mail, "mails_gave_up": to_mail - row["emails"]}
            tx.update("bourse_relances", row["id"], changes)


# Migration 11 (issue 11): a journey's id is kept in the session under its blueprint's name
# (views/journey.py), the blueprints now named as their modules. Old name → new name.
_JOURNEY_SESSION_KEYS = {
    "inscription": "registration",
    "premiere_connexion": "franceconnect_first_connection",
    "recovery": "forgotten_password",
}


def _v11_documents(tx: Tx) -> None:
    """A parent in the middle of a journey during the deployment goes on where they were."""
    _rename_session_keys(tx, _JOURNEY_SESSION_KEYS)


# Migration 12's English names (issue 11): the parts of a postal address (rules/addresses.py), kept
# on an account and in a request's contact details; a request's contact details themselves, its
# tax situation and its bank details, in the request and in a scholarship journey under way (and
# the request's applicant named as their account names them, as migration 9 did). The
# tax situation keeps the notice's own words, as printed on it and as the scale reads them
# ("numero_fiscal", "reference_avis", "rfr", "enfants_a_charge", "annee_revenus"), and the API's
# answer ("notice") as it came. Old name → new name.
_ADDRESS_KEYS = dict(ligne1="line1", ligne2="line2", code_postal="postal_code", commune="city")
# A new e-mail typed waits in a request's contact details for its confirmation link.
_PENDING_EMAIL = {"courriel_a_confirmer": "email_to_confirm"}
_CONTACT_KEYS = {"courriel": "email", "telephone": "phone", "adresse": "address", **_PENDING_EMAIL}
_BANK_KEYS = {"titulaire": "holder"}
# What the parent agreed to, in the tax situation: the DGFiP asked, the scholarship renewed.
_AGREED_KEYS = dict(consentement_dgfip="dgfip_consent", renouvellement="renewal")
_TAX_KEYS = dict(avis="notices", pieces="files", declarants_differents="other_declarants")
_TAX_KEYS |= _AGREED_KEYS
_NOTICE_KEYS = {"avis": "notice"}  # one of "notices": the API's answer beside its numbers
_FILE_KEYS = {"cle": "key", "nom": "name", "taille": "size"}  # one of "files" (None: none sent)


def _v12_documents(tx: Tx) -> None:
    """A request is written again whole under its id; an account and a journey get the part
    renamed, so a parent in the middle of a request during the deployment goes on where they
    were (and a sending at the same moment is not written over)."""
    for doc in list(tx.scan("comptes")):
        details = doc.get("contact_details") or {}
        if details.get("address"):
            renamed = {**details, "address": _renamed(details["address"], _ADDRESS_KEYS)}
            if renamed != details:
                tx.update("comptes", doc["id"], {"contact_details": renamed})
    _rewrite(tx, "demandes_bourse", _v12_request)
    for doc in list(tx.scan("parcours")):
        state = doc.get("state")
        if doc.get("kind") == "bourse" and state:
            renamed = _english_parts(state)
            if renamed != state:
                tx.update("parcours", doc["id"], {"state": renamed})


def _v12_request(doc: dict) -> dict:
    """A request's parts, and the parent who made it named as their account names them."""
    request = _english_parts(doc)
    if request.get("applicant"):
        request["applicant"] = _renamed(request["applicant"], _PARENT_NAME_KEYS)
    return request


def _english_parts(doc: dict) -> dict:
    """A request or a scholarship journey's state with its contact, tax and bank parts renamed."""
    changed = dict(doc)
    if doc.get("contact"):
        contact = _renamed(doc["contact"], _CONTACT_KEYS)
        if contact.get("address"):
            contact["address"] = _renamed(contact["address"], _ADDRESS_KEYS)
        changed["contact"] = contact
    if doc.get("tax"):
        changed["tax"] = _v12_tax(doc["tax"])
    if doc.get("bank"):
        changed["bank"] = _renamed(doc["bank"], _BANK_KEYS)
    return changed


def _v12_tax(tax: dict) -> dict:
    renamed = _renamed(tax, _TAX_KEYS)
    if "notices" in renamed:
        renamed["notices"] = [_renamed(notice, _NOTICE_KEYS) for notice in renamed["notices"]]
    if "files" in renamed:
        renamed["files"] = [_renamed(one, _FILE_KEYS) if one else one for one in renamed["files"]]
    return renamed


MIGRATIONS = (
    Migration(1, "0001_tables.sql", _v1_documents),
    # Journeys found by their account (records/journeys.py); older ones have none.
    Migration(2, "0002_parcours_account.sql"),
    # Accounts found by their address (« Identifiant oublié ? », records/recovery.py).
    Migration(3, "0003_comptes_email.sql"),
    # The automatic examination of the right to the scholarship (issue 14).
    Migration(4, "0004_examen_automatique.sql"),
    # The back office's list of responsables paged by the database (issue 10).
    Migration(5, "0005_liste_responsables.sql", _v5_documents),
    # The scholarship requests' keys, and their journeys', in English (issue 11).
    Migration(6, "0006_demandes_bourse_english.sql", _v6_documents),
    # The keys of the accounts, the staff, the identifiers given and the sessions in English.
    Migration(7, "0007_account_keys.sql", _v7_documents),
    # The mails waiting to leave, kept with what decided them (issue 10).
    Migration(8, "0008_mail_queue.sql"),
    # The other record keys in English: journeys, services, the examination's rows (issue 11).
    Migration(9, "0009_english_keys.sql", _v9_documents),
    # The mail queue's topics (a newer mail supersedes the older) and each school's mails.
    Migration(10, "0010_mail_queue_topics.sql", _v10_documents),
    # The journeys' ids in the sessions under their blueprints' English names.
    Migration(11, "0011_journey_session_keys.sql", _v11_documents),
    # The contact, address, tax and bank details' own keys in English, in requests and accounts.
    Migration(12, "0012_request_details_keys.sql", _v12_documents),
)
LATEST = MIGRATIONS[-1].version


def applied_postgresql(connection) -> list[int]:
    found = connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not found[0]:
        return []
    return [row[0] for row in connection.execute("SELECT version FROM schema_migrations")]


def upgrade(store) -> list[int]:
    """Apply the migrations not applied yet, each in its own transaction; the numbers applied."""
    if store.engine == "postgresql":
        return _upgrade_postgresql(store)
    return _upgrade_tinydb(store)


def _upgrade_postgresql(store) -> list[int]:
    from outside.storage.postgres import PgTx

    done = []
    with store.administering() as connection:
        with connection.transaction():
            # Under the lock too: two CREATE TABLE IF NOT EXISTS at once clash on the catalog.
            _one_upgrade_at_a_time(connection)
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
        for migration in MIGRATIONS:
            with connection.transaction():
                _one_upgrade_at_a_time(connection)
                if migration.version in applied_postgresql(connection):
                    continue
                connection.execute(migration.sql)
                if migration.documents:
                    migration.documents(PgTx(connection, writable=True))
                connection.execute(
                    "INSERT INTO schema_migrations (version) VALUES (%s)", (migration.version,)
                )
                done.append(migration.version)
    return done


def _one_upgrade_at_a_time(connection) -> None:
    """Until the transaction ends, even for upgrades started on two machines at once."""
    connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('migrations', 0))")


def _upgrade_tinydb(store) -> list[int]:
    done = []
    for migration in MIGRATIONS:
        with store.writing(migrating=True) as tx:
            tx.lock("migrations")  # one upgrade at a time, the file read as it is now
            if tx.find_one(MIGRATIONS_TABLE, version=migration.version):
                continue
            if migration.documents:
                migration.documents(tx)
            tx.insert(MIGRATIONS_TABLE, {"version": migration.version})
            done.append(migration.version)
    return done


def tinydb_versions(data: dict) -> set[int]:
    return {doc["version"] for doc in data.get(MIGRATIONS_TABLE, {}).values()}
