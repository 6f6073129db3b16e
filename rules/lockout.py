"""Locking an account after wrong passwords (journeys §1): 5 failures in a row lock it for
15 minutes, so a password cannot be guessed by trying many.

The functions read and change the account dict in place ("failures", "locked_until"); the
caller saves it in the same transaction it read it in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rules.clock import hour_text, in_paris

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)

FAILED = "Identifiant ou mot de passe incorrect."
LOCKED = (
    "Trop d'essais incorrects : votre compte est bloqué pendant {minutes} minutes. "
    "Vous pourrez vous connecter à nouveau à {heure}, ou utiliser « Mot de passe oublié ? »."
)


def locked_until(account: dict, now: datetime) -> datetime | None:
    """The end of the lock, or None if the account is not locked now."""
    now = in_paris(now)
    until = account.get("locked_until")
    if not until:
        return None
    end = in_paris(datetime.fromisoformat(until))
    return end if now < end else None


def record_failure(
    account: dict,
    now: datetime,
    max_failures: int = MAX_FAILURES,
    lock_duration: timedelta = LOCK_DURATION,
) -> None:
    """Count a wrong password; the last allowed one locks the account and starts a new count."""
    now = in_paris(now)
    if locked_until(account, now) is not None:
        # Tries during a lock are refused before the password is read: they neither count nor
        # make the lock longer.
        return
    failures = account.get("failures", 0) + 1
    if failures >= max_failures:
        account["failures"] = 0
        account["locked_until"] = (now + lock_duration).isoformat()
    else:
        account["failures"] = failures
        account["locked_until"] = None


def record_success(account: dict) -> None:
    """A right password: the failures before it no longer count."""
    account["failures"] = 0
    account["locked_until"] = None


def locked_message(until: datetime, lock_duration: timedelta = LOCK_DURATION) -> str:
    minutes = int(lock_duration.total_seconds() // 60)
    return LOCKED.format(minutes=minutes, heure=hour_text(until))
