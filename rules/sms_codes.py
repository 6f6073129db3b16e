"""One-time codes sent by SMS (journeys §2.2): 6 random digits, valid 10 minutes, single use,
3 wrong tries at most, kept only as an HMAC keyed by the service's secret key.

A record is a plain dict, saved by the caller with the journey:
{"hmac", "nonce", "sent_at", "wrong_tries", "used"}. `check` changes it in place, so the caller
must save it again after every check, whatever the answer.

Why an HMAC and not a slow hash: there are only a million codes, so a slow hash (scrypt, 40 ms
of CPU per SMS) still gives a code back to whoever holds the database in hours on one core, and
in minutes on many. An HMAC cannot be computed at all without the secret key, which lives in the
service's settings, not in the database: a stolen database alone gives no code back. Records
made before the switch (scrypt's "hash" and "salt", at most 10 minutes old at a deploy) are
answered as expired: the parent asks for a new code, no try is spent.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from rules.clock import in_paris

CODE_LENGTH = 6
CODE_LIFETIME = timedelta(minutes=10)
RESEND_DELAY = timedelta(seconds=60)
MAX_WRONG_TRIES = 3
MAX_CODES_PER_JOURNEY = 3
MAX_SMS_PER_NUMBER_PER_DAY = 5

# The codes' key is derived from the secret key, for this use only.
_PURPOSE = b"sms-code"

# Whatever separates the digits when a code is typed or pasted: spaces, tabs, non-breaking spaces.
_SEPARATORS = re.compile(r"\s+")


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"  # the last allowed wrong try was spent: the code is dead
    USED = "used"
    MALFORMED = "malformed"  # not 6 digits: a typo, it does not spend a try


CHECK_MESSAGES = {
    CodeCheck.WRONG: "Le code saisi est incorrect. Il vous reste {tries_left}.",
    CodeCheck.EXPIRED: "Ce code a expiré. Demandez un nouveau code.",
    CodeCheck.EXHAUSTED: "Trop d'essais : ce code n'est plus valable. Demandez un nouveau code.",
    CodeCheck.MALFORMED: "Le code doit comporter 6 chiffres.",
    CodeCheck.USED: "Ce code a déjà été utilisé. Demandez un nouveau code.",
}


class ResendStatus(Enum):
    OK = "ok"
    WAIT = "wait"
    TOO_MANY = "too_many"


@dataclass(frozen=True)
class Resend:
    """Whether a new code may be sent now; `seconds_left` is only set when the answer is WAIT."""

    status: ResendStatus
    seconds_left: int = 0

    @property
    def allowed(self) -> bool:
        return self.status is ResendStatus.OK


WAIT_MESSAGE = "Vous pourrez demander un nouveau code dans {seconds} seconde{s}."
TOO_MANY_CODES = (
    "Vous avez demandé le nombre maximal de codes pour cette démarche. "
    "Recommencez l'inscription plus tard."
)
DAILY_LIMIT_REACHED = (
    "Trop de SMS ont été envoyés à ce numéro ces dernières 24 heures. Réessayez plus tard."
)


def new_code(length: int = CODE_LENGTH) -> str:
    """Random digits from the system's cryptographic source, leading zeros kept."""
    return f"{secrets.randbelow(10**length):0{length}d}"


def issue(code: str, now: datetime, secret_key: str | bytes) -> dict:
    """The record to keep for a code just sent: its HMAC, never the code itself."""
    nonce = secrets.token_bytes(16)
    return {
        "hmac": _digest(code, nonce, secret_key).hex(),
        "nonce": nonce.hex(),
        "sent_at": in_paris(now).isoformat(),
        "wrong_tries": 0,
        "used": False,
    }


