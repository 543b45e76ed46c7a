"""GET /api/audit-logs/ and /api/audit-logs/stats: the audit screen of an admin_general."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time

from flask_jwt_extended import get_current_user, jwt_required

from ..audit import queries
from ..roles import is_admin_general
from ..web.errors import Forbidden
from . import bp
from .schemas import LogPageSchema, LogQuerySchema, StatsQuerySchema, StatsSchema


def admin_general_only(view):
    """403 unless the token's user is an admin_general (under @jwt_required: 401 before this).

    Stands in for the shared role check (`roles_required("admin_general")`) until it exists."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not is_admin_general(get_current_user()):
            raise Forbidden()
        return view(*args, **kwargs)

    return checked


def _bound(value: date | datetime | None, *, end: bool) -> datetime | None:
    """A date means the whole day (UTC): from its first instant, or up to its last."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, time.max if end else time.min, tzinfo=UTC)


@bp.get("/")
@jwt_required()
@admin_general_only
@bp.bearer
@bp.errors(403)
@bp.arguments(LogQuerySchema, location="query")
@bp.response(200, LogPageSchema)
def list_logs(args):
    """Registro de auditoría, del más reciente al más antiguo, con filtros y páginas."""
    where = queries.LogFilter(
        action=args.get("action_filter"),
        user_id=args.get("user_id"),
        entity_type=args.get("entity_type"),
        start=_bound(args.get("start_date"), end=False),
        end=_bound(args.get("end_date"), end=True),
        search=args.get("search"),
    )
    return queries.list_logs(where, page=args["page"], per_page=args["per_page"])


@bp.get("/stats")
@jwt_required()
@admin_general_only
@bp.bearer
@bp.errors(403)
@bp.arguments(StatsQuerySchema, location="query")
@bp.response(200, StatsSchema)
def stats(args):
    """Resumen de los últimos `days` días: totales por nivel, acciones y usuarios más frecuentes."""
    return queries.stats(args["days"])
