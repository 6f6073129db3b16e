"""`make bench` / `python -m bench`: seed, start, load and measure, for each backend and size.

    BENCH_SIZES=1000,10000 python -m bench          fewer sizes (default 1000 to 1,000,000)
    BENCH_BACKENDS=postgresql python -m bench       one backend (default tinydb,postgresql)
    BENCH_KEEP=1 python -m bench                    keep the databases and files afterwards
    BENCH_SECONDS=3 python -m bench                 shorter lines (default 10 s each)
    BENCH_ROUNDS=1 python -m bench                  one round a line (default 3, the median kept)

TinyDB is measured up to 100,000 families (a file for one school is never larger), PostgreSQL
up to 1,000,000. Each run's server folder (its gunicorn log) is left in bench/runs/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import drive, scenarios
from bench.families import BENCH_UAI, Family, password_hash
from bench.report import Run, terminal_table, write_results
from bench.seed import (
    ADMIN_URL,
    Seeded,
    drop_database,
    postgresql_version,
    seed_postgresql,
    seed_tinydb,
)
from bench.server import start_service
from e2e.servers import ROOT, free_port, start

RUNS = ROOT / "bench" / "runs"
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
TINYDB_LARGEST = 100_000
SETTINGS = {
    "DEV_PAGES": "true",
    "TODAY": "2026-09-14",
    # Far above what the bench sends: the per-IP limit must not answer in its place.
    "LOGIN_RATE_LIMIT": "100000 per minute",
}


def sizes() -> list[int]:
    text = os.environ.get("BENCH_SIZES", "")
    if not text.strip():
        return list(DEFAULT_SIZES)
    return sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})


def backends() -> list[str]:
    text = os.environ.get("BENCH_BACKENDS", "tinydb,postgresql")
    return [part.strip() for part in text.split(",") if part.strip()]


# The floor ------------------------------------------------------------------------------------


def measure_hello() -> Run:
    """The bare Flask app on the same gunicorn settings, by both tools."""
    folder = RUNS / "hello"
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--no-control-socket", "--workers", "2", "--threads", "4", "bench.hello:app"]
    server = start(command, dict(os.environ), folder / "hello.log", f"http://127.0.0.1:{port}", "/")
    run = Run("reference", 0)
    try:
        run.measurements.append(drive.run_wrk("« hello » (bare Flask)", server.url + "/"))
        run.measurements.append(drive.run_driver(scenarios.hello_job(server.url)))
    finally:
        server.stop()
    return run


# One backend at one size ------------------------------------------------------------------------


def seed(backend: str, size: int, folder: Path, hashed: str) -> Seeded:
    if backend == "tinydb":
        return seed_tinydb(folder / "db.json", size, hashed)
    return seed_postgresql(size, hashed)


def clean_up(backend: str, seeded: Seeded) -> None:
    if os.environ.get("BENCH_KEEP"):
        return
    if backend == "tinydb":
        Path(seeded.database).unlink(missing_ok=True)
    else:
        drop_database(seeded.database)


def measure_size(backend: str, size: int, hashed: str) -> Run:
    folder = RUNS / f"{backend}-{size}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    run = Run(backend, size)
    print(f"\n== {backend}, {size:,} families: seeding…", flush=True)
    seeded = seed(backend, size, folder, hashed)
    run.seed_seconds, run.stored_bytes = seeded.seconds, seeded.bytes
    print(f"   seeded in {seeded.seconds:.0f} s ({seeded.bytes / 1e6:,.0f} MB)", flush=True)
    settings = dict(SETTINGS)
    if backend == "postgresql":
        settings["DATABASE"] = seeded.database
    run.log = str(folder / "app.log")
    try:
        server, run.startup_seconds = start_service(folder, **settings)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as error:
        run.problems.append(f"the service did not start: {_first_line(error)}")
        run.problems += log_exceptions(run.log)
        clean_up(backend, seeded)
        return run
    print(f"   first answer {run.startup_seconds:.1f} s after start", flush=True)
    try:
        measure_service(run, server.url, size)
    finally:
        server.stop()
        run.problems += error_answers(run.log) + log_exceptions(run.log)
        clean_up(backend, seeded)
    return run


def measure_service(run: Run, url: str, size: int) -> None:
    """Pages first (wrk), then the forms (driver), whose writes would make a TinyDB worker
    read its file again during the page measurements."""
    clients = sign_in(run, url)
    for page in scenarios.PAGES:
        client = clients.get(page.signed_in) if page.signed_in else scenarios.Client(url)
        if client is None:
            continue
        measure(run, page.name, lambda client=client, page=page: page_by_wrk(url, client, page))
    measure(run, "static file (CSS)", lambda: static_by_wrk(url))
    jobs = [
        scenarios.request_step_job(url),
        scenarios.registration_job(url, size, drive.DRIVER_REQUESTS),
        scenarios.sign_in_job(url, size, drive.DRIVER_REQUESTS),
    ]
    for job in jobs:
        measure(run, job.name, lambda job=job: drive.run_driver(job))


def sign_in(run: Run, url: str) -> dict[str, scenarios.Client]:
    """A signed-in parent of the bench school and its direction, whose cookies wrk sends."""
    clients = {}
    for who, connect in (
        ("parent", lambda: scenarios.signed_in_parent(url, Family(0))),
        ("staff", lambda: scenarios.signed_in_staff(url)),
    ):
        try:
            clients[who] = connect()
        except (drive.Unexpected, AssertionError, OSError) as error:
            run.problems.append(f"{who} could not sign in ({error}): its pages were not measured")
    return clients


def page_by_wrk(url: str, client: scenarios.Client, page: scenarios.Page) -> drive.Measurement:
    scenarios.check_page(client, page)
    cookie = scenarios.cookie_header(client) if page.signed_in else None
    drive.run_wrk(page.name, url + page.path, cookie, seconds=1)  # warm-up: caches, parsing
    measured = drive.run_wrk(page.name, url + page.path, cookie)
    scenarios.check_page(client, page)  # still signed in, still the same page
    return measured


def static_by_wrk(url: str) -> drive.Measurement:
    client = scenarios.Client(url)
    path = scenarios.smallest_stylesheet(client, client.get("/connexion")[1])
    drive.run_wrk("static file (CSS)", url + path, seconds=1)
    return drive.run_wrk("static file (CSS)", url + path, note=path.rsplit("/", 1)[-1])


def measure(run: Run, name: str, how: Callable[[], drive.Measurement]) -> None:
    """One line of the table, from its rounds; a measurement that could not be made is a line
    too, failed."""
    try:
        measured = drive.median_of([how() for _ in range(drive.ROUNDS)])
    except (drive.Unexpected, AssertionError, OSError, subprocess.SubprocessError) as error:
        measured = drive.Measurement(name, "—", None, None, None, 0, {_first_line(error): 1})
    run.measurements.append(measured)
    if measured.failures:
        run.problems.append(f"{name}: {measured.failures}")
    print(
        f"   {name:<44} p50 {measured.p50_ms or 0:8.1f} ms   p99 {measured.p99_ms or 0:8.1f} ms"
        f"   {measured.per_second or 0:8.1f} req/s" + ("" if measured.ok else "   FAILED"),
        flush=True,
    )


def _first_line(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__


ACCESS_LINE = re.compile(r'"(GET|POST) ([^ ?"]+)[^"]*" (\d{3}) ')


def error_answers(log: str) -> list[str]:
    """The service's answers of 400 and above, from its access log, by request and status."""
    if not log or not Path(log).exists():
        return []
    found: dict[str, int] = {}
    for method, path, status in ACCESS_LINE.findall(Path(log).read_text(errors="replace")):
        if int(status) >= 400:
            key = f"{method} {path} → {status}"
            found[key] = found.get(key, 0) + 1
    return [f"answered `{key}` × {count}" for key, count in sorted(found.items())]


