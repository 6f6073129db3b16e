"""Sending an e-mail. The one interface is `send(to, subject, body)`: over SMTP when MAIL_SERVER is
set, into the outbox otherwise, and into both when the development pages are on."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from outside.outbox import Outbox
from outside.storage import Store
from rules.clock import Clock


class MailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class MailOutbox(Outbox):
    def __init__(self, store: Store, clock: Clock):
        super().__init__(store, clock, "mail_outbox")

    def send(self, to: str, subject: str, body: str) -> None:
        self.keep(to=to, subject=subject, body=body)


class SmtpMailer:
    def __init__(self, server: str, port: int, sender: str, timeout: float = 10.0):
        self.server = server
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.server, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


class Both:
    def __init__(self, *senders: MailSender):
        self.senders = senders

    def send(self, to: str, subject: str, body: str) -> None:
        for sender in self.senders:
            sender.send(to, subject, body)


def mail_sender(config: dict, outbox: MailOutbox) -> MailSender:
    if not config["MAIL_SERVER"]:
        return outbox
    smtp = SmtpMailer(config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_SENDER"])
    return Both(smtp, outbox) if config["DEV_PAGES"] else smtp
