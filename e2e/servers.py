"""The service as a real server on a free port, with its own temporary database, exactly as it
runs in production (gunicorn, several processes), for the end-to-end tests and measurements."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} s'est arrêté au démarrage :\n{log.read_text()}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} ne répond pas après {timeout} s :\n{log.read_text()}")


@dataclass
class Server:
    url: str
    env: dict
    process: subprocess.Popen

    def flask(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a `flask --app app …` command against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            check=True,
        )

    def stop(self) -> None:
        stop_process(self.process)


def stop_process(process: subprocess.Popen) -> None:
    """Ask it to end, and end it if it has not within 10 seconds."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def app_environment(folder: Path, **settings: str) -> dict:
    env = {
        **os.environ,
        "FLASK_DATABASE": str(folder / "db.json"),
        "FLASK_UPLOAD_FOLDER": str(folder / "pieces"),
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_DEV_PAGES": "true",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_TODAY": "2026-09-14",
    }
    env.update({f"FLASK_{name}": value for name, value in settings.items()})
    return env


def migrate(env: dict) -> None:
    """The database's tables and indexes, before any server uses it."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
    )


def start(command: list[str], env: dict, log: Path, url: str, ready_path: str) -> Server:
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    server = Server(url=url, env=env, process=process)
    try:
        wait_until_up(url + ready_path, process, log)
    except BaseException:
        server.stop()  # a server that never answered is not left running behind the tests
        raise
    return server


def start_app(folder: Path, port: int | None = None, **settings: str) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    gunicorn = ["gunicorn", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    options = ["--workers", "2", "--threads", "4", "--access-logfile", "-"]
    command = [sys.executable, "-m", *gunicorn, *options, "app:create_app()"]
    env = app_environment(folder, **settings)
    migrate(env)
    return start(command, env, folder / "app.log", f"http://127.0.0.1:{port}", "/connexion")


def start_franceconnect_sandbox(folder: Path, port: int, app_url: str) -> Server:
    """The FranceConnect sandbox on its own origin, its test switches on (misbehave on demand)."""
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "sandboxes.franceconnect", "--port", str(port)]
    command += ["--app-url", app_url]
    env = {**os.environ, "SANDBOX_TESTING_SWITCHES": "true", "SANDBOX_SLOW_SECONDS": "8"}
    url = f"http://127.0.0.1:{port}"
    ready = "/api/v2/.well-known/openid-configuration"
    return start(command, env, folder / "sandbox.log", url, ready)


def start_app_and_sandbox(folder: Path, **settings: str) -> tuple[Server, Server]:
    """Both servers on two free ports: each must know the other's address before it starts."""
    app_port, sandbox_port = free_port(), free_port()
    sandbox = start_franceconnect_sandbox(folder, sandbox_port, f"http://127.0.0.1:{app_port}")
    app = start_app(folder, app_port, FRANCECONNECT_ISSUER=f"{sandbox.url}/api/v2", **settings)
    return app, sandbox
