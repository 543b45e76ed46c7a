"""gunicorn settings for inventory_auth (`gunicorn -c gunicorn.conf.py wsgi:app`).

Every value can be overridden from the environment, as hosting platforms expect. They are read,
with every other setting of the service, by inventory_auth/config.py: a bad value of any of them
stops the server with one line naming it, before it binds the port (the master reads the
configuration the way the application will: same environment, `.env` and instance folder).
"""

import socket
import sys

from flask import Flask

from inventory_auth.config import ConfigurationError, load_settings

try:
    settings = load_settings(Flask("inventory_auth", instance_relative_config=True).instance_path)
except ConfigurationError as error:
    sys.exit(f"inventory_auth: {error}")


# Where to listen: the platform's $PORT, else APP_PORT (the previous backend's setting), else 8001;
# on the loopback address unless BIND_HOST says otherwise. Clients must come through a buffering
# proxy (docs/operations.md, "Behind a buffering proxy"), so by default nothing else on the network
# can reach gunicorn; a container, whose proxy is another container, sets BIND_HOST=0.0.0.0
# (Dockerfile), as does a platform that routes to $PORT (Procfile).
bind = f"{settings.BIND_HOST}:{settings.PORT}"

# Worker processes: WEB_CONCURRENCY (the platform convention), else one per core. GET /me is
# Python work under the GIL, so it needs a process per core; more processes than cores measured no
# better (docs/benchmarks.md, "Worker layout").
workers = settings.WEB_CONCURRENCY

# Threads per worker: 64, of which 16 run a request at once (inventory_auth/server/).
# A request that waits for a password hash waits in its thread (gthread has no other place to park
# it): a class of 40 logging in at once from one address is 40 threads queued for the hashing
# slots (security/hash_bulkhead.py), and the queue is bounded so that 8 of each worker's threads are
# always left for readiness, GET /me and refresh. With 16 threads the queue held 8 logins per worker
# and the rest of a class got 503 (docs/reliability.md, "A classroom at once"). A queued login holds
# no database connection, and while it waits or hashes it does not count as running.
# Running is a separate, smaller number because requests running at once only contend (for the GIL
# and for the pool's connections): under a flood of GET /me on 256 connections, 64 threads running
# cost each request more worker CPU than 16 (docs/benchmarks.md, "Running threads"). The rest
# wait in the worker's queue, where waiting costs nothing. 16 running is also DATABASE_POOL_SIZE: a
# running request never waits for a connection. GUNICORN_RUNNING_THREADS sets it. Login is PBKDF2,
# which releases the GIL, so the hashes share the cores fairly with the requests running.
from inventory_auth.server.worker import ThreadWorker  # noqa: E402

worker_class = ThreadWorker.running_at_most(settings.GUNICORN_RUNNING_THREADS)
threads = settings.GUNICORN_THREADS

# One listening socket per worker (SO_REUSEPORT), so the kernel spreads new connections over the
# workers by address hash, instead of whichever worker wakes first taking them. A worker serves
# only the connections it accepted, so a skewed spread is a longer queue for some clients: with
# one shared socket the 256 connections of a login benchmark fell 226 / 30 and 238 / 18 on the two
# workers (p99 1.7-1.9x the queue time); with a socket per worker 129 / 127 (p99 1.02x).
# But a worker that exits (restart, crash) closes its own socket, and the kernel resets the
# connections still waiting in it, unless net.ipv4.tcp_migrate_req=1 (Linux 5.14+) hands them to
# another worker: a rolling restart under load reset 8 requests without it, none with it. So by
# default (GUNICORN_REUSE_PORT=auto) a socket per worker only where that setting is on; `true` or
# `false` decide it outright (docs/operations.md).
def _kernel_migrates_queued_connections() -> bool:
    try:
        with open("/proc/sys/net/ipv4/tcp_migrate_req") as setting:
            return setting.read().strip() == "1"
    except OSError:
        return False


reuse_port = settings.GUNICORN_REUSE_PORT
if reuse_port == "auto":
    reuse_port = _kernel_migrates_queued_connections()

