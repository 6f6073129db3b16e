"""Accounts a school distributes (journeys §4): notifying a responsable gives their account an
identifiant and a temporary password for a letter, and the first login checks that password.

Notifying writes on the account ("comptes"): state "notifié", method "notification",
"temporary_password_hash" (argon2, the password itself is only in the returned Letter, once),
"temporary_password_expires" (ISO date, the letter's date + 3 months), "notified_at",
"notified_by", "notified_how". A responsable without an account gets one, in state "notifié",
with no password; the account holds every record the same person has on the rosters (same phone
and name, as self-registration finds them), so one person never gets two accounts. Notifying
again replaces the temporary password: the earlier letter no longer works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from outside.storage import Tx
from records import accounts, activation
from records.accounts import ACCOUNTS, SignInOutcome
from records.roster import ELEVES, ETABLISSEMENTS, RESPONSABLES
from rules.account_states import AccountState
from rules.clock import in_paris
from rules.lockout import LIMITS, Limits, cleared
from rules.names import normalize_name
from rules.passwords import hash_password, verify_password
from rules.temporary_passwords import expires_on, is_expired, new_temporary_password

HOWS = ("courriel", "courrier")

# Why a selected responsable gets no letter (shown to the staff beside their name).
UNKNOWN = "Responsable introuvable."
OTHER_SCHOOL = "Responsable d'un autre établissement."
ALREADY_ACTIVE = "Compte déjà activé : pas de nouveaux identifiants."
BLOCKED = "Compte bloqué par l'établissement : débloquez-le avant de le notifier."
NO_EMAIL = "Aucune adresse électronique connue : choisissez le courrier."


@dataclass(frozen=True)
class School:
    nom: str
    uai: str


@dataclass(frozen=True)
class Recipient:
    civilite: str
    prenom: str
    nom: str
    email: str | None


@dataclass(frozen=True)
class Child:
    prenom: str
    nom: str
    classe: str


@dataclass(frozen=True)
class Letter:
    """Everything one letter (or e-mail) shows. The children are this responsable's in this
    school only: the letter is printed by the school's staff."""

    etablissement: School
    date: date
    responsable: Recipient
    children: tuple[Child, ...]
    identifiant: str
    # In clear, once: only its hash is stored. Kept out of repr so no log or traceback shows it.
    temporary_password: str = field(repr=False)
    valid_until: date
    responsable_id: int
    account_id: int


@dataclass(frozen=True)
class Skipped:
    responsable_id: int
    name: str  # "Mme Sophie Lefèvre-D'Almeida"; "" when the responsable is unknown
    reason: str  # one of the sentences above


class Notified(list):
    """The letters, in the order the responsables were given, as a list; `skipped` holds the
    responsables who got none, with the reason."""

    def __init__(self, letters: list[Letter], skipped: list[Skipped]):
        super().__init__(letters)
        self.skipped = skipped


