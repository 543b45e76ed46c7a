"""Running behind reverse proxies: trust exactly `TRUSTED_PROXIES` hops of `X-Forwarded-*`.

With 0 (the default) the forwarded headers are ignored: a client could write anything there.
With N, Werkzeug's ProxyFix takes the client address, scheme and host from the N-th entry counted
from the right, i.e. the values the N proxies in front of the service wrote themselves.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ..config import settings


def init_app(app: Flask) -> None:
    hops = settings(app).TRUSTED_PROXIES
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
