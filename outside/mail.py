"""Sending an e-mail. The one interface is `send(to, subject, body, attachments=())`: over SMTP
when MAIL_SERVER is set, into the outbox otherwise, and into both when the development pages are
on. The body is plain text; attachments are files (the receipt of a scholarship request)."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from outside.outbox import Outbox
from outside.storage.tx import Store
from rules.clock import Clock
from rules.uploads import size_text


@dataclass(frozen=True)
class Attachment:
    filename: str
    mimetype: str  # "application/pdf"
    data: bytes

    def description(self) -> str:
        return f"{self.filename} ({size_text(len(self.data))})"


class MailSender(Protocol):
    def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None: ...


class MailOutbox(Outbox):
    """Keeps each mail with the names and sizes of its attachments, not their bytes: the
    database is no place for documents."""

    def __init__(self, store: Store, clock: Clock):
        super().__init__(store, clock, "mail_outbox")

    def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        joined = [attachment.description() for attachment in attachments]
        self.keep(to=to, subject=subject, body=body, attachments=joined)


class SmtpMailer:
    def __init__(self, server: str, port: int, sender: str, timeout: float = 10.0):
        self.server = server
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        for attachment in attachments:
            maintype, subtype = attachment.mimetype.split("/", 1)
            message.add_attachment(attachment.data, maintype, subtype, filename=attachment.filename)
        with smtplib.SMTP(self.server, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


class Both:
    def __init__(self, *senders: MailSender):
        self.senders = senders

    def send(
        self, to: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        for sender in self.senders:
            sender.send(to, subject, body, attachments)


def mail_sender(config: dict, outbox: MailOutbox) -> MailSender:
    if not config["MAIL_SERVER"]:
        return outbox
    smtp = SmtpMailer(config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_SENDER"])
    return Both(smtp, outbox) if config["DEV_PAGES"] else smtp
