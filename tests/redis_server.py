"""Redis for the tests that need it: every development and CI machine of this project runs one
on 127.0.0.1:6379. Where it does not answer, such a test is skipped on a developer's machine but
fails in CI (CI set), so that a missing Redis never turns into a green run that tested nothing."""

from __future__ import annotations

import os

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

HOST, PORT = "127.0.0.1", 6379
# A database of its own, so that the tests never touch what `make run` counts in database 0.
DATABASE = 15
URL = f"redis://{HOST}:{PORT}/{DATABASE}"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_redis(host: str = HOST, port: int = PORT, timeout: float = 2.0) -> redis.Redis:
    """A client of the test database once Redis answered; otherwise skip, or fail in CI."""
    client = redis.Redis(
        host=host,
        port=port,
        db=DATABASE,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        # No retries: redis-py's default backoff would take 4 s to tell that nobody answers.
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis does not answer on {host}:{port} ({error})"
        if in_ci():
            pytest.fail(f"{reason}; CI must run it", pytrace=False)
        pytest.skip(f"{reason}; start it to run this test")
    return client


def forget(client: redis.Redis, fragment: str) -> None:
    """Delete the keys whose name holds `fragment` (a test's own key prefix)."""
    keys = list(client.scan_iter(match=f"*{fragment}*", count=500))
    if keys:
        client.delete(*keys)
