"""Reading and pruning the audit trail: the audit screen's page and statistics, `flask audit prune`.

Rows of every writer show together (the rest of the inventory system writes `audit_logs` too),
each with the acting user's name and email joined from `users` (null when there is none). The
statistics count each row once under its action's level (`actions.LEVEL`, computed in SQL with a
CASE over the known actions; any other action counts as info), without loading the rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, delete, func, literal, or_, select

from ..database import LIKE_ESCAPE, like_pattern
from ..extensions import db
from ..models import AuditLog, User
from ..models.types import utcnow
from . import actions

TOP = 10

_full_name = User.first_name + literal(" ") + User.last_name

# Each row's level, in SQL: the known actions by their fixed level, any other action `info`.
row_level = case(actions.LEVEL, value=AuditLog.action, else_=literal(actions.INFO))


@dataclass(frozen=True)
class LogFilter:
    """The audit screen's filters; None means "any". From `start` (inclusive) to `before`
    (exclusive)."""

    action: str | None = None
    user_id: uuid.UUID | None = None
    entity_type: str | None = None
    start: datetime | None = None
    before: datetime | None = None  # exclusive
    search: str | None = None


def _conditions(where: LogFilter) -> list:
    conditions = []
    if where.action is not None:
        conditions.append(AuditLog.action == where.action)
    if where.user_id is not None:
        conditions.append(AuditLog.user_id == where.user_id)
    if where.entity_type is not None:
        conditions.append(AuditLog.entity_type == where.entity_type)
    if where.start is not None:
        conditions.append(AuditLog.created_at >= where.start)
    if where.before is not None:
        conditions.append(AuditLog.created_at < where.before)
    if where.search:
        pattern = like_pattern(where.search)
        conditions.append(
            or_(
                *(
                    column.ilike(pattern, escape=LIKE_ESCAPE)
                    for column in (AuditLog.action, AuditLog.entity_type, _full_name, User.email)
                )
            )
        )
    return conditions


def _joined(statement, where: LogFilter):
    return statement.select_from(AuditLog).outerjoin(User, User.id == AuditLog.user_id).where(
        *_conditions(where)
    )


def count_logs(where: LogFilter) -> int:
    statement = select(func.count())
    if where.search:
        statement = _joined(statement, where)
    else:
        statement = statement.select_from(AuditLog).where(*_conditions(where))
    return db.session.scalar(statement)


def page_of_logs(where: LogFilter, *, offset: int, limit: int) -> list[dict]:
    """Rows `offset`..`offset+limit` of the matches, newest first (ties by id: a stable order),
    as dicts with the row's columns plus `user_name` and `user_email`."""
    statement = _joined(
        select(AuditLog, User.first_name, User.last_name, User.email),
        where,
    ).order_by(AuditLog.created_at.desc(), AuditLog.id.desc()).offset(offset).limit(limit)
    logs = []
    for log, first_name, last_name, email in db.session.execute(statement):
        logs.append(
            {
                "id": log.id,
                "user_id": log.user_id,
                "user_name": f"{first_name} {last_name}" if email is not None else None,
                "user_email": email,
                "action": log.action,
                "entity_type": log.entity_type,
                "entity_id": log.entity_id,
                "old_values": log.old_values,
                "new_values": log.new_values,
                "ip_address": log.ip_address,
                "user_agent": log.user_agent,
                "session_id": log.session_id,
                "created_at": log.created_at,
            }
        )
    return logs


def list_logs(where: LogFilter, *, page: int, per_page: int) -> dict:
    """One page of the audit screen: `{logs, total, page, per_page, total_pages}`."""
    total = count_logs(where)
    offset = (page - 1) * per_page
    # A page past the end is empty without asking the database (no huge OFFSET ever reaches it).
    logs = page_of_logs(where, offset=offset, limit=per_page) if offset < total else []
    return {
        "logs": logs,
        "total": total,
        "page": page,
        "per_page": per_page,
        "total_pages": -(-total // per_page),
    }


def stats(days: int, *, now: datetime | None = None) -> dict:
    """Counts of the last `days` days (today's since midnight UTC), by level, and the most
    frequent actions and acting users of that window."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    in_window = AuditLog.created_at >= since

    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    totals = db.session.execute(
        select(
            func.count().label("total_logs"),
            counted(AuditLog.created_at >= today).label("today_logs"),
            *(counted(row_level == level).label(f"{level}_logs") for level in actions.LEVELS),
        ).where(in_window)
    ).one()

    count = func.count().label("count")
    top_actions = db.session.execute(
        select(AuditLog.action, count)
        .where(in_window)
        .group_by(AuditLog.action)
        .order_by(count.desc(), AuditLog.action)
        .limit(TOP)
    ).all()
    top_users = db.session.execute(
        select(User.first_name, User.last_name, User.email, count)
        .select_from(AuditLog)
        .join(User, User.id == AuditLog.user_id)
        .where(in_window)
        .group_by(User.id, User.first_name, User.last_name, User.email)
        .order_by(count.desc(), User.email)
        .limit(TOP)
    ).all()
    return {
        **totals._asdict(),
        "top_actions": [{"action": action, "count": n} for action, n in top_actions],
        "top_users": [
            {"name": f"{first} {last}", "email": email, "count": n} for first, last, email, n in top_users
        ],
    }


def prune(older_than_days: int, *, now: datetime | None = None) -> int:
    """Delete the rows older than `older_than_days` days; how many went."""
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    result = db.session.execute(delete(AuditLog).where(AuditLog.created_at < cutoff))
    return result.rowcount
