"""How gunicorn runs the application: its worker class and the threads requests run on.

`serve.py` (the command) and `gunicorn.conf.py` (the settings) start the server; this package is
what runs inside each worker process.
"""
