"""A journey that mails a link (the first login's activation, « Mot de passe oublié ? »): when
another mail may leave — a minute after the last one and within the journey's count, as a new
code (rules/sms_codes.py) — and what the journey's state keeps of the mails sent."""

from __future__ import annotations

from datetime import datetime

from rules import sms_codes


def resend_refusal(
    state: dict, now: datetime, max_mails: int, wait_text: str, too_many: str
) -> str | None:
    """Why no other mail may leave now, in French (`wait_text` names its `seconds` and their
    plural `s`), or None."""
    allowed = sms_codes.can_resend(state["mail"], state["mails_sent"], now, max_codes=max_mails)
    if allowed.status is sms_codes.ResendStatus.WAIT:
        plural = "s" if allowed.seconds_left > 1 else ""
        return wait_text.format(seconds=allowed.seconds_left, s=plural)
    return None if allowed.allowed else too_many


def count_mail(state: dict, now: datetime) -> None:
    """A mail just sent: one more for the journey, and the minute before the next starts."""
    state["mails_sent"] += 1
    state["mail"] = {"sent_at": now.isoformat()}
