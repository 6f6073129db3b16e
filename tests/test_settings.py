"""Settings: a bad value stops the service at start with a French message naming the setting,
never a traceback; the environment (FLASK_*) overrides the defaults."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from limits.storage import MemoryStorage, RedisStorage
from werkzeug.middleware.proxy_fix import ProxyFix

import settings
from app import create_app
from views import login

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "3f9a1c0e7b2d4a6f8e1c3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d0f2a"
# The development key the repository once held: anyone could forge a session with it.
PUBLISHED_KEY = "dev-only-not-secret"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """The tests choose every FLASK_* variable; none leaks in from the shell (or the Makefile)."""
    for name in list(os.environ):
        if name.startswith("FLASK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def database(tmp_path):
    return str(tmp_path / "db.json")


def refusal(config: dict) -> str:
    """The message create_app stops with; it must be a plain message, without a chained error."""
    with pytest.raises(SystemExit) as stopped:
        create_app(config)
    assert stopped.value.code == 4
    message = stopped.value.message
    assert message.startswith("Configuration invalide : ")
    assert "Traceback" not in message
    assert stopped.value.__cause__ is None
    assert stopped.value.__suppress_context__ is True
    return message


# Refusals -----------------------------------------------------------------------------------


def test_no_secret_key_in_production_is_refused(database):
    message = refusal({"DATABASE": database})
    assert "SECRET_KEY manquante ou trop faible" in message
    assert "FLASK_SECRET_KEY=" in message


def test_a_cheap_password_hash_outside_the_tests_is_refused(database):
    cheap = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    message = refusal({"DATABASE": database, "SECRET_KEY": GOOD_KEY, "PASSWORD_HASH_COST": cheap})
    assert "PASSWORD_HASH_COST ne sert qu'aux tests" in message


def test_the_service_hashes_passwords_at_the_production_cost(database):
    # In a process of its own: the unit suite's processes hash at the tests' cheap cost.
    script = (
        "from app import create_app; from rules.passwords import hash_password; "
        f"create_app({{'DATABASE': {database!r}, 'SECRET_KEY': {GOOD_KEY!r}}}); "
        "print(hash_password('Cartable-Vert-2026!'))"
    )
    hashed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_short_secret_key_is_refused(database):
    message = refusal({"DATABASE": database, "SECRET_KEY": "a" * 31})
    assert "SECRET_KEY" in message


@pytest.mark.parametrize("dev_pages", [False, True])
def test_the_published_development_key_is_refused(database, dev_pages):
    message = refusal({"DATABASE": database, "SECRET_KEY": PUBLISHED_KEY, "DEV_PAGES": dev_pages})
    assert "SECRET_KEY manquante ou trop faible" in message


def test_the_published_development_key_is_refused_from_the_environment(monkeypatch, database):
    monkeypatch.setenv("FLASK_SECRET_KEY", PUBLISHED_KEY)
    assert "SECRET_KEY" in refusal({"DATABASE": database})


def test_the_published_development_key_is_gone():
    assert PUBLISHED_KEY not in Path(settings.__file__).read_text(encoding="utf-8")


def test_an_unwritable_development_key_is_refused(database, tmp_path):
    blocker = tmp_path / "un-fichier"
    blocker.write_text("")
    config = {"DATABASE": database, "DEV_PAGES": True, "DEV_SECRET_KEY_FILE": blocker / "cle"}
    message = refusal(config)
    assert f"La clé de développement ne peut pas être créée dans {blocker / 'cle'}" in message
    assert "FLASK_SECRET_KEY=" in message


@pytest.mark.parametrize("content", ["", "abc\n", PUBLISHED_KEY, b"\xff" * 64, "a folder"])
def test_a_damaged_development_key_is_refused(database, tmp_path, content):
    key_file = tmp_path / "dev-secret-key"
    if content == "a folder":
        key_file.mkdir()
    else:
        key_file.write_bytes(content if isinstance(content, bytes) else content.encode())
    config = {"DATABASE": database, "DEV_PAGES": True, "DEV_SECRET_KEY_FILE": str(key_file)}
    message = refusal(config)
    assert f"La clé de développement {key_file} est illisible ou trop courte" in message
    assert "supprimez ce fichier" in message


@pytest.mark.parametrize("today", ["14/09/2026", "2026-02-30", "demain"])
def test_today_must_be_an_iso_date(database, today):
    message = refusal({"DATABASE": database, "SECRET_KEY": GOOD_KEY, "TODAY": today})
    assert message == (
        "Configuration invalide : TODAY doit être une date au format AAAA-MM-JJ "
        f"(reçu : {today!r})."
    )


def test_database_cannot_be_a_folder(tmp_path):
    message = refusal({"DATABASE": str(tmp_path), "SECRET_KEY": GOOD_KEY})
    assert message == (
        f"Configuration invalide : DATABASE désigne un dossier, pas un fichier : {tmp_path}"
    )


def test_database_folder_must_exist(tmp_path):
    missing = tmp_path / "absent" / "db.json"
    message = refusal({"DATABASE": str(missing), "SECRET_KEY": GOOD_KEY})
    assert message == (
        f"Configuration invalide : Le dossier de DATABASE n'existe pas : {tmp_path / 'absent'}"
    )


def test_database_folder_from_the_environment_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_DATABASE", str(tmp_path / "absent" / "db.json"))
    assert "DATABASE" in refusal({"SECRET_KEY": GOOD_KEY})


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ("vingt-cinq", "MAIL_PORT doit être un numéro de port (reçu : 'vingt-cinq')."),
        ("25a", "MAIL_PORT doit être un numéro de port (reçu : '25a')."),
        (70000, "MAIL_PORT doit être compris entre 1 et 65535 (reçu : 70000)."),
        (-1, "MAIL_PORT doit être compris entre 1 et 65535 (reçu : -1)."),
        (0, "MAIL_PORT doit être compris entre 1 et 65535 (reçu : 0)."),
    ],
)
def test_mail_port_must_be_a_port_number(database, port, expected):
    config = {"DATABASE": database, "SECRET_KEY": GOOD_KEY, "MAIL_SERVER": "127.0.0.1"}
    message = refusal({**config, "MAIL_PORT": port})
    assert message == f"Configuration invalide : {expected}"


def test_mail_port_from_the_environment_must_be_in_range(monkeypatch, database):
    monkeypatch.setenv("FLASK_MAIL_SERVER", "127.0.0.1")
    monkeypatch.setenv("FLASK_MAIL_PORT", "99999")
    assert "MAIL_PORT" in refusal({"DATABASE": database, "SECRET_KEY": GOOD_KEY})


@pytest.mark.parametrize("value", ["peut-être", "2"])
def test_dev_pages_must_be_true_or_false(monkeypatch, database, value):
    monkeypatch.setenv("FLASK_DEV_PAGES", value)
    message = refusal({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert "DEV_PAGES doit valoir true ou false" in message


@pytest.mark.parametrize(
    "uri", ["memcached://127.0.0.1:11211", "127.0.0.1:6379", "mongodb://db/limits", "redis"]
)
def test_rate_limit_storage_must_be_memory_or_redis(database, uri):
    config = {"DATABASE": database, "SECRET_KEY": GOOD_KEY, "RATELIMIT_STORAGE_URI": uri}
    assert refusal(config) == (
        "Configuration invalide : RATELIMIT_STORAGE_URI doit commencer par l'un de memory://, "
        f"redis://, rediss://, redis+unix:// (reçu : {uri!r})."
    )


def test_rate_limit_storage_from_the_environment_is_checked(monkeypatch, database):
    monkeypatch.setenv("FLASK_RATELIMIT_STORAGE_URI", "memcached://127.0.0.1:11211")
    assert "RATELIMIT_STORAGE_URI" in refusal({"DATABASE": database, "SECRET_KEY": GOOD_KEY})


@pytest.mark.parametrize("count", [-1, "-1", 1.5, "deux", True, " "])
def test_trusted_proxies_must_be_a_count(database, count):
    config = {"DATABASE": database, "SECRET_KEY": GOOD_KEY, "TRUSTED_PROXIES": count}
    assert refusal(config) == (
        "Configuration invalide : TRUSTED_PROXIES doit être le nombre de proxys devant le "
        f"service, un entier positif ou nul (reçu : {count!r})."
    )


@pytest.mark.parametrize("value", ["-1", "1.5", "true"])
def test_trusted_proxies_from_the_environment_is_checked(monkeypatch, database, value):
    monkeypatch.setenv("FLASK_TRUSTED_PROXIES", value)
    assert "TRUSTED_PROXIES" in refusal({"DATABASE": database, "SECRET_KEY": GOOD_KEY})


@pytest.mark.parametrize("count", [0, "-1", 1.5, "cinq", " "])
def test_activation_mails_must_be_a_count(database, count):
    config = {"DATABASE": database, "SECRET_KEY": GOOD_KEY, "ACTIVATION_MAILS_PER_JOURNEY": count}
    assert refusal(config) == (
        "Configuration invalide : ACTIVATION_MAILS_PER_JOURNEY doit être un nombre entier de "
        f"mails (reçu : {count!r})."
    )


def test_activation_mails_from_the_environment(monkeypatch, database):
    monkeypatch.setenv("FLASK_ACTIVATION_MAILS_PER_JOURNEY", "3")
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert app.config["ACTIVATION_MAILS_PER_JOURNEY"] == 3


@pytest.mark.parametrize(
    ("name", "value", "unit"),
    [
        ("MAIL_ATTEMPTS", 0, "essais"),
        ("MAIL_ATTEMPTS", "trois", "essais"),
        ("MAIL_RETRY_SECONDS", "1.5", "secondes"),
        ("MAIL_KEPT_DAYS", -7, "jours"),
    ],
)
def test_the_mail_queue_s_limits_are_whole_numbers(database, name, value, unit):
    config = {"DATABASE": database, "SECRET_KEY": GOOD_KEY, name: value}
    assert refusal(config) == (
        f"Configuration invalide : {name} doit être un nombre entier de {unit} (reçu : {value!r})."
    )


def test_the_mail_queue_s_limits_from_the_environment(monkeypatch, database):
    monkeypatch.setenv("FLASK_MAIL_ATTEMPTS", "3")
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert (app.config["MAIL_ATTEMPTS"], app.config["MAIL_KEPT_DAYS"]) == (3, 7)


# Starts -------------------------------------------------------------------------------------


def development_key(database, checkout: Path) -> str:
    """The key `make run` starts with, without SECRET_KEY, in this checkout."""
    key_file = checkout / "instance" / "dev-secret-key"
    app = create_app({"DATABASE": database, "DEV_PAGES": True, "DEV_SECRET_KEY_FILE": key_file})
    assert app.config["DEV_PAGES"] is True
    return app.config["SECRET_KEY"]


def test_each_checkout_makes_its_own_development_key(database, tmp_path):
    first, second = (development_key(database, tmp_path / name) for name in ("a", "b"))
    assert first != second
    for key in (first, second):
        assert len(key) == 64 and int(key, 16) >= 0


def test_a_checkout_keeps_its_development_key_from_one_start_to_the_next(database, tmp_path):
    key = development_key(database, tmp_path)
    assert development_key(database, tmp_path) == key
    key_file = tmp_path / "instance" / "dev-secret-key"
    assert key_file.read_text().strip() == key
    # Only its owner can read it: another account on the machine could forge sessions.
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_the_development_key_file_is_kept_out_of_git():
    key_file = Path(settings.DEFAULTS["DEV_SECRET_KEY_FILE"])
    assert key_file.is_relative_to(ROOT)
    ignored = subprocess.run(["git", "check-ignore", "-q", str(key_file)], cwd=ROOT)
    assert ignored.returncode == 0


def test_production_starts_with_a_real_key(database):
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["DEV_PAGES"] is False
    assert app.config["MAIL_PORT"] is None
    assert app.test_client().get("/connexion").status_code == 200


def test_tests_start_without_a_key_on_a_random_one(database):
    first = create_app({"DATABASE": database, "TESTING": True})
    second = create_app({"DATABASE": database, "TESTING": True})
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]


def test_today_sets_the_clock(database):
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY, "TODAY": "2026-09-14"})
    assert app.config["TODAY"] == date(2026, 9, 14)
    assert app.extensions["clock"].today() == date(2026, 9, 14)


def test_without_today_the_clock_is_the_real_one(database):
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert app.config["TODAY"] is None
    assert app.extensions["clock"].today() in {date.today(), *_neighbours(date.today())}


def _neighbours(day: date) -> set[date]:
    # The clock is in Paris time; the machine's may be a day apart around midnight.
    return {date.fromordinal(day.toordinal() - 1), date.fromordinal(day.toordinal() + 1)}


def test_mail_port_defaults_to_25_with_a_server(database):
    config = {"DATABASE": database, "SECRET_KEY": GOOD_KEY, "MAIL_SERVER": "127.0.0.1"}
    assert create_app(config).config["MAIL_PORT"] == 25


def test_counts_stay_in_the_process_and_proxies_are_not_trusted_by_default(database):
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert isinstance(login.limiter.storage, MemoryStorage)
    assert app.config["TRUSTED_PROXIES"] == 0
    assert not isinstance(app.wsgi_app, ProxyFix)


# The environment --------------------------------------------------------------------------


def test_environment_overrides_the_defaults(monkeypatch, tmp_path):
    database = tmp_path / "from-env.json"
    monkeypatch.setenv("FLASK_TODAY", "2027-01-05")
    monkeypatch.setenv("FLASK_DATABASE", str(database))
    monkeypatch.setenv("FLASK_DEV_PAGES", "true")
    monkeypatch.setenv("FLASK_MAIL_SERVER", "mail.example.org")
    monkeypatch.setenv("FLASK_MAIL_PORT", "2525")
    monkeypatch.setenv("FLASK_DEV_SECRET_KEY_FILE", str(tmp_path / "dev-secret-key"))
    app = create_app()
    assert app.config["DATABASE"] == str(database)
    assert app.extensions["store"].path == database
    assert app.extensions["clock"].today() == date(2027, 1, 5)
    assert app.config["DEV_PAGES"] is True
    assert app.config["SECRET_KEY"] == (tmp_path / "dev-secret-key").read_text().strip()
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"]) == ("mail.example.org", 2525)


def test_redis_storage_and_proxies_from_the_environment(monkeypatch, database):
    # Redis is not reached at start, only at the first counted request.
    monkeypatch.setenv("FLASK_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("FLASK_TRUSTED_PROXIES", "2")
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert isinstance(login.limiter.storage, RedisStorage)
    assert app.config["TRUSTED_PROXIES"] == 2
    assert isinstance(app.wsgi_app, ProxyFix)
    assert (app.wsgi_app.x_for, app.wsgi_app.x_proto) == (2, 2)
    assert (app.wsgi_app.x_host, app.wsgi_app.x_port, app.wsgi_app.x_prefix) == (2, 2, 0)


def test_environment_key_is_used(monkeypatch, database):
    monkeypatch.setenv("FLASK_SECRET_KEY", GOOD_KEY)
    assert create_app({"DATABASE": database}).config["SECRET_KEY"] == GOOD_KEY


@pytest.mark.parametrize("value", ["false", "False", "off", "0", "no"])
def test_dev_pages_off_from_the_environment(monkeypatch, database, value):
    # "False" or "off" are not JSON: Flask keeps them as strings, which must not mean true
    # (dev pages in production, on the public development key).
    monkeypatch.setenv("FLASK_DEV_PAGES", value)
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY})
    assert app.config["DEV_PAGES"] is False
    assert app.test_client().get("/dev/sms").status_code == 404


def test_dev_pages_off_from_the_environment_still_needs_a_key(monkeypatch, database):
    monkeypatch.setenv("FLASK_DEV_PAGES", "False")
    assert "SECRET_KEY" in refusal({"DATABASE": database})


def test_caller_overrides_the_environment(monkeypatch, database):
    monkeypatch.setenv("FLASK_TODAY", "2027-01-05")
    app = create_app({"DATABASE": database, "SECRET_KEY": GOOD_KEY, "TODAY": "2026-09-14"})
    assert app.extensions["clock"].today() == date(2026, 9, 14)


# Real commands ----------------------------------------------------------------------------


def production_environment(tmp_path) -> dict:
    """The current environment without any FLASK_* setting, on a temporary database."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FLASK_")}
    env["FLASK_DATABASE"] = str(tmp_path / "db.json")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_flask_command_stops_with_a_message_and_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=ROOT,
        env=production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Configuration invalide : SECRET_KEY manquante ou trop faible" in result.stderr
    assert "Traceback" not in result.stderr
    assert "/connexion" not in result.stdout


