"""A small HTTP client for the tests that go through real servers (gunicorn, several processes):
its own cookie jar, the CSRF token read from the last page, and a timeout on every request."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMEOUT = 30


class Client:
    def __init__(self, base_url: str, headers: dict | None = None):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        self.headers = headers or {}
        self.csrf = None

    def get(self, path: str) -> tuple[int, str]:
        return self._send(urllib.request.Request(self.base_url + path, headers=self.headers))

    def post(self, path: str, **fields: str) -> tuple[int, str]:
        body = urllib.parse.urlencode({"csrf_token": self.csrf or "", **fields}).encode()
        request = urllib.request.Request(
            self.base_url + path, data=body, method="POST", headers=self.headers
        )
        return self._send(request)

    def form(self, path: str) -> str:
        """Load a page with a form and keep its CSRF token for the next posts."""
        status, text = self.get(path)
        assert status == 200, (path, status)
        self.csrf = CSRF.search(text).group(1)
        return text

    def _send(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=TIMEOUT) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def copy_cookies_to(self, other: Client) -> None:
        for cookie in self.cookies:
            other.cookies.set_cookie(cookie)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answers are checked as they come: a 303 is a result, not a page to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def sms_sent(base_url: str, to: str) -> list[str]:
    """The SMS the server kept for this number (development outbox), newest first."""
    with urllib.request.urlopen(f"{base_url}/dev/sms.json", timeout=TIMEOUT) as answer:
        return [message["body"] for message in json.load(answer) if message["to"] == to]


def last_code(base_url: str, to: str) -> str:
    return re.search(r"\b(\d{6})\b", sms_sent(base_url, to)[0]).group(1)
