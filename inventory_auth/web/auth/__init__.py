"""The auth blueprint: login, registration and the caller's own account, under /api/auth."""

from ..blueprint import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Autenticación y cuenta propia")

from . import password_reset_views, views  # noqa: E402,F401  (register the routes on bp)
