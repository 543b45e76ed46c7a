"""What the run was measured on, and where the machine's CPU time went during a run."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from . import procfs

REPO = Path(__file__).resolve().parent.parent


def _first(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _run(cmd: list[str]) -> str:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    except OSError:
        return "unknown"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "unknown"


def describe(postgres_version: str) -> dict:
    mem_kib = _first("/proc/meminfo", "MemTotal")
    packages = (
        "Flask",
        "flask-smorest",
        "Flask-SQLAlchemy",
        "SQLAlchemy",
        "flask-jwt-extended",
        "psycopg2-binary",
        "gunicorn",
        "Werkzeug",
        "marshmallow",
    )
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cores": os.cpu_count(),
        "cpu_model": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "memory": f"{int(mem_kib.split()[0]) / 1024 / 1024:.1f} GiB" if mem_kib else "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "postgresql": postgres_version,
        "wrk": _run(["wrk", "--version"]).split(" [")[0],
        "commit": _run(["git", "rev-parse", "--short", "HEAD"]),
        "dirty": bool(
            _run(["git", "status", "--porcelain", "--untracked-files=no"]).strip() not in ("", "unknown")
        ),
    }


def parse_proc_stat(text: str) -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat's first line."""
    fields = text.splitlines()[0].split()
    if fields[0] != "cpu":
        raise ValueError("not a /proc/stat text")
    values = [int(v) for v in fields[1:9]]  # user nice system idle iowait irq softirq steal
    idle = values[3] + values[4]
    total = sum(values)
    return float(total - idle), float(total)


def postgres_backends(database: str) -> list[int]:
    """PostgreSQL backend processes serving `database` (their title names it)."""
    found = []
    for entry in procfs.PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            found.append(int(entry.name))
    return found


class CpuWindow:
    """CPU seconds spent during a window by the workers, our PostgreSQL backends, and the machine."""

    def __init__(self, worker_pids, database: str | None):
        self.worker_pids = list(worker_pids)
        self.database = database
        self.ticks = os.sysconf("SC_CLK_TCK")

    def _sample(self):
        busy, total = parse_proc_stat(Path("/proc/stat").read_text())
        backends = postgres_backends(self.database) if self.database else []
        return {
            "busy": busy / self.ticks,
            "total": total / self.ticks,
            "workers": procfs.cpu_seconds(self.worker_pids),
            "postgres": {pid: procfs.cpu_seconds([pid]) for pid in backends},
        }

    def __enter__(self):
        self.before = self._sample()
        return self

    def __exit__(self, *exc):
        self.after = self._sample()

    def result(self, wrk_cpu_s: float, wall_s: float) -> dict:
        a, b = self.before, self.after
        busy = b["busy"] - a["busy"]
        workers = b["workers"] - a["workers"]
        # Backends that appeared during the window started at zero CPU time.
        postgres = sum(max(0.0, spent - a["postgres"].get(pid, 0.0)) for pid, spent in b["postgres"].items())
        capacity = (os.cpu_count() or 1) * wall_s
        other = max(0.0, busy - workers - postgres - wrk_cpu_s)
        return {
            "capacity_s": capacity,
            "busy_s": busy,
            "workers_s": workers,
            "postgres_s": postgres,
            "wrk_s": wrk_cpu_s,
            "other_s": other,
        }
