"""Running wrk with the Lua scripts of bench/lua/ and turning its output into numbers."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
JSON_MARKER = "BENCH_JSON "


class WrkOutputError(ValueError):
    """wrk's output does not hold the summary line the scripts print."""


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    latency_ms: dict  # "p50", "p75", "p90", "p99", "p99.9", "mean", "max"
    statuses: dict  # status code (int) -> responses
    socket_errors: dict  # connect, read, write, timeout
    starved: int = 0
    harvested: int = 0
    text_rps: float | None = None  # wrk's own "Requests/sec" line, kept as a cross-check
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def ok(self) -> int:
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    @property
    def non_2xx(self) -> dict:
        return {status: count for status, count in sorted(self.statuses.items()) if not 200 <= status < 300}

    @property
    def error_count(self) -> int:
        return sum(self.non_2xx.values()) + sum(self.socket_errors.values())

    def to_dict(self) -> dict:
        return {
            "requests": self.requests,
            "duration_s": self.duration_s,
            "rps": self.rps,
            "latency_ms": self.latency_ms,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "non_2xx": {str(k): v for k, v in self.non_2xx.items()},
            "socket_errors": self.socket_errors,
            "errors": self.error_count,
            "starved": self.starved,
            "harvested": self.harvested,
            "text_rps": self.text_rps,
        }


_TEXT_RPS = re.compile(r"^Requests/sec:\s+([0-9.]+)\s*$", re.MULTILINE)


def parse_wrk_output(text: str) -> WrkResult:
    """The numbers of one wrk run, from the `BENCH_JSON` line that bench/lua/common.lua prints."""
    line = next((ln for ln in text.splitlines() if ln.startswith(JSON_MARKER)), None)
    if line is None:
        raise WrkOutputError("no BENCH_JSON line in wrk's output:\n" + text[-2000:])
    data = json.loads(line[len(JSON_MARKER) :])
    micros = data["latency_us"]
    latency_ms = {}
    for key, value in micros["percentiles"].items():
        name = "p" + (key[:-2] if key.endswith(".0") else key)
        latency_ms[name] = None if value is None else value / 1000.0
    for key in ("mean", "max"):
        latency_ms[key] = None if micros[key] is None else micros[key] / 1000.0
    errors = data["errors"]
    match = _TEXT_RPS.search(text)
    result = WrkResult(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        latency_ms=latency_ms,
        statuses={int(k): int(v) for k, v in data["statuses"].items()},
        socket_errors={k: int(errors[k]) for k in ("connect", "read", "write", "timeout")},
        starved=int(data.get("starved", 0)),
        harvested=int(data.get("harvested", 0)),
        text_rps=float(match.group(1)) if match else None,
        raw=data,
    )
    answered = sum(result.statuses.values())
    if answered != result.requests:
        # wrk counts a request when its response is complete, as the Lua response() does.
        raise WrkOutputError(
            f"status counts ({answered}) disagree with wrk's request count ({result.requests})"
        )
    return result


def script_for(scenario_script: str, work_dir: Path) -> Path:
    """common.lua followed by the scenario's script, as one file wrk can load."""
    text = (LUA_DIR / "common.lua").read_text() + "\n" + (LUA_DIR / scenario_script).read_text()
    path = work_dir / f"wrk-{scenario_script}"
    path.write_text(text)
    return path


def command(
    url: str, script: Path, *, connections: int, threads: int, duration_s: float, timeout_s: float, args: dict
) -> list[str]:
    threads = max(1, min(threads, connections))
    cmd = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration_s))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        f"--script={script}",
        url,
        "--",
        f"threads={threads}",
    ]
    cmd += [f"{key}={value}" for key, value in args.items()]
    return cmd


def run(cmd: list[str]) -> tuple[WrkResult, str]:
    completed = subprocess.run(cmd, capture_output=True, text=True, check=False)
    output = completed.stdout + completed.stderr
    if completed.returncode != 0:
        raise WrkOutputError(f"wrk exited with {completed.returncode}:\n{output[-2000:]}")
    return parse_wrk_output(completed.stdout), output
