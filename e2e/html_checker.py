"""The W3C Nu HTML checker (npm's `vnu-jar`, on the machine's Java) as a local web service: each
page the e2e tests scan with axe is also checked as HTML, and any error fails the step. One
checker per test worker, started once: a page is then checked in a few milliseconds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from e2e.servers import stop_process

ROOT = Path(__file__).resolve().parent.parent
JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


class HtmlChecker:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}/?out=json"
        command = [
            "java",
            "-Xss16m",  # its schemas recurse deeply; the default stack overflows
            "-Dnu.validator.servlet.bind-address=127.0.0.1",
            "-cp",
            str(JAR),
            "nu.validator.servlet.Main",
            str(port),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("le vérificateur HTML (vnu) s'est arrêté au démarrage")
            try:
                self.errors("<!DOCTYPE html><html lang=fr><title>x</title></html>")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"le vérificateur HTML (vnu) ne répond pas après {timeout} s")

    def errors(self, html: str) -> list[str]:
        """The checker's errors on this document (its warnings are advice, not failures)."""
        request = urllib.request.Request(
            self.url,
            data=html.encode("utf-8"),
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            messages = json.load(answer)["messages"]
        return [
            f"ligne {one.get('lastLine', '?')} : {one['message']}"
            for one in messages
            if one["type"] == "error" or one.get("subType") == "fatal"
        ]

    def stop(self) -> None:
        stop_process(self.process)


def available() -> str | None:
    """Why the checker cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "Java manque (paquet default-jre-headless)"
    if not JAR.exists():
        return f"{JAR} manque : lancez `make setup`"
    return None


def required() -> bool:
    """In CI a missing checker is a failure, on a developer's machine a skipped check."""
    return bool(os.environ.get("CI"))
