"""The sign-in limit per IP address (issue 10, shared counters): one budget for the parents' and
the staff's forms; the client's address read from X-Forwarded-For only behind trusted proxies;
and one count for every gunicorn process when the limiter stores in Redis, through real HTTP."""

from __future__ import annotations

import http.client
import re
import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from e2e.servers import free_port, start_app
from tests import redis_server
from tests.markup import csrf_token
from tests.redis_server import forget, require_redis
from views import login

PARENTS, STAFF = "/connexion", "/admin/connexion"
# The limiter counts a sign-in before the view reads it: a form without its password is counted
# like any other, and answers 422 without argon2's fifth of a second of CPU.
INCOMPLETE = {"identifiant": "inconnu", "mot_de_passe": ""}


@pytest.fixture
def limited(make_app):
    """Apps with a limit of 3 sign-ins a minute. The limiter is one module-level object: what a
    test counted must not reach the next."""

    def make(**settings):
        return make_app(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="3 per minute", **settings)

    yield make
    login.limiter.reset()


def sign_in(client, path: str = PARENTS, **options) -> int:
    return client.post(path, data=INCOMPLETE, **options).status_code


def forwarded_for(address: str) -> dict:
    return {"headers": {"X-Forwarded-For": address}}


# One budget for both forms ------------------------------------------------------------------


@pytest.mark.parametrize("fourth", [PARENTS, STAFF])
def test_parents_and_staff_sign_ins_share_one_budget(limited, fourth):
    client = limited().test_client()
    assert [sign_in(client, PARENTS), sign_in(client, PARENTS), sign_in(client, STAFF)] == [
        422,
        422,
        422,
    ]
    assert sign_in(client, fourth) == 429
    assert (sign_in(client, PARENTS), sign_in(client, STAFF)) == (429, 429)


def test_the_shared_budget_is_per_address(limited):
    app = limited()
    for path in (PARENTS, STAFF, PARENTS):
        assert sign_in(app.test_client(), path) == 422
    assert sign_in(app.test_client(), STAFF) == 429
    elsewhere = {"environ_overrides": {"REMOTE_ADDR": "192.0.2.7"}}
    assert sign_in(app.test_client(), STAFF, **elsewhere) == 422


# The client's address -----------------------------------------------------------------------


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_budget(limited):
    # Every request comes from the proxy's socket address (127.0.0.1 in the test client).
    client = limited(TRUSTED_PROXIES=1).test_client()
    for _ in range(3):
        assert sign_in(client, **forwarded_for("203.0.113.7")) == 422
    assert sign_in(client, STAFF, **forwarded_for("203.0.113.7")) == 429
    assert sign_in(client, **forwarded_for("198.51.100.23")) == 422
    assert sign_in(client, STAFF, **forwarded_for("198.51.100.23")) == 422


def test_a_client_cannot_choose_its_address_through_one_trusted_proxy(limited):
    # The proxy appends the address it saw; whatever the client wrote before it is not trusted.
    client = limited(TRUSTED_PROXIES=1).test_client()
    for written_by_client in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        assert sign_in(client, **forwarded_for(f"{written_by_client}, 203.0.113.7")) == 422
    assert sign_in(client, **forwarded_for("10.0.0.4, 203.0.113.7")) == 429


def test_without_trusted_proxies_the_limit_keys_on_the_socket_address(limited):
    client = limited().test_client()
    for address in ("203.0.113.7", "198.51.100.23", "192.0.2.50"):
        assert sign_in(client, **forwarded_for(address)) == 422
    assert sign_in(client, **forwarded_for("203.0.113.99")) == 429
    elsewhere = {"environ_overrides": {"REMOTE_ADDR": "192.0.2.7"}}
    assert sign_in(client, **elsewhere, **forwarded_for("203.0.113.7")) == 422


# The Redis helper ---------------------------------------------------------------------------


def test_without_redis_a_test_is_skipped_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis does not answer"):
        require_redis(port=free_port(), timeout=0.5)


@pytest.mark.parametrize("value", ["true", "1"])
def test_without_redis_a_test_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI must run it"):
        require_redis(port=free_port(), timeout=0.5)


# Several processes, one count: through real HTTP against gunicorn ------------------------------

LIMIT, SIGN_INS = 30, 80
TIMEOUT = 30  # seconds, for each request: enough on a loaded machine, never a hung test
# Each access-log line starts with the pid of the worker that answered.
ACCESS_LOG_FORMAT = "--access-logformat 'worker=%(p)s \"%(r)s\" %(s)s'"


def request(url: str, method: str, path: str, body: str | None = None, headers=None):
    """One request on its own connection; the status, headers and body of the answer."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.headers, answer.read().decode()
    finally:
        connection.close()


def workers_seen(log: Path, request_line: str) -> set[str]:
    pattern = re.compile(rf'^worker=<(\d+)> "{re.escape(request_line)} ', re.MULTILINE)
    return set(pattern.findall(log.read_text()))


def wait_for_both_workers(url: str, log: Path, timeout: float = 30) -> None:
    """Both processes have loaded the app and answered: the sign-ins can reach either."""
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(8) as pool:
        while len(workers_seen(log, "GET /connexion")) < 2:
            assert time.monotonic() < deadline, f"one worker only:\n{log.read_text()}"
            list(pool.map(lambda _: request(url, "GET", PARENTS), range(8)))


def session_and_token(url: str) -> tuple[str, str]:
    """A session cookie and the CSRF token that goes with it, from the login page."""
    status, headers, html = request(url, "GET", PARENTS)
    assert status == 200
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("session=")
    return cookie, csrf_token(html)


def test_gunicorn_workers_share_one_sign_in_budget_in_redis(tmp_path, monkeypatch):
    redis = require_redis()
    prefix = f"teleservices-test-{secrets.token_hex(8)}"  # not JSON: read as a string
    monkeypatch.setenv("GUNICORN_CMD_ARGS", ACCESS_LOG_FORMAT)  # passed on to the server
    server = start_app(
        tmp_path,
        RATELIMIT_STORAGE_URI=redis_server.URL,
        RATELIMIT_KEY_PREFIX=prefix,
        LOGIN_RATE_LIMIT=f"{LIMIT} per minute",
    )
    log = tmp_path / "app.log"
    try:
        wait_for_both_workers(server.url, log)
        cookie, token = session_and_token(server.url)
        body = urlencode({**INCOMPLETE, "csrf_token": token})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}

        def post(number: int) -> int:
            path = (PARENTS, STAFF)[number % 2]
            return request(server.url, "POST", path, body, headers)[0]

        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            statuses = Counter(pool.map(post, range(SIGN_INS)))
        took = time.monotonic() - started
    finally:
        server.stop()
        forget(redis, prefix)
    # A new minute would open a new budget (the window starts at the first sign-in).
    assert took < 60, f"the sign-ins took {took:.0f} s, more than the limit's window"
    assert statuses == {422: LIMIT, 429: SIGN_INS - LIMIT}, statuses
    # Both processes counted sign-ins: with a count per process, 60 would have passed.
    answered = workers_seen(log, f"POST {PARENTS}") | workers_seen(log, f"POST {STAFF}")
    assert len(answered) == 2, log.read_text()
