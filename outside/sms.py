"""Sending an SMS. The one interface is `send(to, body)`; the local default keeps it in an outbox
(a real operator's connector would implement the same method)."""

from __future__ import annotations

from typing import Protocol

from outside.outbox import Outbox
from outside.storage.tx import Store
from rules.clock import Clock


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> None: ...


class SmsOutbox(Outbox):
    def __init__(self, store: Store, clock: Clock):
        super().__init__(store, clock, "sms_outbox")

    def send(self, to: str, body: str) -> None:
        self.keep(to=to, body=body)