def notify(
    tx: Tx,
    responsable_ids: list[int],
    staff_identifier: str,
    how: str,
    now: datetime,
    uai: str | None = None,
) -> Notified:
    """Give each responsable's account a new temporary password and return their letters.

    Responsables whose account is active or blocked by the school, unknown ids, those of
    another school than `uai` (when given) and, by "courriel", those without an e-mail address
    get no letter: they are in the result's `skipped`, nothing is raised. `how` other than
    "courriel" or "courrier" raises ValueError.

    The passwords are hashed between the plan and the writes (argon2 takes a fifth of a second
    each); the accounts are then locked and read again, so one activated or blocked meanwhile
    gets no letter.
    """
    if how not in HOWS:
        raise ValueError(f"mode de notification inconnu : {how}")
    moment = in_paris(now)
    letter_date = moment.date()
    valid_until = expires_on(letter_date)
    planned, skipped = _plan(tx, list(dict.fromkeys(responsable_ids)), how, uai)
    passwords = {number: new_temporary_password() for number in planned}
    hashes = {number: hash_password(passwords[number]) for number in planned}
    _lock_people(tx, planned.values())
    identifiants: dict[int, tuple[str, int]] = {}
    given: dict[int, int] = {}  # account id → the first of its responsables in this call
    for number, (responsable, person) in planned.items():
        account = accounts.account_of(tx, person)
        refusal = _refusal(account)
        if refusal:
            # Activated or blocked while the passwords were being hashed.
            skipped.append(_skip(number, responsable, refusal))
            continue
        if account is not None and account["id"] in given:
            # Two records of one person (two schools) share the account, so its password.
            first = given[account["id"]]
            passwords[number], identifiants[number] = passwords[first], identifiants[first]
            continue
        if account is None:
            account = accounts._new_account(
                tx,
                person,
                responsable["prenom"],
                responsable["nom"],
                responsable["telephone"],
                password_hash=None,
                method="notification",
                moment=moment.isoformat(),
                state=AccountState.NOTIFIED,
            )
        changes = {
            "state": AccountState.NOTIFIED,
            "method": "notification",
            "responsable_ids": sorted(set(account["responsable_ids"]) | set(person)),
            "temporary_password_hash": hashes[number],
            "temporary_password_expires": valid_until.isoformat(),
            "notified_at": moment.isoformat(),
            "notified_by": staff_identifier,
            "notified_how": how,
            # A new password: the tries made at the old one no longer count.
            **cleared(),
        }
        tx.update(ACCOUNTS, account["id"], changes)
        accounts.list_state(tx, {**account, **changes})
        identifiants[number] = (account["identifier"], account["id"])
        given[account["id"]] = number
    written = {
        number: responsable
        for number, (responsable, _) in planned.items()
        if number in identifiants
    }
    schools, eleves = _schools_and_children(tx, list(written.values()))
    letters = [
        Letter(
            etablissement=School(nom=schools.get(responsable["uai"], ""), uai=responsable["uai"]),
            date=letter_date,
            responsable=Recipient(
                civilite=responsable["civilite"],
                prenom=responsable["prenom"],
                nom=responsable["nom"],
                email=responsable.get("email") or None,
            ),
            children=_children(responsable, eleves),
            identifiant=identifiants[number][0],
            temporary_password=passwords[number],
            valid_until=valid_until,
            responsable_id=number,
            account_id=identifiants[number][1],
        )
        for number, responsable in written.items()
    ]
    return Notified(letters, skipped)


def _plan(
    tx: Tx, responsable_ids: list[int], how: str, uai: str | None
) -> tuple[dict[int, tuple[dict, list[int]]], list[Skipped]]:
    """The responsables to notify, each with the ids of every record of the same person (same
    phone and name, in any school), and those to skip."""
    planned: dict[int, tuple[dict, list[int]]] = {}
    skipped: list[Skipped] = []
    for number in responsable_ids:
        responsable = tx.get(RESPONSABLES, number)
        if responsable is None:
            skipped.append(Skipped(number, "", UNKNOWN))
            continue
        same = accounts.find_responsables(
            tx, responsable["telephone"], responsable["nom"], responsable["prenom"]
        )
        person = sorted({number, *(record["id"] for record in same)})
        refusal = (
            (OTHER_SCHOOL if uai is not None and responsable["uai"] != uai else None)
            or (NO_EMAIL if how == "courriel" and not responsable.get("email") else None)
            or _refusal(accounts.account_of(tx, person))
        )
        if refusal:
            skipped.append(_skip(number, responsable, refusal))
        else:
            planned[number] = (responsable, person)
    return planned, skipped


def _lock_people(tx: Tx, planned) -> None:
    """Hold these people and their accounts until this transaction ends. Their responsable
    records first, as a registration does: nobody else can give them an account meanwhile. Then
    the accounts they already have: a sign-in, an activation or another letter waits for them.
    Each kind in one order, so two transactions at once wait, never deadlock."""
    people = [person for _, person in planned]
    accounts.lock_responsables(tx, [number for person in people for number in person])
    found = {account["id"] for person in people if (account := accounts.account_of(tx, person))}
    for number in sorted(found):
        tx.lock(f"compte:{number}")


