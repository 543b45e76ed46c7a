"""Slow clients hold gunicorn's threads; nginx in front (deploy/nginx) absorbs them.

    .venv/bin/python -m fault.slow_clients [--connections 32] [--probes 10] [--workers 1] [--threads 4]

The service under gunicorn (1 worker × 4 threads by default, SQLite in a temporary folder) on a free port of
127.0.0.1, and a local nginx (Debian's `nginx` package) running the template the compose file
ships, deploy/nginx/inventory_auth.conf.template, with the upstream and the listening port
filled in. The attack: `--connections` connections that each send the headers of a login with a
`Content-Length` and then no body, and stay open. With them open, `--probes` GET /api/health
(2 s timeout each), first straight at gunicorn, then through nginx.

Checks:
- the attack is real: straight at gunicorn, probes get no answer within 2 s (all of them on the
  default 1 × 4 layout);
- through nginx, every probe answers 200, p99 under 500 ms, while the same attack runs;
- nginx closes the stalled connections after its client_body_timeout (10 s, + 3 s slack);
- gunicorn serves again once the attackers go away.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from .harness import ROOT, Service, call, free_port, log, ms, percentile, run_scenario, wait_for

TEMPLATE = ROOT / "deploy" / "nginx" / "inventory_auth.conf.template"
PROBE_TIMEOUT = 2.0
BODY_TIMEOUT = 10  # client_body_timeout in the template


def render_site(upstream: str, listen: str) -> str:
    """The template with its two placeholders filled in, as the nginx image's envsubst does."""
    text = TEMPLATE.read_text()
    return text.replace("${INVENTORY_AUTH_UPSTREAM}", upstream).replace("${NGINX_LISTEN}", listen)


def nginx_binary() -> str | None:
    """Debian puts nginx in /usr/sbin, which a non-root PATH may lack."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


class LocalNginx:
    """nginx on a free port of 127.0.0.1 serving the shipped site config in front of `upstream`,
    everything (pid, logs, temporary files) in a folder of its own."""

    def __init__(self, upstream: str):
        self.binary = nginx_binary()
        if self.binary is None:
            raise RuntimeError("nginx is not installed (Debian: apt-get install -y nginx)")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="inventory_auth_nginx_"))
        os.chmod(self.dir, 0o755)  # nginx's workers (user nobody when started as root) use it
        (self.dir / "site.conf").write_text(render_site(upstream, f"127.0.0.1:{self.port}"))
        temp = "\n".join(f"    {name}_temp_path {self.dir / name};"
                         for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.dir / "nginx.conf").write_text(f"""\
