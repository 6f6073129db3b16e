"""The service under measurement: started as `e2e.servers.start_app` starts it (same gunicorn
command, 2 workers × 4 threads, same environment, `flask db upgrade` first), but waited for
patiently.

start_app asks for /connexion every second with a one-second timeout, 30 seconds long. A big
TinyDB file takes longer than that to parse, and every anonymous /connexion writes a session
(the whole file again), so those repeated tries pile up writes behind the file lock until the
service refuses them: at 100,000 families it never came up. Here one try waits for its answer.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from e2e.servers import ROOT, Server, app_environment, free_port, migrate

READY_PATH = "/connexion"
START_TIMEOUT = 300.0


def start_service(folder: Path, **settings: str) -> tuple[Server, float]:
    """The running service and how long its first answer took (seconds since its start)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    gunicorn = ["gunicorn", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    options = ["--workers", "2", "--threads", "4", "--access-logfile", "-"]
    command = [sys.executable, "-m", *gunicorn, *options, "app:create_app()"]
    env = app_environment(folder, **settings)
    migrate(env)
    log = folder / "app.log"
    started = time.monotonic()
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_answer(url + READY_PATH, process, log)
    except BaseException:
        Server(url, env, process).stop()
        raise
    return Server(url=url, env=env, process=process), time.monotonic() - started


def wait_for_answer(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the service stopped while starting, see {log}")
        try:
            urllib.request.urlopen(url, timeout=max(deadline - time.monotonic(), 1))
            return
        except urllib.error.HTTPError:
            return  # an answer, whatever it says: the service is up
        except ConnectionError:
            time.sleep(0.1)  # not listening yet
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionError):
                raise
            time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer after {START_TIMEOUT:.0f} s, see {log}")
