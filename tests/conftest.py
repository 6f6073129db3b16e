import pytest

from app import create_app


@pytest.fixture
def app(tmp_path):
    return create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "db.json"), "TODAY": "2026-09-14"}
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(app):
    return app.extensions["store"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