def run_gunicorn(tmp_path, *options: str) -> tuple[int | None, str]:
    """Start gunicorn on the app; return its exit code (None if it had to be stopped because it
    kept booting workers that stop) and what it wrote on stderr."""
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--bind", "127.0.0.1:0"]
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [*command, *options, "app:create_app()"],
            cwd=ROOT,
            env=production_environment(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        deadline = time.monotonic() + 20
        try:
            while server.poll() is None and time.monotonic() < deadline:
                if log.read_text().count("Booting worker") >= 3:
                    break  # a crash loop: the master respawns the worker forever
                time.sleep(0.1)
        finally:
            code = server.poll()
            if code is None:
                server.terminate()
                server.wait(timeout=10)
    return code, log.read_text()


def test_gunicorn_preloading_the_app_stops_with_a_message_and_no_traceback(tmp_path):
    code, stderr = run_gunicorn(tmp_path, "--preload")
    assert code not in (None, 0), stderr
    assert "Configuration invalide : SECRET_KEY manquante ou trop faible" in stderr
    assert "Traceback" not in stderr


def test_gunicorn_stops_with_a_message_and_no_traceback(tmp_path):
    code, stderr = run_gunicorn(tmp_path)
    assert "Configuration invalide : SECRET_KEY manquante ou trop faible" in stderr
    assert "Traceback" not in stderr
    assert code not in (None, 0), stderr


def test_uploads_go_beside_the_database_unless_set(tmp_path, database):
    app = create_app({"TESTING": True, "DATABASE": database})
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "pieces")
    elsewhere = tmp_path / "ailleurs"
    app = create_app({"TESTING": True, "DATABASE": database, "UPLOAD_FOLDER": str(elsewhere)})
    assert app.extensions["files"].folder == elsewhere
