"""gunicorn settings for inventory_auth (`gunicorn -c gunicorn.conf.py wsgi:app`).

Every value can be overridden from the environment, as hosting platforms expect.
"""

import multiprocessing
import os

# Where to listen: the platform's $PORT, else the seed's APP_PORT, else 8001.
_port = os.environ.get("PORT") or os.environ.get("APP_PORT") or 8001
bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{_port}"  # noqa: S104 (a container's service)

# Worker processes: WEB_CONCURRENCY (the platform convention), else one per core.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())

# Threads per worker. Login spends its time in PBKDF2, which releases the GIL, and /me waits on
# the database: threads let one worker overlap both without a process per request.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)

# A worker stuck longer than this is killed and replaced by the master.
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 30)
keepalive = 5

# Access log on stdout, errors on stderr: the platform collects both.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Never announce the server software and version.
proc_name = "inventory_auth"
