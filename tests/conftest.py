import pytest

from app import create_app
from tests.fake_clock import FakeClock, install

TEST_SETTINGS = {"TESTING": True, "TODAY": "2026-09-14"}


@pytest.fixture
def app(tmp_path):
    return create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "db.json"), "TODAY": "2026-09-14"}
    )


@pytest.fixture
def make_app(tmp_path):
    """Another app for settings a test changes (`make_app(DEV_PAGES=True)`), on its own
    temporary database."""

    def make(**settings):
        return create_app({**TEST_SETTINGS, "DATABASE": str(tmp_path / "db.json"), **settings})

    return make


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# The service on the demo roster and a fake clock, for the view tests (registration, sign-in) -----


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def web(make_app, seeded, clock):
    """The service without CSRF checks (they have their own tests), on the demo roster."""
    return install(make_app(WTF_CSRF_ENABLED=False), clock)


@pytest.fixture
def guarded(make_app, seeded, clock):
    """The service as it runs: CSRF checked."""
    return install(make_app(), clock)


@pytest.fixture
def parent(web):
    return web.test_client()


@pytest.fixture
def db(web):
    return web.extensions["store"]
