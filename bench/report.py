"""What the benchmark found: rounds summed up, the printed table, the JSON file and the chart."""

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadgen import WrkResult
from matplotlib.figure import Figure

P99_TARGET = 2.5
"""The service's p99 may be at most this many times the yardstick's."""
PAGING_TARGET = 1.5
"""A deep page may cost at most this many times the first page."""
LEAK_TARGET_PERCENT = 10.0
"""RSS per worker may grow at most this much between the two leak-check samples."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One wrk round against one server, and its workers' RSS right after it."""

    wrk: WrkResult
    rss_mib: list[float]


@dataclass(slots=True)
class Series:
    """The rounds of one server on one load; figures are medians over the rounds."""

    name: str
    samples: list[Sample] = field(default_factory=list)

    def _median(self, attribute: str) -> float:
        return statistics.median(getattr(s.wrk, attribute) for s in self.samples)

    @property
    def requests_per_second(self) -> float:
        return statistics.median(s.wrk.requests_per_second for s in self.samples)

    @property
    def p50_ms(self) -> float:
        return self._median("p50_ms")

    @property
    def p99_ms(self) -> float:
        return self._median("p99_ms")

    @property
    def rss_mib(self) -> float:
        """The largest worker's RSS after the last round."""
        return max(self.samples[-1].rss_mib, default=0.0)

    @property
    def errors(self) -> int:
        """Responses with a status of 400 or more, socket errors and timeouts, all rounds."""
        return sum(s.wrk.status_errors + s.wrk.socket_errors for s in self.samples)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_per_second": round(self.requests_per_second, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "rss_per_worker_mib": round(self.rss_mib, 1),
            "errors": self.errors,
            "rounds": [
                {
                    "requests": s.wrk.requests,
                    "seconds": round(s.wrk.seconds, 2),
                    "requests_per_second": round(s.wrk.requests_per_second, 1),
                    "p50_ms": s.wrk.p50_ms,
                    "p90_ms": s.wrk.p90_ms,
                    "p99_ms": s.wrk.p99_ms,
                    "max_ms": s.wrk.max_ms,
                    "status_errors": s.wrk.status_errors,
                    "socket_errors": s.wrk.socket_errors,
                    "rss_per_worker_mib": [round(r, 1) for r in s.rss_mib],
                }
                for s in self.samples
            ],
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """The service and the yardstick on one endpoint, at one worker count."""

    workers: int
    endpoint: str
    service: Series
    yardstick: Series
    ratio_target: float | None

    @property
    def ratio(self) -> float:
        """The service's requests/s as a fraction of the yardstick's."""
        return self.service.requests_per_second / self.yardstick.requests_per_second

    @property
    def p99_ratio(self) -> float:
        return self.service.p99_ms / self.yardstick.p99_ms

    @property
    def misses(self) -> list[str]:
        """The targets the service misses here."""
        missed = []
        if self.ratio_target is not None and self.ratio < self.ratio_target:
            missed.append(f"req/s < {self.ratio_target:.2f}x")
        if self.p99_ratio > P99_TARGET:
            missed.append(f"p99 > {P99_TARGET:g}x")
        return missed

    def as_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "endpoint": self.endpoint,
            "ratio": round(self.ratio, 3),
            "ratio_target": self.ratio_target,
            "p99_ratio": round(self.p99_ratio, 3),
            "p99_ratio_target": P99_TARGET,
            "misses": self.misses,
            "service": self.service.as_dict(),
            "yardstick": self.yardstick.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Paging:
    """First page against a page among the last ones, for one sort order and one server."""

    server: str
    sort: str
    first: Series
    deep: Series

    @property
    def cost_ratio(self) -> float:
        """How many times a deep page costs the first one, in requests/s."""
        return self.first.requests_per_second / self.deep.requests_per_second

    @property
    def p50_ratio(self) -> float:
        return self.deep.p50_ms / self.first.p50_ms

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "sort": self.sort,
            "cost_ratio": round(self.cost_ratio, 3),
            "p50_ratio": round(self.p50_ratio, 3),
            "target": PAGING_TARGET,
            "first_page": self.first.as_dict(),
            "deep_page": self.deep.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Leak:
    """RSS per worker of a fresh service after two numbers of requests."""

    workers: int
    requests: tuple[int, int]
    rss_mib: tuple[list[float], list[float]]

    @property
    def growth_percent(self) -> float:
        """The largest growth of any worker between the two samples."""
        before, after = self.rss_mib
        return max(100 * (a - b) / b for b, a in zip(before, after, strict=True))

    def as_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "endpoint": "GET /products/{id}",
            "requests": list(self.requests),
            "rss_per_worker_mib": [[round(r, 1) for r in sample] for sample in self.rss_mib],
            "growth_percent": round(self.growth_percent, 2),
            "target_percent": LEAK_TARGET_PERCENT,
        }


