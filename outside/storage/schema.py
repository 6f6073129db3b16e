"""The tables of the records and the keys each is looked up by.

A lookup names the fields of one declared key (`tx.find("eleves", ine=…)`); any other lookup is a
programming error (UndeclaredKey), so no request ever scans a whole table. Both engines build the
same indexes from these declarations: in memory for TinyDB, as expression indexes in PostgreSQL
(the migrations create them; a test checks they match).

Values are compared as text (`5` and `"5"` are one key), None as "no value"; a `many` key is a
list field, found by any one of its elements (an account by any of its responsable_ids).
"""

from __future__ import annotations

from dataclasses import dataclass


class UndeclaredKey(LookupError):
    """A lookup by fields no key of the table declares."""


@dataclass(frozen=True)
class Listing:
    """A table read a page at a time (a back-office list): the documents of one value of `key`,
    ordered by the `order` fields (compared code point by code point) then by id, narrowed by an
    `equal` field's value, an element of a list field in `elements`, or a part of a text field
    in `parts`. PostgreSQL pages it from one index on the key and the order."""

    key: tuple[str, ...]
    order: tuple[str, ...]
    equal: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()

    @property
    def index_fields(self) -> tuple[str, ...]:
        return (*self.key, *self.order)

    def check(self, table_name: str, key: dict, filters: dict[str, dict]) -> None:
        """Refuse a page by another key, or narrowed by a field not declared for it."""
        if set(key) != set(self.key):
            raise UndeclaredKey(f"{table_name} : pas de liste par {sorted(key)}")
        declared = {"equal": self.equal, "elements": self.elements, "parts": self.parts}
        for kind, fields in filters.items():
            if not set(fields) <= set(declared[kind]):
                raise UndeclaredKey(f"{table_name} : pas de filtre {kind} sur {sorted(fields)}")


@dataclass(frozen=True)
class Table:
    name: str
    unique: tuple[tuple[str, ...], ...] = ()
    keys: tuple[tuple[str, ...], ...] = ()
    many: tuple[str, ...] = ()  # list fields, looked up by one element
    # Records that end: their "expires_ts" (seconds since the epoch) lets `purge_expired` drop
    # them without reading the others.
    expires: bool = False
    listing: Listing | None = None

    def key(self, fields) -> tuple[str, ...]:
        """The declared key made of exactly these fields (in its declared order)."""
        wanted = set(fields)
        for key in (*self.unique, *self.keys, *((name,) for name in self.many)):
            if set(key) == wanted:
                return key
        raise UndeclaredKey(f"{self.name} : aucune clé déclarée sur {sorted(wanted)}")

    def is_unique(self, key: tuple[str, ...]) -> bool:
        return key in self.unique

    @property
    def all_keys(self) -> tuple[tuple[str, ...], ...]:
        return (*self.unique, *self.keys)

    def listed(self) -> Listing:
        if self.listing is None:
            raise UndeclaredKey(f"{self.name} : aucune liste déclarée")
        return self.listing


EXPIRES = "expires_ts"

TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        # The rosters (records/roster.py).
        Table("etablissements", unique=(("uai",),)),
        Table("eleves", unique=(("ine",),), keys=(("uai",),)),
        # A school's responsables, a page at a time in the back office (records/school.py),
        # by the keys rules/family_list.py keeps on each; by a child, when it changes schools.
        Table(
            "responsables",
            keys=(("telephone",), ("uai",)),
            many=("eleves",),
            listing=Listing(
                key=("uai",),
                order=("tri_nom", "tri_prenom"),
                equal=("etat_compte",),
                elements=("classes",),
                parts=("recherche",),
            ),
        ),
        # Accounts, identifiers, staff, journal.
        Table(
            "comptes",
            unique=(("identifier_key",), ("franceconnect_sub",)),
            keys=(("email",),),
            many=("responsable_ids",),
        ),
        Table("identifiants_utilises", unique=(("identifier",),)),
        Table("personnels", unique=(("identifier_key",),)),
        Table("journal", keys=(("uai",),)),
        Table("signalements", keys=(("uai",),)),
        # Journeys, SMS quota, blocks, keys, sessions.
        Table("parcours", unique=(("journey_id",),), keys=(("account_id", "kind"),), expires=True),
        Table("sms_envoyes", keys=(("digest",),), expires=True),
        Table("blocages", unique=(("key",),)),
        Table("cles", unique=(("name",),)),
        Table("compteurs", unique=(("name",),)),
        Table("migrations", unique=(("version",),)),
        Table(
            "sessions", unique=(("digest",),), keys=(("account_id",), ("staff_id",)), expires=True
        ),
        # Online services and scholarship requests.
        Table("teleservices", unique=(("uai", "service"),), keys=(("uai",),)),
        Table(
            "demandes_bourse",
            unique=(("number",),),
            keys=(("ine", "school_year"), ("uai", "school_year"), ("account_id",), ("token",)),
        ),
        # The automatic examination of the right to the scholarship (journeys §7 bis): each
        # responsable's consent per pupil, each pupil's result per school year, the school's
        # run of a year (its progress), the reminder against non-recours sent once a year.
        Table(
            "bourse_consents",
            unique=(("ine", "account_id"),),
            keys=(("ine",), ("account_id",)),
        ),
        Table("bourse_examens", unique=(("ine", "school_year"),), keys=(("uai", "school_year"),)),
        Table("bourse_examen_runs", unique=(("uai", "school_year"),)),
        Table("bourse_relances", unique=(("uai", "school_year"),)),
        # The mails decided and not yet settled (records/mail_queue.py): the ones due, a batch
        # at a time in the order of their next try; a mail sent or given up ends. By topic, the
        # ones a newer mail supersedes; by school and state, a school's mails given up.
        Table(
            "mail_queue",
            keys=(("topic",), ("uai", "state")),
            expires=True,
            listing=Listing(key=("state",), order=("next_try",)),
        ),
        # What would have left the service (development pages), newest first by id.
        Table("sms_outbox"),
        Table("mail_outbox"),
    )
}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise UndeclaredKey(f"table inconnue : {name}") from None


def as_key(value) -> str | None:
    """How a value is compared in a key, the same on both engines."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
