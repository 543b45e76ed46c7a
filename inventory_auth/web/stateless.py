"""No cookie sessions: callers authenticate with bearer tokens on every request.

Flask opens a signed-cookie session for every request by default (building an itsdangerous
serializer each time), though nothing in this service reads or writes `flask.session`. Here every
request gets Flask's null session instead: reading it gives nothing, writing to it is an error, and
no `Set-Cookie` is ever sent.
"""

from flask import Flask
from flask.sessions import SessionInterface


class NoCookieSessions(SessionInterface):
    def open_session(self, app, request):
        return None  # Flask then uses make_null_session()

    def save_session(self, app, session, response):
        return None


def init_app(app: Flask) -> None:
    app.session_interface = NoCookieSessions()
