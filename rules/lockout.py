"""Slowing down wrong passwords (journeys §1) per account AND per client, so that guessing is
slow while nobody elsewhere can lock the owner out, and nothing in the answer tells a client
kept waiting from a wrong password or an unknown identifiant.

A client is where the sign-in comes from: the address Flask reads (the client's, behind
TRUSTED_PROXIES), an IPv6 address by its /64 network (what one subscriber is given), kept as an
HMAC digest under the app's secret key, never in clear. Each client may type `free_failures`
wrong passwords at an account; each later failure makes that client wait 1, 2, 4… minutes, at
most `longest_wait`; the owner's client waits only after its own failures. A right password
from a client clears its count; a client's count is forgotten a day after its last failure.

The safety net against a guess spread over many addresses: the failures from every client
since the last right password are counted too ("failures"); past `alarm_failures`, each client
waits from its own first failure on. It never makes wait a client that has not failed itself,
so it cannot lock the owner out either.

The functions read and change the account dict in place ("failures", "clients"); the caller
saves it in the same transaction it read it in.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.clock import in_paris


@dataclass(frozen=True)
class Limits:
    free_failures: int = 5
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(minutes=30)
    alarm_failures: int = 50
    forget_after: timedelta = timedelta(hours=24)
    # Clients remembered per account, the most recent first: an account's record stays small
    # however many addresses a guess comes from.
    clients_kept: int = 50


LIMITS = Limits()

# One answer for a wrong password, an unknown identifiant and a client kept waiting.
FAILED = (
    "Identifiant ou mot de passe incorrect. Après plusieurs essais incorrects, patientez "
    "quelques minutes avant de réessayer : pendant ce délai, même le bon mot de passe est refusé."
)


def client_digest(secret: str | bytes, address: str | None) -> str:
    """The client's name in the records: its address (an IPv6 one by its /64) under an HMAC."""
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(key, _network(address or "").encode(), hashlib.sha256).hexdigest()[:32]


def _network(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


def cleared() -> dict:
    """The fields of an account no wrong password counts against."""
    return {"failures": 0, "clients": {}}


def wait_until(account: dict, client: str, now: datetime) -> datetime | None:
    """The end of this client's wait at this account, or None if it may try now."""
    return _until((account.get("clients") or {}).get(client), in_paris(now))


def waiting_until(account: dict, now: datetime) -> datetime | None:
    """The end of the last wait any client of this account is in (for the school's staff)."""
    now = in_paris(now)
    ends = [_until(entry, now) for entry in (account.get("clients") or {}).values()]
    return max((end for end in ends if end is not None), default=None)


def _until(entry: dict | None, now: datetime) -> datetime | None:
    if not entry or not entry.get("until"):
        return None
    end = in_paris(datetime.fromisoformat(entry["until"]))
    return end if now < end else None


def record_failure(account: dict, client: str, now: datetime, limits: Limits = LIMITS) -> None:
    """Count a wrong password from this client; past its free tries, it waits longer each time."""
    now = in_paris(now)
    if wait_until(account, client, now) is not None:
        # Refused whatever the password: neither counted nor making the wait longer.
        return
    account["failures"] = account.get("failures", 0) + 1
    clients = dict(account.get("clients") or {})
    failures = clients.get(client, {}).get("failures", 0) + 1
    wait = _wait(failures, account["failures"] >= limits.alarm_failures, limits)
    clients[client] = {
        "failures": failures,
        "last": now.isoformat(),
        "until": (now + wait).isoformat() if wait else None,
    }
    account["clients"] = _kept(clients, now, limits)


def _wait(failures: int, alarm: bool, limits: Limits) -> timedelta | None:
    free = 1 if alarm else limits.free_failures
    if failures < free:
        return None
    # The exponent is bounded so that no count, however large, overflows a timedelta.
    doubled = limits.first_wait * 2 ** min(failures - free, 32)
    return min(doubled, limits.longest_wait)


def record_success(account: dict, client: str, now: datetime, limits: Limits = LIMITS) -> None:
    """A right password: this client's failures and the count of all failures start again;
    the other clients' waits go on."""
    clients = dict(account.get("clients") or {})
    clients.pop(client, None)
    account["failures"] = 0
    account["clients"] = _kept(clients, in_paris(now), limits)


def _kept(clients: dict, now: datetime, limits: Limits) -> dict:
    """The clients still waiting or that failed within `forget_after`, the most recent first."""
    remembered = [
        (name, entry)
        for name, entry in clients.items()
        if _until(entry, now) is not None
        or now < in_paris(datetime.fromisoformat(entry["last"])) + limits.forget_after
    ]
    remembered.sort(key=lambda item: datetime.fromisoformat(item[1]["last"]), reverse=True)
    return dict(remembered[: limits.clients_kept])