daemon off;
worker_processes 1;
pid {self.dir / 'nginx.pid'};
error_log {self.dir / 'error.log'} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    include {self.dir / 'site.conf'};
}}
""")
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        return [self.binary, "-e", str(self.dir / "error.log"), "-p", str(self.dir),
                "-c", str(self.dir / "nginx.conf"), *extra]

    def start(self) -> None:
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: call(self.port, "GET", "/api/health", timeout=2).status == 200, 20,
                 what="nginx answering /api/health")

    def error_log(self) -> str:
        path = self.dir / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


SLOW_BODY_REQUEST = (
    b"POST /api/auth/login HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 1024\r\n"
    b"\r\n"
)


class SlowClients:
    """`count` connections to `port`, each having sent a login's headers, `Content-Length: 1024`
    and no body. They stay open until closed here, or by the server."""

    def __init__(self, port: int, count: int):
        self.sockets: list[socket.socket] = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(SLOW_BODY_REQUEST)
            self.sockets.append(sock)

    def closed_by_server(self) -> int:
        """How many the server has closed (end of stream, a reset, or an answer such as 408)."""
        closed = 0
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                if sock.recv(4096, socket.MSG_PEEK) is not None:
                    closed += 1  # b"" (closed) or an answer: either way the server let go
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
            finally:
                sock.setblocking(True)
        return closed

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self.sockets = []

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()


def probe_health(port: int, count: int, timeout: float = PROBE_TIMEOUT) -> list[tuple[int | None, float]]:
    """`count` GET /api/health one after the other: (status or None, seconds) each."""
    results = []
    for _ in range(count):
        answer = call(port, "GET", "/api/health", timeout=timeout)
        results.append((answer.status, answer.seconds))
    return results


def describe(results: list[tuple[int | None, float]]) -> str:
    answered = [seconds for status, seconds in results if status == 200]
    line = f"{len(answered)}/{len(results)} answered 200"
    if answered:
        line += (f", median {ms(statistics.median(answered))}, p99 {ms(percentile(answered, 0.99))},"
                 f" max {ms(max(answered))}")
    return line


def sqlite_service(directory: Path, *, workers: int = 1, threads: int = 4) -> Service:
    return Service(f"sqlite:///{directory / 'slow_clients.sqlite3'}", workers=workers, threads=threads)


def health_answers(port: int) -> bool:
    return call(port, "GET", "/api/health", timeout=2).status == 200


def straight_at_gunicorn(report, service: Service, connections: int, probes: int) -> None:
    log(f"{connections} slow clients straight at gunicorn")
    with SlowClients(service.port, connections):
        time.sleep(0.5)  # let gunicorn hand the connections to its threads
        direct = probe_health(service.port, probes)
    report.figure("attack, straight at gunicorn", describe(direct))
    unanswered = sum(1 for status, _ in direct if status is None)
    report.check("straight at gunicorn the attack blocks /api/health", unanswered > 0,
                 f"{unanswered}/{len(direct)} probes without an answer within {PROBE_TIMEOUT:.0f} s")
    recovered = wait_for(lambda: health_answers(service.port), 30, what="gunicorn answering again")
    report.check("gunicorn serves again once the slow clients leave", True, f"after {recovered:.1f} s")


def through_nginx(report, nginx: LocalNginx, connections: int, probes: int) -> None:
    log(f"{connections} slow clients through nginx")
    with SlowClients(nginx.port, connections) as clients:
        stalled = time.monotonic()
        time.sleep(0.5)
        proxied = probe_health(nginx.port, probes)
        report.figure("attack, through nginx", describe(proxied))
        answered = [seconds for status, seconds in proxied if status == 200]
        report.check("through nginx every probe answers 200 during the attack",
                     len(answered) == len(proxied), describe(proxied))
        report.check("through nginx p99 under 500 ms during the attack",
                     bool(answered) and percentile(answered, 0.99) < 0.5,
                     f"p99 {ms(percentile(answered, 0.99))}" if answered else "no answers")
        name = "nginx closes the stalled clients after client_body_timeout"
        try:
            wait_for(lambda: clients.closed_by_server() == connections, BODY_TIMEOUT + 3, interval=0.25,
                     what="nginx closing the slow clients")
            after = time.monotonic() - stalled
            report.check(name, True, f"all {connections} closed {after:.1f} s after they stalled")
        except TimeoutError:
            report.check(name, False, f"{clients.closed_by_server()}/{connections} closed after "
                                      f"{time.monotonic() - stalled:.1f} s")


def main(report) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if not 1 <= args.connections <= 512 or not 1 <= args.probes <= 100:
        parser.error("--connections 1-512, --probes 1-100")
    if not 1 <= args.workers <= 4 or not 1 <= args.threads <= 64:
        parser.error("--workers 1-4, --threads 1-64")

    folder = Path(tempfile.mkdtemp(prefix="inventory_auth_slow_"))
    try:
        with sqlite_service(folder, workers=args.workers, threads=args.threads) as service:
            service.migrate()
            service.start()
            with LocalNginx(f"127.0.0.1:{service.port}") as nginx:
                nginx.start()
                layout = f"gunicorn {args.workers} worker(s) x {args.threads} threads (SQLite)"
                report.figure("layout", f"{layout}, nginx 1 worker in front")
                report.figure("attack", f"{args.connections} connections sending a login's headers, "
                                        "Content-Length: 1024, and no body")
                for name, port in (("straight at gunicorn", service.port), ("through nginx", nginx.port)):
                    report.figure(f"no attack, {name}", describe(probe_health(port, args.probes)))
                straight_at_gunicorn(report, service, args.connections, args.probes)
                through_nginx(report, nginx, args.connections, args.probes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    run_scenario("slow_clients", main)
