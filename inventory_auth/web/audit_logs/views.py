"""GET /api/audit-logs/ and /api/audit-logs/stats: the audit screen of an admin_general."""

from __future__ import annotations

from ...audit import queries
from ...roles import ADMIN_GENERAL
from ..access import roles_required
from ..fields import as_lower_bound, as_upper_bound
from . import bp
from .schemas import LogPageSchema, LogQuerySchema, StatsQuerySchema, StatsSchema


@bp.get("/")
@roles_required(ADMIN_GENERAL)
@bp.arguments(LogQuerySchema, location="query")
@bp.response(200, LogPageSchema)
def list_logs(args):
    """Registro de auditoría, del más reciente al más antiguo, con filtros y páginas."""
    where = queries.LogFilter(
        action=args.get("action_filter"),
        user_id=args.get("user_id"),
        entity_type=args.get("entity_type"),
        start=as_lower_bound(args.get("start_date")),
        before=as_upper_bound(args.get("end_date")),
        search=args.get("search"),
    )
    return queries.list_logs(where, page=args["page"], per_page=args["per_page"])


@bp.get("/stats")
@roles_required(ADMIN_GENERAL)
@bp.arguments(StatsQuerySchema, location="query")
@bp.response(200, StatsSchema)
def stats(args):
    """Resumen de los últimos `days` días: totales por nivel, acciones y usuarios más frecuentes."""
    return queries.stats(args["days"])
