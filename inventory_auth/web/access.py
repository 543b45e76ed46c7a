"""Who may call a route: `roles_required`, the role check every blueprint of the system can use.

    from inventory_auth.web.access import roles_required

    @bp.route("/")
    class Items(MethodView):
        @roles_required("admin_general", "admin")
        @bp.response(200, ItemSchema(many=True))
        def get(self): ...

    @bp.get("/<item_id>")
    @roles_required("admin_general", "admin", "supervisor")
    @bp.response(200, ItemSchema)
    def get_item(item_id): ...

Put it right under the route decorator, above `bp.arguments`: the caller is checked before its body
is read. It answers

- 401 `Token inválido o expirado` (with `WWW-Authenticate: Bearer`) for a missing, malformed,
  expired, revoked or forged access token: the full token check of `sessions/token_check.py`;
- 403 `No tiene permiso para realizar esta acción` for a valid token whose user holds another role.

The user is read once per request, by the token check (a snapshot without the password hash);
the view reads the same object with `flask_jwt_extended.current_user`. On a flask-smorest
blueprint the operation is documented in the OpenAPI document with the bearer scheme and its
401, 403 and 503 answers; on a plain Flask blueprint the check works the same, undocumented.
"""

from __future__ import annotations

import functools

from flask_jwt_extended import get_current_user, verify_jwt_in_request

from ..roles import ROLES
from .blueprint import Blueprint
from .errors import Forbidden

# Holds no routes: only lends its documentation decorators (`bearer`, `errors`) to the check.
_docs = Blueprint("roles_required", __name__)


def roles_required(*roles: str):
    """Let only users of `roles` call the decorated view (401 without a valid token, 403 else)."""
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise ValueError(f"roles_required needs roles among {ROLES}, got {roles!r}")
    allowed = frozenset(roles)

    def decorator(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            verify_jwt_in_request()
            if get_current_user().role not in allowed:
                raise Forbidden()
            return view(*args, **kwargs)

        checked.allowed_roles = allowed
        return _docs.bearer(_docs.errors(403)(checked))

    return decorator
