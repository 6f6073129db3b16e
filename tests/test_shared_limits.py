"""The sign-in limit per IP address (issue 10, shared counters): one budget for the parents' and
the staff's forms; the client's address read from X-Forwarded-For only behind trusted proxies."""

from __future__ import annotations

import pytest

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
