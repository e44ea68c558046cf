"""Driving wrk: one run against one server, read back from the JSON line load.lua prints."""

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("load.lua")
RESULT_PREFIX = "BENCH_RESULT "
WRK_MISSING = "bench: wrk is not installed; install it with: apt-get install -y wrk (as root)"


@dataclass(frozen=True, slots=True)
class Load:
    """What to send: a load.lua mode and what it needs."""

    mode: str
    path: str = "/"
    products: int = 1
    hot_product: int = 1
    tokens: tuple[str, ...] = ()

    def environment(self) -> dict[str, str]:
        return {
            "BENCH_MODE": self.mode,
            "BENCH_PATH": self.path,
            "BENCH_PRODUCTS": str(self.products),
            "BENCH_HOT_PRODUCT": str(self.hot_product),
            "BENCH_TOKENS": ",".join(self.tokens),
        }


@dataclass(frozen=True, slots=True)
class Pressure:
    """How hard and how long: wrk's connections, threads, duration and request timeout."""

    connections: int
    threads: int
    seconds: float
    timeout_seconds: int = 10


@dataclass(frozen=True, slots=True)
class WrkResult:
    """One wrk run. Latencies in milliseconds; errors as wrk counts them."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str | None:
    return shutil.which("wrk")


def _command(wrk: str, url: str, pressure: Pressure) -> list[str]:
    return [
        wrk,
        f"--connections={pressure.connections}",
        f"--threads={pressure.threads}",
        f"--duration={max(1, round(pressure.seconds))}s",
        f"--timeout={pressure.timeout_seconds}s",
        f"--script={LUA_SCRIPT}",
        "--latency",
        url,
    ]


def parse(output: str) -> WrkResult:
    """The BENCH_RESULT line of wrk's output."""
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            raw = json.loads(line.removeprefix(RESULT_PREFIX))
            break
    else:
        raise RuntimeError(f"wrk printed no {RESULT_PREFIX.strip()} line:\n{output}")
    socket_errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors"))
    return WrkResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        status_errors=raw["status_errors"],
        socket_errors=socket_errors + raw["timeouts"],
    )


def run_wrk(
    base_url: str, load: Load, pressure: Pressure, log: Path, request_limit: int = 0
) -> WrkResult:
    """Run wrk once; with `request_limit`, each thread stops sending after its share of it.

    wrk itself still runs for the whole duration.
    """
    wrk = wrk_path()
    if wrk is None:
        raise RuntimeError(WRK_MISSING)
    per_thread = -(-request_limit // pressure.threads) if request_limit else 0
    environment = os.environ | load.environment() | {"BENCH_REQUEST_LIMIT": str(per_thread)}
    completed = subprocess.run(  # noqa: S603 - wrk, found on PATH, with our own arguments
        _command(wrk, base_url, pressure),
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=pressure.seconds + 60,
    )
    with log.open("a") as file:
        file.write(f"$ {load.mode} {base_url}{load.path}\n{completed.stdout}{completed.stderr}\n")
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse(completed.stdout)