def check(
    record: dict,
    typed: str,
    now: datetime,
    secret_keys: Sequence[str | bytes],
    lifetime: timedelta = CODE_LIFETIME,
    max_wrong_tries: int = MAX_WRONG_TRIES,
) -> CodeCheck:
    """Check a typed code against the record, counting a wrong try or spending the code.
    `secret_keys`: the service's secret key and those being retired (a code made with any of
    them is accepted)."""
    now = in_paris(now)
    # A dead code says so whatever was typed: the only way on is a new code.
    if record["used"]:
        return CodeCheck.USED
    if record["wrong_tries"] >= max_wrong_tries:
        return CodeCheck.EXHAUSTED
    if now - sent_at(record) > lifetime or "hmac" not in record:
        return CodeCheck.EXPIRED
    code = _SEPARATORS.sub("", typed or "")
    if not re.fullmatch(rf"[0-9]{{{CODE_LENGTH}}}", code):
        return CodeCheck.MALFORMED
    if _matches(record, code, secret_keys):
        record["used"] = True
        return CodeCheck.OK
    record["wrong_tries"] += 1
    if record["wrong_tries"] >= max_wrong_tries:
        return CodeCheck.EXHAUSTED
    return CodeCheck.WRONG


def tries_left(record: dict, max_wrong_tries: int = MAX_WRONG_TRIES) -> int:
    return max(0, max_wrong_tries - record["wrong_tries"])


def check_message(result: CodeCheck, tries_left: int = 0) -> str:
    """The French message for a failed check; `tries_left` is only read for WRONG."""
    if result is CodeCheck.OK:
        raise ValueError("un code accepté n'a pas de message d'erreur")
    if result is CodeCheck.WRONG:
        essais = "1 essai" if tries_left == 1 else f"{tries_left} essais"
        return CHECK_MESSAGES[result].format(tries_left=essais)
    return CHECK_MESSAGES[result]


def can_resend(
    record: dict | None,
    codes_sent_in_journey: int,
    now: datetime,
    resend_delay: timedelta = RESEND_DELAY,
    max_codes: int = MAX_CODES_PER_JOURNEY,
) -> Resend:
    """Whether "Recevoir un nouveau code" may send one now (the daily quota per number is
    checked apart, with `daily_limit_reached`)."""
    now = in_paris(now)
    if codes_sent_in_journey >= max_codes:
        return Resend(ResendStatus.TOO_MANY)
    if record is None:
        return Resend(ResendStatus.OK)
    remaining = sent_at(record) + resend_delay - now
    if remaining > timedelta(0):
        # Rounded up: "1 second" left must not be shown as 0 while the button is still refused.
        return Resend(ResendStatus.WAIT, math.ceil(remaining.total_seconds()))
    return Resend(ResendStatus.OK)


def resend_message(resend: Resend) -> str:
    if resend.status is ResendStatus.WAIT:
        plural = "s" if resend.seconds_left > 1 else ""
        return WAIT_MESSAGE.format(seconds=resend.seconds_left, s=plural)
    if resend.status is ResendStatus.TOO_MANY:
        return TOO_MANY_CODES
    raise ValueError("un renvoi autorisé n'a pas de message")


def daily_limit_reached(sent_today: int, max_per_day: int = MAX_SMS_PER_NUMBER_PER_DAY) -> bool:
    """Whether a number already received its SMS for the last 24 hours (count them with
    `records.journeys.sms_sent_today`)."""
    return sent_today >= max_per_day


ACTIVATION = "votre code d'activation"
NEW_NUMBER = "le code qui confirme votre nouveau numéro"


def sms_text(code: str, purpose: str = ACTIVATION, lifetime: timedelta = CODE_LIFETIME) -> str:
    """The SMS; `purpose` names the code, so a parent changing numbers is not told of an
    activation."""
    minutes = int(lifetime.total_seconds() // 60)
    return (
        f"ÉduConnect : {purpose} est {code}. "
        f"Il est valable {minutes} minutes. Ne le communiquez à personne."
    )


def sent_at(record: dict) -> datetime:
    return datetime.fromisoformat(record["sent_at"])


def _matches(record: dict, code: str, secret_keys: Sequence[str | bytes]) -> bool:
    expected = bytes.fromhex(record["hmac"])
    nonce = bytes.fromhex(record["nonce"])
    # Every key compared, in constant time: the answer's delay tells nothing of the code.
    found = [hmac.compare_digest(_digest(code, nonce, key), expected) for key in secret_keys]
    return any(found)


def _digest(code: str, nonce: bytes, secret_key: str | bytes) -> bytes:
    if isinstance(secret_key, str):
        secret_key = secret_key.encode("utf-8")
    key = hmac.new(secret_key, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, nonce + code.encode("ascii"), hashlib.sha256).digest()
