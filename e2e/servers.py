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

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run a `flask --app app …` command against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def app_environment(folder: Path, **settings: str) -> dict:
    env = {
        **os.environ,
        "FLASK_DATABASE": str(folder / "db.json"),
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "FLASK_DEV_PAGES": "true",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_TODAY": "2026-09-14",
    }
    env.update({f"FLASK_{name}": value for name, value in settings.items()})
    return env


def start_app(folder: Path, **settings: str) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = app_environment(folder, **settings)
    log = folder / "app.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "--access-logfile",
        "-",
        "app:create_app()",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url + "/connexion", process, log)
    return Server(url=url, env=env, process=process)
