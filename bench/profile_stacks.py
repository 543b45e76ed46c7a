"""Summaries of py-spy's collapsed stacks (`py-spy record --format raw`).

A line is `frame;frame;...;frame count`, outermost frame first, each frame
`function (path:line)` (the line part may be absent). The summaries: samples by package of the
innermost frame (where the CPU was), the functions with most samples on top of the stack (self),
and the service's and libraries' functions by inclusive samples (anywhere on the stack).
"""

from __future__ import annotations

import re
import sys
from collections import Counter

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")

# Paths are reduced to a package name: the directory after site-packages, or a known top level.
_PACKAGE_HINTS = (
    ("inventory_auth/", "inventory_auth"),
    ("bench/", "bench"),
    ("/lib/python3", "stdlib"),
    ("<frozen", "stdlib"),
)


def parse_collapsed(text: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        frames, _, count = line.rpartition(" ")
        if not count.isdigit():
            raise ValueError(f"not a collapsed stack line: {line[:120]!r}")
        # py-spy writes a sample with no Python frame (a thread between frames) as " 1".
        stacks.append((frames.split(";") if frames.strip() else [NO_FRAME], int(count)))
    return stacks


def frame_parts(frame: str) -> tuple[str, str]:
    """(function, path) of one frame; frames without a path keep an empty path."""
    match = _FRAME.match(frame)
    if not match:
        return frame, ""
    return match.group("function"), match.group("path")


NO_FRAME = "(no Python frame)"


def package_of(path: str) -> str:
    """The top-level package of a frame's file; py-spy shortens paths to `pkg/module.py`."""
    if not path:
        return "?"
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif path.startswith("/"):
        for hint, name in _PACKAGE_HINTS:
            if hint in path:
                return name
        return path
    top = path.split("/", 1)[0].removesuffix(".py")
    if top in sys.stdlib_module_names or top.startswith("<frozen"):
        return "stdlib"
    return top


def short_frame(frame: str) -> str:
    function, path = frame_parts(frame)
    if not path:
        return function
    tail = path.split("site-packages/", 1)[-1]
    if "/lib/python3" in tail:
        tail = tail.split("/lib/python3", 1)[1].split("/", 1)[-1]
    return f"{function} ({tail})"


def summarize(text: str, top: int = 15) -> dict:
    stacks = parse_collapsed(text)
    total = sum(count for _, count in stacks)
    by_package = Counter()
    self_time = Counter()
    inclusive = Counter()
    for frames, count in stacks:
        by_package[package_of(frame_parts(frames[-1])[1])] += count
        self_time[short_frame(frames[-1])] += count
        for frame in {short_frame(f) for f in frames}:
            inclusive[frame] += count

    def share(counter, n):
        return [(name, count, count / total if total else 0.0) for name, count in counter.most_common(n)]

    return {
        "samples": total,
        "by_package": share(by_package, top),
        "self": share(self_time, top),
        "inclusive": share(inclusive, top * 2),
    }


# Frames that mark the parts of a request, for `groups`: (label, text the frame holds).
GROUPS = (
    ("user load: ORM Session.get (incl. pool checkout, pre-ping, query)", "Session.get ("),
    ("pool checkout (incl. pre-ping)", "Pool.connect ("),
    ("pre-ping SELECT 1", ".do_ping ("),
    ("BEGIN + statements (DefaultDialect.do_execute)", "DefaultDialect.do_execute ("),
    ("ROLLBACK", ".do_rollback ("),
    ("COMMIT", ".do_commit ("),
    ("session teardown (scoped_session.remove)", "scoped_session.remove ("),
    ("token decode (flask_jwt_extended decode_token)", "decode_token ("),
    (
        "response: flask-smorest wrapper (incl. marshmallow)",
        "ResponseMixin.response.<locals>.decorator.<locals>.wrapper (",
    ),
    ("marshmallow Schema.dump", "Schema.dump ("),
    ("request body parsing (webargs)", "Parser.use_args.<locals>.decorator.<locals>.wrapper ("),
    ("password hash (werkzeug _hash_internal)", "_hash_internal ("),
    ("Flask request context", "RequestContext."),
    ("gunicorn HTTP parsing", "Parser.__next__ ("),
    ("gunicorn access log", "Logger.access ("),
)


def groups(text: str) -> list[tuple[str, float]]:
    """Share of samples whose stack holds each group's frame (a sample may count in several)."""
    stacks = parse_collapsed(text)
    total = sum(count for _, count in stacks) or 1
    shares = []
    for label, start in GROUPS:
        hits = sum(count for frames, count in stacks if any(start in frame for frame in frames))
        shares.append((label, hits / total))
    return shares


def main(argv=None) -> None:
    """`python -m bench.profile_stacks FILE...`: the summary of py-spy raw files, merged."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("files", nargs="+")
    options = parser.parse_args(argv)
    text = "\n".join(Path(name).read_text() for name in options.files)
    summary = summarize(text)
    print(f"{summary['samples']} samples")
    print("\nparts of the request (inclusive):")
    for label, share in groups(text):
        print(f"  {share:6.1%}  {label}")
    for key in ("by_package", "self"):
        print(f"\n{key}:")
        for name, _, share in summary[key]:
            print(f"  {share:6.1%}  {name}")


if __name__ == "__main__":
    main()
