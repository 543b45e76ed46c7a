"""The account administration blueprint, /api/users: the inventory app's user-management screen.

Only admin_general may call it (`web.access.roles_required`). The shapes are the previous
backend's, as the app reads them: a plain list with `X-Total-Count`, 200 on create, a soft DELETE.
The rules themselves are in `accounts/admin.py`, shared with `flask users`.
"""

from ..blueprint import Blueprint

bp = Blueprint(
    "users", __name__, url_prefix="/api/users", description="Administración de cuentas (admin_general)"
)

from . import views  # noqa: E402,F401  (registers the routes on bp)
