"""The edge's one before-request and one after-request hook, calling each concern in its order.

Flask pays for every hook it calls (a coroutine check and a call each), and each concern looked
the request and `g` up through Flask's context proxies on its own. Here they are looked up once
and handed on:

- before: the request id and start time (`request_log`), then the audit trail's origin
  (`audit_origin`);
- after: the security headers (`headers`), then the request id header and the access line
  (`request_log`), so the line records the response as it leaves.

Both are registered first: the before hook runs before any other (a rate limit's, say), and, Flask
running after-request hooks in reverse order, the after hook runs last (after CORS's).
"""

from __future__ import annotations

from flask import Flask, g, request

from . import audit_origin, headers, request_log


def before_request() -> None:
    current, context = request._get_current_object(), g._get_current_object()
    request_log.start_request(current, context)
    audit_origin.start_request(current, context)


def after_request(response):
    current, context = request._get_current_object(), g._get_current_object()
    response = headers.set_security_headers(response, current)
    return request_log.finish_request(response, current, context)


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, before_request)
    app.after_request_funcs.setdefault(None, []).insert(0, after_request)
