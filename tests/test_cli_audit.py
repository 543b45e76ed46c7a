"""`flask audit prune` as an operator meets it."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from inventory_auth.extensions import db
from inventory_auth.models import AuditLog

from helpers import without_target


def seed(app, ages_in_days):
    with app.app_context():
        for days in ages_in_days:
            db.session.add(AuditLog(id=uuid.uuid4(), action="login", entity_type="user",
                                    created_at=datetime.now(UTC) - timedelta(days=days, minutes=1)))
        db.session.commit()


def actions(app):
    with app.app_context():
        return sorted(db.session.scalars(sa.select(AuditLog.action)).all())


def test_prune_removes_only_older_rows_and_records_itself(app, runner):
    seed(app, [0, 10, 89, 91, 400])
    result = runner.invoke(args=["audit", "prune", "--older-than", "90"])
    assert result.exit_code == 0, without_target(result.output)
    assert without_target(result.output).strip() == "removed 2 audit event(s) older than 90 day(s)"
    assert actions(app) == ["audit_prune", "login", "login", "login"]
    with app.app_context():
        [row] = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "audit_prune")).all()
        assert row.user_agent == "flask audit prune" and row.user_id is None
        assert row.new_values == {"older_than_days": 90, "removed": 2}
    again = runner.invoke(args=["audit", "prune", "--older-than", "90"])
    assert without_target(again.output).strip() == "removed 0 audit event(s) older than 90 day(s)"


def test_prune_needs_a_positive_number_of_days(app, runner):
    seed(app, [5])
    for bad in (["audit", "prune"], ["audit", "prune", "--older-than", "0"],
                ["audit", "prune", "--older-than", "diez"]):
        result = runner.invoke(args=bad)
        assert result.exit_code != 0
    assert actions(app) == ["login"]
