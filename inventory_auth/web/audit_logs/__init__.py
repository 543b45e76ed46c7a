"""The audit screen's blueprint: the audit trail's page and statistics, under /api/audit-logs."""

from ..blueprint import Blueprint

bp = Blueprint(
    "audit_logs",
    __name__,
    url_prefix="/api/audit-logs",
    description="Registro de auditoría (solo administrador general)",
)

from . import views  # noqa: E402,F401  (registers the routes on bp)
