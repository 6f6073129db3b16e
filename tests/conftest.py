import pytest

from app import create_app

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