def log_exceptions(log: str) -> list[str]:
    """The exceptions the service logged (the last line of each traceback), counted."""
    if not log or not Path(log).exists():
        return []
    lines = Path(log).read_text(errors="replace").splitlines()
    found: dict[str, int] = {}
    for index, line in enumerate(lines):
        if not line.startswith("Traceback"):
            continue
        for after in lines[index + 1 :]:
            if after and not after.startswith((" ", "\t")):
                key = re.sub(r"\s+", " ", after)[:240]
                found[key] = found.get(key, 0) + 1
                break
    return [f"logged `{text}` × {count} ({log})" for text, count in found.items()]


# All of it ------------------------------------------------------------------------------------


def plan(wanted_sizes: list[int], wanted_backends: list[str], pg_version: str | None):
    for backend in wanted_backends:
        if backend == "postgresql" and pg_version is None:
            print(f"PostgreSQL does not answer at {ADMIN_URL}: its runs are skipped.")
            continue
        for size in wanted_sizes:
            if backend == "tinydb" and size > TINYDB_LARGEST:
                continue
            yield backend, size


def main() -> int:
    try:
        drive.wrk_path()
    except drive.WrkMissing as error:
        print(error, file=sys.stderr)
        return 1
    started = time.monotonic()
    pg_version = postgresql_version()
    shutil.rmtree(RUNS, ignore_errors=True)
    hashed = password_hash()
    print("== « hello », the floor", flush=True)
    runs = [measure_hello()]
    hello = {measured.tool: measured for measured in runs[0].measurements}
    for backend, size in plan(sizes(), backends(), pg_version):
        runs.append(measure_size(backend, size, hashed))
    print("\n" + terminal_table(runs, hello))
    write_results(runs, hello, pg_version)
    minutes = (time.monotonic() - started) / 60
    print(f"\nWritten to bench/results.md in {minutes:.1f} minutes (bench school {BENCH_UAI}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
