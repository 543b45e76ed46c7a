"""Flask-Limiter checks only the requests that have a limit.

The library registers a `before_request` hook that runs on every request, to apply default,
application, meta and blueprint limits. This service sets none of those: each limit is a
`@limiter.limit` / `shared_limit` on its route, and that decorator checks it itself. On every
other route (GET /me, introspection, every token check) the hook only resolved the endpoint, found
nothing and cost about a tenth of the request's CPU (docs/benchmarks.md). So the hook is removed
while no limit needs it; the moment one does (a default, application, meta or blueprint limit),
it stays, as the library registered it.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter

from ..config import settings


def configured_limit(name: str):
    """A route's limit as the setting `name` gives it, read when the limit is checked."""
    return lambda: getattr(settings(), name)


def needs_request_hook(limiter: Limiter) -> bool:
    """Whether some limit applies to routes without a limit decorator of their own."""
    manager = limiter.limit_manager
    return bool(
        manager.default_limits
        or manager.application_limits
        or getattr(manager, "_blueprint_limits", True)
        or getattr(limiter, "_meta_limits", True)
    )


def init_app(app: Flask, limiter: Limiter) -> None:
    """Call after every blueprint is registered (a blueprint limit is known by then)."""
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks and not needs_request_hook(limiter):
        hooks.remove(limiter._check_request_limit)