@dataclass(frozen=True, slots=True)
class Setup:
    """A scaled set-up against its baseline on one endpoint, in the same run (bench/scaling.py)."""

    name: str
    endpoint: str
    baseline: Series
    scaled: Series

    @property
    def ratio(self) -> float:
        """The scaled set-up's requests/s as a multiple of the baseline's."""
        return self.scaled.requests_per_second / self.baseline.requests_per_second

    def as_dict(self) -> dict[str, Any]:
        return {
            "setup": self.name,
            "endpoint": self.endpoint,
            "ratio": round(self.ratio, 3),
            "baseline": {"name": self.baseline.name, **self.baseline.as_dict()},
            "scaled": {"name": self.scaled.name, **self.scaled.as_dict()},
        }


@dataclass(slots=True)
class Report:
    """Everything one benchmark run measured, and how it was run."""

    settings: dict[str, Any]
    comparisons: list[Comparison] = field(default_factory=list)
    paging: list[Paging] = field(default_factory=list)
    leak: Leak | None = None
    setups: list[Setup] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "seconds": round(self.seconds, 1),
            "comparisons": [c.as_dict() for c in self.comparisons],
            "flat_paging": [p.as_dict() for p in self.paging],
            "leak": self.leak.as_dict() if self.leak else None,
            "setups": [s.as_dict() for s in self.setups],
        }


_HEADER = (
    f"{'workers':>7}  {'endpoint':<30} {'server':<9} {'req/s':>8} {'p50 ms':>8} "
    f"{'p99 ms':>8} {'ratio':>6} {'p99 x':>6} {'RSS MiB':>8} {'errors':>6}  targets"
)


def _row(workers: str, endpoint: str, series: Series, tail: str) -> str:
    return (
        f"{workers:>7}  {endpoint:<30} {series.name:<9} {series.requests_per_second:>8,.0f} "
        f"{series.p50_ms:>8.1f} {series.p99_ms:>8.1f} {tail}"
    )


def _comparison_rows(comparison: Comparison) -> list[str]:
    verdict = ", ".join(comparison.misses) or "met"
    service_tail = (
        f"{comparison.ratio:>6.2f} {comparison.p99_ratio:>6.2f} "
        f"{comparison.service.rss_mib:>8.1f} {comparison.service.errors:>6}  {verdict}"
    )
    yardstick_tail = (
        f"{'':>6} {'':>6} {comparison.yardstick.rss_mib:>8.1f} {comparison.yardstick.errors:>6}"
    )
    return [
        _row(str(comparison.workers), comparison.endpoint, comparison.service, service_tail),
        _row("", "", comparison.yardstick, yardstick_tail),
    ]


def table(report: Report) -> str:
    """The results as the benchmark prints them."""
    settings = report.settings
    lines = [
        f"machine: {settings.get('cpu', '?')}, {settings.get('cores', '?')} cores; "
        f"revision {settings.get('revision', '?')}",
        _HEADER,
        "-" * len(_HEADER),
    ]
    for comparison in report.comparisons:
        lines.extend(_comparison_rows(comparison))
    lines.append(
        f"ratio: service req/s / yardstick req/s (targets: {_ratio_targets(report)}); "
        f"p99 x: service p99 / yardstick p99 (target <= {P99_TARGET:g}); RSS: largest worker "
        "after the last round; errors: status >= 400, socket errors and timeouts over all rounds."
    )
    lines.extend(["", *paging_lines(report.paging), *leak_lines(report.leak)])
    lines.extend(setup_lines(report.setups))
    lines.append(f"total time: {report.seconds / 60:.1f} min")
    return "\n".join(lines)


def _ratio_targets(report: Report) -> str:
    """Each endpoint's ratio target, as the run's endpoints carry them."""
    targets = {c.endpoint: c.ratio_target for c in report.comparisons if c.ratio_target}
    return ", ".join(f"{endpoint} >= {target:.2f}" for endpoint, target in targets.items())


def paging_lines(paging: list[Paging]) -> list[str]:
    if not paging:
        return []
    lines = [f"flat paging (a deep page may cost at most {PAGING_TARGET:g}x the first):"]
    for p in paging:
        verdict = "met" if p.cost_ratio <= PAGING_TARGET else "MISSED"
        lines.append(
            f"  {p.server:<9} sort={p.sort:<6} first {p.first.requests_per_second:>7,.0f} req/s "
            f"p50 {p.first.p50_ms:.1f} ms | deep {p.deep.requests_per_second:>7,.0f} req/s "
            f"p50 {p.deep.p50_ms:.1f} ms | cost {p.cost_ratio:.2f}x, p50 {p.p50_ratio:.2f}x "
            f"[{verdict}]"
        )
    return [*lines, ""]


