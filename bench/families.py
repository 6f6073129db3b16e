"""The bench's families, made up from their number: the same records on every run and on both
engines, in the shapes records/roster.py and records/accounts.py write.

Family n (0, 1, 2…) is one collège pupil and one parent; 600 families make a collège, so
family 0 to 599 are at 0690001A (the bench school, whose scholarship request is open), 600 to
1199 at 0690002A… Even families have an active account (about half of them), odd ones none:
those are the ones the registration step can still find. Every record's id is fixed (the
family's number + 1, the school's number + 1), so an account names its responsable without
reading it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from rules.account_states import AccountState
from rules.campaign import default_campaign
from rules.family_list import NO_ACCOUNT, list_changes
from rules.identifiers import base_identifier
from rules.passwords import hash_password

PUPILS_PER_SCHOOL = 600
KIND_OF_SCHOOL = "collège public"  # as records/roster.py writes it
TODAY = date(2026, 9, 14)
MOMENT = "2026-09-01T08:00:00+02:00"  # when the seeded accounts were made

# The password of every seeded account and of the staff member: meets the §2.4 rules, so the
# sign-in measured is an ordinary one.
PASSWORD = "Banc-Essai-2026!"
STAFF_IDENTIFIANT = "banc.direction"

SURNAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier",
)  # fmt: skip
PARENT_FIRST_NAMES = (
    "Sophie", "Nathalie", "Isabelle", "Karim", "Julien", "Céline", "Thomas", "Aurélie",
    "Nicolas", "Fatima", "Stéphane", "Élodie",
)  # fmt: skip
PUPIL_FIRST_NAMES = (
    "Léa", "Hugo", "Chloé", "Lucas", "Inès", "Nathan", "Jade", "Adam", "Louise", "Rayan",
    "Manon", "Gabriel",
)  # fmt: skip
LEVELS = ("6e", "5e", "4e", "3e")
BIRTH_YEARS = {"6e": 2015, "5e": 2014, "4e": 2013, "3e": 2012}  # in step for 2026-2027


@dataclass(frozen=True)
class Family:
    n: int

    # Keys and names -----------------------------------------------------------------------

    @property
    def school(self) -> int:
        return self.n // PUPILS_PER_SCHOOL

    @property
    def uai(self) -> str:
        return uai(self.school)

    @property
    def ine(self) -> str:
        return f"BENCH{self.n:06d}"  # 11 characters of [A-Z0-9]

    @property
    def nom(self) -> str:
        # A letter code makes every family's name, hence its identifiant's base, unique.
        return f"{SURNAMES[self.n % len(SURNAMES)]}-{letters(self.n).capitalize()}"

    @property
    def parent_prenom(self) -> str:
        return PARENT_FIRST_NAMES[self.n % len(PARENT_FIRST_NAMES)]

    @property
    def telephone(self) -> str:
        return f"+3361{self.n:07d}"  # 06 1x xx xx xx: a valid metropolitan mobile

    @property
    def telephone_typed(self) -> str:
        """The number as a parent types it on the registration form."""
        national = "0" + self.telephone[3:]
        return " ".join(national[index : index + 2] for index in range(0, 10, 2))

    @property
    def has_account(self) -> bool:
        return self.n % 2 == 0

    @property
    def identifiant(self) -> str:
        return f"{self.base}1"

    @property
    def base(self) -> str:
        # As base_identifier(prenom, nom), whose accent stripping is too slow for a million
        # rows: the letter code is plain ASCII, so only the first-name × surname part is
        # worked out (and kept).
        surname = SURNAMES[self.n % len(SURNAMES)]
        return _base(self.parent_prenom, surname) + letters(self.n)

    @property
    def responsable_id(self) -> int:
        return self.n + 1

    @property
    def account_id(self) -> int:
        return self.n // 2 + 1

    # Documents, as the records layer writes them --------------------------------------------

    def eleve(self) -> dict:
        niveau = LEVELS[self.n % len(LEVELS)]
        born = date(BIRTH_YEARS[niveau], self.n % 12 + 1, self.n % 28 + 1)
        return {
            "id": self.n + 1,
            "ine": self.ine,
            "nom": self.nom,
            "prenom": PUPIL_FIRST_NAMES[self.n % len(PUPIL_FIRST_NAMES)],
            "date_naissance": born.isoformat(),
            "niveau": niveau,
            "classe": f"{niveau[0]}{'ABCDE'[(self.n // 4) % 5]}",
            "uai": self.uai,
        }

    def responsable(self) -> dict:
        mother = self.n % 3 != 2
        doc = {
            "id": self.responsable_id,
            "uai": self.uai,
            "civilite": "Mme" if mother else "M.",
            "nom": self.nom,
            "prenom": self.parent_prenom,
            "lien": "mère" if mother else "père",
            "telephone": self.telephone,
            "email": f"parent{self.n}@exemple.fr",
            "eleves": [self.ine],
        }
        # The back office list's keys, as records.roster.relist and records.accounts.list_state
        # keep them.
        state = AccountState.ACTIVE if self.has_account else NO_ACCOUNT
        return {**doc, **list_changes(doc, {self.ine: self.eleve()}, state)}

    def identifiant_used(self) -> dict:
        return {"id": self.account_id, "identifier": self.identifiant, "reserved_at": MOMENT}

    def compte(self, password_hash: str) -> dict:
        return {
            "id": self.account_id,
            "identifier": self.identifiant,
            "identifier_key": self.identifiant.casefold(),
            "password_hash": password_hash,
            "state": AccountState.ACTIVE,
            "method": "auto-inscription",
            "franceconnect_sub": None,
            "email": None,
            "email_confirmed": False,
            "responsable_ids": [self.responsable_id],
            "first_name": self.parent_prenom,
            "last_name": self.nom,
            "phone": self.telephone,
            "failures": 0,
            "clients": {},
            "activated_at": MOMENT,
            "created_at": MOMENT,
        }


def letters(number: int, width: int = 5) -> str:
    """`number` written in lower-case letters (a = 0), `width` of them: "aaaab" for 1."""
    out = []
    for _ in range(width):
        number, digit = divmod(number, 26)
        out.append(chr(ord("a") + digit))
    return "".join(reversed(out))


@cache
def _base(prenom: str, surname: str) -> str:
    return base_identifier(prenom, surname)


def uai(school: int) -> str:
    return f"069{school + 1:04d}A"


BENCH_UAI = uai(0)


def school_count(size: int) -> int:
    return -(-size // PUPILS_PER_SCHOOL)


def password_hash() -> str:
    """One argon2 hash for every seeded account: hashing a million times would take days."""
    return hash_password(PASSWORD)


def tables(size: int, hashed: str) -> dict[str, Iterator[dict]]:
    """Every seeded table's documents (each with its "id"), made as they are read."""
    return {
        "etablissements": _etablissements(size),
        "eleves": (Family(n).eleve() for n in range(size)),
        "responsables": (Family(n).responsable() for n in range(size)),
        "comptes": (Family(n).compte(hashed) for n in _with_account(size)),
        "identifiants_utilises": (Family(n).identifiant_used() for n in _with_account(size)),
        # The counters records/accounts.py numbers identifiants with: each base has given "1".
        "compteurs": (
            {"id": Family(n).account_id, "name": f"identifiant:{Family(n).base}", "value": 1}
            for n in _with_account(size)
        ),
        "teleservices": iter([_open_bourse(BENCH_UAI)]),
        "personnels": iter([_staff(hashed)]),
    }


def _with_account(size: int) -> range:
    return range(0, size, 2)


def _etablissements(size: int) -> Iterator[dict]:
    for school in range(school_count(size)):
        yield {
            "id": school + 1,
            "uai": uai(school),
            "nom": f"Collège du Banc d'essai {school + 1}",
            "type": KIND_OF_SCHOOL,
            "region": "FR",
        }


def _open_bourse(school_uai: str) -> dict:
    """The bench school's scholarship campaign, open on TODAY (records/teleservices.py's row)."""
    start, end = default_campaign(TODAY.year)
    return {
        "id": 1,
        "uai": school_uai,
        "service": "bourse",
        "state": "ouvert",
        "message": "",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "changed_at": MOMENT,
    }


def _staff(hashed: str) -> dict:
    """A direction account of the bench school, as records/staff.py writes one."""
    return {
        "id": 1,
        "identifier": STAFF_IDENTIFIANT,
        "identifier_key": STAFF_IDENTIFIANT.casefold(),
        "password_hash": hashed,
        "uai": BENCH_UAI,
        "role": "direction",
        "failures": 0,
        "clients": {},
        "created_at": MOMENT,
    }
