"""The same layout as the service: a worker per core, 16 threads each (gthread)."""
import multiprocessing
import os

bind = f"127.0.0.1:{os.environ['PORT']}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 16)
keepalive = 5
control_socket_disable = True
