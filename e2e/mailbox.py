"""A real SMTP server (aiosmtpd) on a free port for the end-to-end tests: the service delivers
its mail to it over SMTP, as it would to the school's mail server."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self):
        self.messages: list[dict] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=policy.default)
        received = {
            "to": message["To"],
            "from": message["From"],
            "subject": message["Subject"],
            "body": message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            "attachments": {
                part.get_filename(): part.get_content() for part in message.iter_attachments()
            },
        }
        with self._lock:
            self.messages.append(received)
        return "250 Message accepted for delivery"

    def received(self, to: str) -> list[dict]:
        """The messages delivered to `to`, newest first."""
        with self._lock:
            return [message for message in reversed(self.messages) if message["to"] == to]


def start_smtp_server(port: int) -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, mailbox
