"""What /proc says about the gunicorn processes: workers, memory, CPU time. Linux only."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def parse_status(text: str) -> dict:
    """VmRSS and VmHWM (peak resident set) of a /proc/<pid>/status text, in KiB."""
    values = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            number, _, unit = rest.strip().partition(" ")
            if unit.strip() != "kB":
                raise ValueError(f"unexpected unit in {line!r}")
            values[name] = int(number)
    missing = {"VmRSS", "VmHWM"} - values.keys()
    if missing:
        raise ValueError(f"/proc status without {', '.join(sorted(missing))}")
    return values


def parse_stat(text: str) -> dict:
    """ppid and CPU time (utime + stime, clock ticks) from a /proc/<pid>/stat line.

    The command name (field 2) is in parentheses and may hold spaces, so fields are counted
    from the last ')'.
    """
    rest = text[text.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
    return {"state": rest[0], "ppid": int(rest[1]), "cpu_ticks": int(rest[11]) + int(rest[12])}


def memory(pid: int) -> dict:
    return parse_status((PROC / str(pid) / "status").read_text())


def stat(pid: int) -> dict:
    return parse_stat((PROC / str(pid) / "stat").read_text())


def children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if stat(int(entry.name))["ppid"] == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
    return sorted(found)


def cpu_seconds(pids) -> float:
    ticks = 0
    for pid in pids:
        try:
            ticks += stat(pid)["cpu_ticks"]
        except FileNotFoundError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def context_switches(pids) -> int:
    """Voluntary context switches of every thread of `pids`: each is a thread put to sleep (for
    the GIL, a lock, the network) and woken again."""
    total = 0
    for pid in pids:
        try:
            tasks = list((PROC / str(pid) / "task").iterdir())
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                text = (task / "status").read_text()
            except FileNotFoundError:
                continue  # a thread that ended meanwhile
            for line in text.splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
    return total


def parse_net_tcp(text: str, port: int) -> set[int]:
    """Inodes of the ESTABLISHED sockets whose local port is `port`, from /proc/net/tcp(6)."""
    inodes = set()
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10:
            continue
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == "01":
            inodes.add(int(fields[9]))
    return inodes


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    try:
        entries = list((PROC / str(pid) / "fd").iterdir())
    except FileNotFoundError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def connections_per_worker(workers, port: int) -> dict[int, int]:
    """How many client connections on `port` each worker holds right now."""
    established = set()
    for name in ("tcp", "tcp6"):
        try:
            established |= parse_net_tcp((PROC / "net" / name).read_text(), port)
        except FileNotFoundError:
            continue
    return {pid: len(socket_inodes(pid) & established) for pid in workers}