def _schools_and_children(
    tx: Tx, responsables: list[dict]
) -> tuple[dict[str, str], dict[str, dict]]:
    """The names of these responsables' schools by UAI, and their children by INE."""
    uais = [responsable["uai"] for responsable in responsables]
    schools = {school["uai"]: school["nom"] for school in tx.find_any(ETABLISSEMENTS, "uai", uais)}
    ines = [ine for responsable in responsables for ine in responsable.get("eleves", [])]
    return schools, {eleve["ine"]: eleve for eleve in tx.find_any(ELEVES, "ine", ines)}


def _refusal(account: dict | None) -> str | None:
    if account is None:
        return None
    if account["state"] == AccountState.ACTIVE:
        return ALREADY_ACTIVE
    if account["state"] == AccountState.BLOCKED:
        return BLOCKED
    return None


def _skip(number: int, responsable: dict, reason: str) -> Skipped:
    parts = (responsable.get("civilite"), responsable["prenom"], responsable["nom"])
    return Skipped(number, " ".join(part for part in parts if part), reason)


def _children(responsable: dict, eleves: dict[str, dict]) -> tuple[Child, ...]:
    found = [eleves[ine] for ine in responsable.get("eleves", []) if ine in eleves]
    found.sort(key=lambda eleve: (normalize_name(eleve["prenom"]), eleve["ine"]))
    return tuple(Child(eleve["prenom"], eleve["nom"], eleve["classe"]) for eleve in found)


# -- The first login -----------------------------------------------------------------------------


class TemporaryOutcome(Enum):
    OK = "ok"
    EXPIRED = "expired"
    NOT_TEMPORARY = "not_temporary"
    FAILED = "failed"
    RESUMED = "resumed"


@dataclass(frozen=True)
class TemporaryCheck:
    """OK with the `account`; RESUMED with the `account` and the `journey_id` of its activation
    in progress (the new password chosen there was typed); EXPIRED (the right password, too
    late); NOT_TEMPORARY (no account waiting for its first login has this identifiant: the
    normal sign-in applies); FAILED (a wrong password, counted towards the client's waits, or a
    client kept waiting)."""

    outcome: TemporaryOutcome
    account: dict | None = None
    journey_id: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is TemporaryOutcome.OK


_FROM_SIGN_IN = {
    SignInOutcome.OK: TemporaryOutcome.OK,
    SignInOutcome.FAILED: TemporaryOutcome.FAILED,
}


def check_temporary(
    tx: Tx,
    identifier: str,
    password: str,
    now: datetime,
    client: str,
    limits: Limits = LIMITS,
) -> TemporaryCheck:
    """Check a temporary password typed in the login form (§1, §4).

    Failures count towards the same waits as the normal sign-in's (rules/lockout.py). Expiry
    is told only to whoever types the right password, so it says nothing about an account to
    someone guessing. An account not "notifié" returns at once, without a password check: the
    normal sign-in then spends one, as for any identifier.

    The new password chosen at the first step of an activation in progress also signs in: it
    resumes that activation where it stands, in any session (issue 12, item 6); it proves the
    parent is who chose it, which the letter's password alone does not. It counts as the
    temporary one would, and is checked only while such an activation is in progress.
    """
    now = in_paris(now)
    account = accounts.find_by_identifier(tx, identifier)
    if (
        account is None
        or account["state"] != AccountState.NOTIFIED
        or not account.get("temporary_password_hash")
    ):
        return TemporaryCheck(TemporaryOutcome.NOT_TEMPORARY)
    in_progress = activation.chosen_in_progress(tx, account["id"], now)
    chosen = in_progress is not None and verify_password(in_progress[1], password)
    result = accounts.check_counted(
        tx,
        accounts.ACCOUNTS,
        account,
        "temporary_password_hash",
        password,
        now,
        client,
        limits,
        also_right=chosen,
    )
    if result.ok and is_expired(
        date.fromisoformat(account["temporary_password_expires"]), now.date()
    ):
        return TemporaryCheck(TemporaryOutcome.EXPIRED)
    if result.ok and chosen:
        return TemporaryCheck(
            TemporaryOutcome.RESUMED, account=result.account, journey_id=in_progress[0]
        )
    return TemporaryCheck(_FROM_SIGN_IN[result.outcome], account=result.account)
