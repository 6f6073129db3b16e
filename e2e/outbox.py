"""What the service sent, read from its development pages like a developer would."""

import re


def last_sms(page, server_url: str, to: str) -> str:
    messages = page.request.get(f"{server_url}/dev/sms.json").json()
    return next(message["body"] for message in messages if message["to"] == to)


def last_code(page, server_url: str, to: str) -> str:
    return re.search(r"\b(\d{6})\b", last_sms(page, server_url, to)).group(1)
