"""Health checks for load balancers and orchestrators, under /api/health."""

from ..blueprint import Blueprint

bp = Blueprint(
    "health", __name__, url_prefix="/api/health", description="Estado del servicio para balanceadores"
)

from . import views  # noqa: E402,F401  (registers the routes on bp)
