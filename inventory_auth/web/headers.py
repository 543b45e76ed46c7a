"""Response headers every answer carries, whatever produced it (views, errors, CORS preflights).

- `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`.
- `Cache-Control: no-store` on every API answer: tokens, profiles and errors must never be kept by
  a browser or an intermediate cache. Only the documentation's static files, and the public keys
  (GET /api/auth/jwks.json, for JWKS_MAX_AGE_SECONDS: `web/verification/views.py`), may be cached.
- `Content-Security-Policy`: nothing may load or frame a JSON answer; the documentation page gets
  the narrow policy Swagger UI needs; the pages a mail links to (`inventory_auth/web/pages`) load
  their own stylesheet only, post forms only to this service, and run no script.
- The pages' stylesheet is the one answer of theirs a browser may keep (and must revalidate:
  Flask's `no-cache` with an ETag); every page itself is `no-store`.
- No `Server` header from the application (the WSGI server's own is documented in
  `gunicorn.conf.py`).
"""

from __future__ import annotations

from ..config import PAGE_PATHS
from .docs_ui import DOCS_CONTENT_SECURITY_POLICY, is_docs_request

API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGES_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGES_BLUEPRINT = "pages"
PAGES_STYLESHEET = PAGES_BLUEPRINT + ".static"

# API answers that set their own Cache-Control when they succeed.
CACHEABLE = frozenset({"verification.jwks"})

ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def set_security_headers(response, current):
    """`current` is the request (looked up once by `web/hooks.py`)."""
    endpoint = current.endpoint
    wanted = dict(ALWAYS)
    if is_docs_request(endpoint):
        wanted["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
    elif current.blueprint == PAGES_BLUEPRINT or _is_page_path(current):
        wanted["Content-Security-Policy"] = PAGES_CONTENT_SECURITY_POLICY
        if endpoint != PAGES_STYLESHEET:
            wanted["Cache-Control"] = "no-store"
    else:
        wanted["Content-Security-Policy"] = API_CONTENT_SECURITY_POLICY
        if not (endpoint in CACHEABLE and response.status_code == 200):
            wanted["Cache-Control"] = "no-store"
    _set_all(response.headers, wanted)
    return response


def _set_all(headers, wanted: dict) -> None:
    """`headers[name] = value` for each of `wanted`, in order, and no `Server` header.

    Werkzeug's `Headers.__setitem__` scans every header for the name, lower-casing each; the names
    present are found here in one pass instead, and a name not present is appended (`add`), which
    is where `__setitem__` puts it too."""
    present = {name.lower() for name, _ in headers.items()}
    for name, value in wanted.items():
        if name.lower() in present:
            headers[name] = value
        else:
            headers.add(name, value)
    if "server" in present:
        headers.pop("Server", None)


def _is_page_path(current) -> bool:
    """A page's path answered before any of its views ran (a method it does not take: 405)."""
    return current.url_rule is None and current.path.rstrip("/") in PAGE_PATHS