def leak_lines(leak: Leak | None) -> list[str]:
    if leak is None:
        return []
    (first, last), (before, after) = leak.requests, leak.rss_mib
    verdict = "met" if leak.growth_percent <= LEAK_TARGET_PERCENT else "MISSED"
    return [
        f"leak check (service, {leak.workers} worker(s), GET /products/{{id}}): RSS per worker "
        f"{', '.join(f'{r:.1f}' for r in before)} MiB after {first:,} requests, "
        f"{', '.join(f'{r:.1f}' for r in after)} MiB after {last:,}: "
        f"growth {leak.growth_percent:+.1f}% (target <= {LEAK_TARGET_PERCENT:g}%) [{verdict}]",
        "",
    ]


def setup_lines(setups: list[Setup]) -> list[str]:
    if not setups:
        return []
    lines = ["scaled set-ups (each against its baseline, same run):"]
    for s in setups:
        lines.append(
            f"  {s.name:<28} {s.endpoint:<24} {s.baseline.name} "
            f"{s.baseline.requests_per_second:>7,.0f} req/s p99 {s.baseline.p99_ms:.1f} ms | "
            f"{s.scaled.name} {s.scaled.requests_per_second:>7,.0f} req/s "
            f"p99 {s.scaled.p99_ms:.1f} ms | x{s.ratio:.2f}, errors "
            f"{s.baseline.errors + s.scaled.errors}"
        )
    return [*lines, ""]


def chart(report: Report, path: Path) -> None:
    """Requests/s and p99 of both servers per endpoint, one row of plots per worker count."""
    worker_counts = sorted({c.workers for c in report.comparisons})
    rows = len(worker_counts) + (1 if report.setups else 0)
    figure = Figure(figsize=(14, 4.5 * rows), layout="constrained")
    axes = figure.subplots(rows, 2, squeeze=False)
    for row, workers in zip(axes, worker_counts, strict=False):
        comparisons = [c for c in report.comparisons if c.workers == workers]
        _bars(row[0], comparisons, "requests_per_second", f"requests/s, {workers} worker(s)")
        _bars(row[1], comparisons, "p99_ms", f"p99 latency (ms), {workers} worker(s)")
    if report.setups:
        _setup_bars(axes[-1][0], report.setups, "requests_per_second", "requests/s, scaled set-ups")
        _setup_bars(axes[-1][1], report.setups, "p99_ms", "p99 latency (ms), scaled set-ups")
    figure.suptitle("shop service vs raw Starlette + asyncpg yardstick")
    figure.savefig(path, dpi=100)


def _bars(axes: Any, comparisons: list[Comparison], attribute: str, title: str) -> None:
    positions = range(len(comparisons))
    width = 0.4
    for offset, server in ((-width / 2, "service"), (width / 2, "yardstick")):
        values = [getattr(getattr(c, server), attribute) for c in comparisons]
        bars = axes.bar([p + offset for p in positions], values, width, label=server)
        axes.bar_label(bars, fmt="%.0f" if attribute == "requests_per_second" else "%.1f")
    axes.set_xticks(list(positions), [c.endpoint for c in comparisons], rotation=15, fontsize=8)
    axes.set_title(title)
    axes.legend()


def save(report: Report, directory: Path, stamp: str) -> list[Path]:
    """`<stamp>.json` and `<stamp>.png` under `directory`, copied to `latest.json`, `latest.png`."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report.as_dict(), indent=2)
    paths = []
    for name in (stamp, "latest"):
        (directory / f"{name}.json").write_text(text)
        chart(report, directory / f"{name}.png")
        paths.extend([directory / f"{name}.json", directory / f"{name}.png"])
    return paths


def _setup_bars(axes: Any, setups: list[Setup], attribute: str, title: str) -> None:
    positions = range(len(setups))
    width = 0.4
    for offset, side in ((-width / 2, "baseline"), (width / 2, "scaled")):
        values = [getattr(getattr(s, side), attribute) for s in setups]
        bars = axes.bar([p + offset for p in positions], values, width, label=side)
        axes.bar_label(bars, fmt="%.0f" if attribute == "requests_per_second" else "%.1f")
    labels = [f"{s.name}\n{s.endpoint}" for s in setups]
    axes.set_xticks(list(positions), labels, rotation=15, fontsize=7)
    axes.set_title(title)
    axes.legend()