# A worker stuck longer than this is killed and replaced by the master.
timeout = settings.GUNICORN_TIMEOUT
graceful_timeout = settings.GUNICORN_GRACEFUL_TIMEOUT
keepalive = 5

# Logs. The application writes one JSON line per request on stdout (request id, method, path,
# status, duration, user id, client address; see docs/operations.md), so gunicorn's own access log
# is off by default: it would repeat every request in a second, unstructured format. Set
# GUNICORN_ACCESS_LOG=- to have both (for instance while debugging the server itself).
# gunicorn's error log (start-up, worker restarts, timeouts) goes to stderr.
accesslog = settings.GUNICORN_ACCESS_LOG
errorlog = "-"
loglevel = settings.LOG_LEVEL.lower()

# gunicorn adds `Server: gunicorn` to every response, without a version number, and has no setting
# to drop it; the application itself sends no Server header. A reverse proxy in front may remove
# gunicorn's (nginx: `proxy_hide_header Server;`).
proc_name = "inventory_auth"

# gunicorn's control socket (for `gunicornc`) is off unless GUNICORN_CONTROL_SOCKET names a path.
# gunicorn's default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl), so two instances on one host take it from each other: starting the
# second unlinks the first's socket, and stopping either deletes it. A path derived from the port
# would still collide (two instances may share a port with SO_REUSEPORT during a switch-over), and
# nothing in this service's operation needs the socket: deploys, reloads and scaling go through
# signals and the platform (docs/operations.md). Set a distinct path per instance to use it. (The
# command line's --control-socket PATH alone does not turn it back on; this file disables it.)
control_socket_disable = settings.GUNICORN_CONTROL_SOCKET is None
if settings.GUNICORN_CONTROL_SOCKET is not None:
    control_socket = settings.GUNICORN_CONTROL_SOCKET


# A misconfigured service stopped the whole server above, with one line and a non-zero exit,
# before any worker forks. Without that, each worker would print the reason and exit, and the
# master would boot another one, forever (wsgi.py is the second line of defence: a worker that
# fails on its configuration exits with gunicorn's boot-error code, which stops the master). An
# address another process holds stops it too, at once: gunicorn itself would retry for 5 s and
# print an error line per attempt. The master then
# tries the database once (inventory_auth/web/health/startup.py): settings that can never work stop
# the server the same way; a database that is down or not migrated yet is one warning, and
# readiness stays down until it is fixed. A missing MAIL_SERVER is said here, once for the server,
# rather than by every worker.
def on_starting(server):
    _refuse_a_taken_address(server)
    from inventory_auth.web.health.startup import check_database

    finding = check_database(settings)
    if finding is not None and finding.fatal:
        _stop(server, finding.line)
    if finding is not None:
        server.log.warning("inventory_auth: %s", finding.line)
    if settings.APP_ENV == "production" and not settings.MAIL_SERVER:
        server.log.warning(
            "inventory_auth: MAIL_SERVER is not set: password reset requests send no message (each "
            "is logged as not sent); `flask users reset-link` prints a link to pass on by hand"
        )


def _stop(server, reason: str):
    if server.pidfile is not None:
        server.pidfile.unlink()
    sys.exit(f"inventory_auth: {reason}")


def _refuse_a_taken_address(server):
    """Bind each TCP address once, as gunicorn will (same socket options), and stop with one line
    if another process holds it. Skipped when gunicorn inherits its sockets (a USR2 re-exec,
    systemd socket activation): they are bound already."""
    from gunicorn import systemd

    if server.master_pid or systemd.listen_fds(unset_environment=False):
        return
    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue  # a unix socket path: gunicorn replaces a stale one itself
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if server.cfg.reuse_port:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                probe.bind(address[:2])
            except OSError as error:
                _stop(server, f"cannot listen on {address[0]}:{address[1]}: {error.strerror} "
                              "(another server holds it? set PORT or APP_PORT, or BIND_HOST)")
