"""Loading the running service: `wrk` for pages (GET), a small threaded driver for the forms
that need a session, a CSRF token and a step before them (POST).

Both give a `Measurement`: latency percentiles, requests per second and what went wrong.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# Each line of the table lasts BENCH_SECONDS (10 by default): the whole bench in ~20 minutes.
SECONDS = int(os.environ.get("BENCH_SECONDS") or 10)
# A line is measured in BENCH_ROUNDS rounds (3 by default) sharing its time, and gives the
# median of their percentiles: on a 2-core machine one round's p99 is often a single moment
# when another process had the cores, which the median of three leaves out.
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS") or 3))
WRK_THREADS, WRK_CONNECTIONS, WRK_SECONDS = 2, 8, max(1, round(SECONDS / ROUNDS))
DRIVER_THREADS, DRIVER_SECONDS, DRIVER_REQUESTS = 4, SECONDS / ROUNDS, 400 // ROUNDS


class WrkMissing(RuntimeError):
    pass


@dataclass
class Measurement:
    name: str
    tool: str  # "wrk" or "driver"
    p50_ms: float | None
    p99_ms: float | None
    per_second: float | None
    requests: int
    # What was not the expected answer: {"303": 4, "socket timeout": 2…}; empty when all right.
    failures: dict[str, int] = field(default_factory=dict)
    note: str = ""
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load before and after

    @property
    def ok(self) -> bool:
        return self.requests > 0 and not self.failures


def load_average() -> float:
    return os.getloadavg()[0]


def median_of(rounds: list[Measurement]) -> Measurement:
    """One line from its rounds: the median of their percentiles and rates, their requests and
    failures added up; the spread of their p99s in the note."""
    first, last = rounds[0], rounds[-1]
    if len(rounds) == 1:
        return first
    p99s = sorted(measured.p99_ms for measured in rounds if measured.p99_ms is not None)
    spread = f"p99 of {len(rounds)} rounds: {_range(p99s)} ms" if p99s else ""
    failures: Counter[str] = Counter()
    for measured in rounds:
        failures.update(measured.failures)
    return Measurement(
        name=first.name,
        tool=first.tool,
        p50_ms=_median(measured.p50_ms for measured in rounds),
        p99_ms=_median(measured.p99_ms for measured in rounds),
        per_second=_median(measured.per_second for measured in rounds),
        requests=sum(measured.requests for measured in rounds),
        failures=dict(failures),
        note="; ".join(part for part in (first.note, spread) if part),
        load=(first.load[0], last.load[1]),
    )


def _median(values) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def _range(values: list[float]) -> str:
    return " / ".join(f"{value:.0f}" if value >= 10 else f"{value:.1f}" for value in values)


# wrk ------------------------------------------------------------------------------------------


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkMissing("wrk is not installed: apt-get install wrk")
    return found


def run_wrk(
    name: str,
    url: str,
    cookie: str | None = None,
    seconds: int = WRK_SECONDS,
    note: str = "",
) -> Measurement:
    """`wrk -t2 -c8 -d10s --latency` on one URL, parsed. Its default 2-second timeout would drop
    slow answers from the latencies: they are waited for (30 s) and counted."""
    command = [wrk_path(), f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s"]
    command += ["--latency", "--timeout", "30s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    before = load_average()
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    measured = parse_wrk(name, output)
    if measured.requests == 0:
        # Every answer took longer than the run: no latency to give.
        measured.failures["no answer within the run"] = 1
    measured.note = note
    measured.load = (before, load_average())
    return measured


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(name: str, output: str) -> Measurement:
    percentiles = {
        int(share): _milliseconds(value)
        for share, value in re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)\s*$", output, re.MULTILINE)
    }
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    failures = {}
    wrong = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if wrong:
        failures["non-2xx/3xx"] = int(wrong.group(1))
    errors = re.search(r"Socket errors: (.*)", output)
    if errors:
        for kind, count in re.findall(r"(\w+) (\d+)", errors.group(1)):
            if int(count):
                failures[f"socket {kind}"] = int(count)
    return Measurement(
        name=name,
        tool="wrk",
        p50_ms=percentiles.get(50),
        p99_ms=percentiles.get(99),
        per_second=float(rate.group(1)) if rate else None,
        requests=int(total.group(1)) if total else 0,
        failures=failures,
    )


# The threaded driver ----------------------------------------------------------------------------


class Unexpected(Exception):
    """An answer other than the one a step expects, counted under `kind`."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


@dataclass
class Timed:
    seconds: float
    status: int


def timed(send: Callable[[], tuple[int, str]]) -> Timed:
    started = time.perf_counter()
    status, _ = send()
    return Timed(time.perf_counter() - started, status)


@dataclass
class Job:
    """One kind of request the driver sends: `setup(thread)` makes a thread's worker (a signed-in
    client…), untimed; `one(worker, index)` prepares the request numbered `index` (untimed) and
    returns the timing of the request measured."""

    name: str
    setup: Callable[[int], object]
    one: Callable[[object, int], Timed]
    expected: tuple[int, ...] = (303,)
    note: str = ""


def run_driver(
    job: Job,
    threads: int = DRIVER_THREADS,
    seconds: float = DRIVER_SECONDS,
    requests: int = DRIVER_REQUESTS,
) -> Measurement:
    """`threads` clients at once, each one request after the other, until `requests` were sent
    or `seconds` passed. The clock starts once every thread is set up (signed in…). Requests per
    second count the measured requests over the time the threads ran (the untimed preparation
    included, as the note of each job says)."""
    numbers = itertools.count()
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)
    go = threading.Event()
    clock = {"deadline": 0.0}

    def count(error: Exception, prefix: str = "") -> None:
        kind = error.kind if isinstance(error, Unexpected) else f"{type(error).__name__} {error}"
        with lock:
            failures[f"{prefix}{kind}"[:120]] += 1

    def loop(thread: int) -> None:
        worker, set_up = None, False
        try:
            worker, set_up = job.setup(thread), True
        except Exception as error:  # a bench counts what went wrong and goes on
            count(error, "setup: ")
        ready.wait()
        go.wait()
        while set_up and time.monotonic() < clock["deadline"]:
            index = next(numbers)
            if index >= requests:
                return
            try:
                result = job.one(worker, index)
            except Exception as error:  # as in setup
                count(error)
                continue
            with lock:
                latencies.append(result.seconds)
                if result.status not in job.expected:
                    failures[str(result.status)] += 1

    workers = [threading.Thread(target=loop, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    before = load_average()
    started = time.monotonic()
    clock["deadline"] = started + seconds
    go.set()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    if not latencies:
        failures["no request measured"] += 1
    return Measurement(
        name=job.name,
        tool="driver",
        p50_ms=_percentile(latencies, 50),
        p99_ms=_percentile(latencies, 99),
        per_second=len(latencies) / elapsed if latencies else None,
        requests=len(latencies),
        failures=dict(failures),
        note=job.note,
        load=(before, load_average()),
    )


def _percentile(seconds: list[float], share: int) -> float | None:
    if not seconds:
        return None
    if len(seconds) == 1:
        return seconds[0] * 1000
    # The "inclusive" method: p99 of 50 values is near the worst, not beyond it.
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[share - 1] * 1000
