"""fastapi-users behind gunicorn with uvicorn workers, one per core (FastAPI's deployment docs)."""
import multiprocessing
import os

bind = f"127.0.0.1:{os.environ['PORT']}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "uvicorn_worker.UvicornWorker"
keepalive = 5
control_socket_disable = True
