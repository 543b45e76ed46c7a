"""audit_logs: the security events, created, or adopted from the previous backend.

On a new database this creates `audit_logs` with the previous backend's columns. On the previous
backend's database, where the rest of the inventory system writes `audit_logs` too, the table is
kept exactly as it is (columns, types, naive timestamps, its foreign key, every row), so that
those writers keep working; only the indexes the audit screen's filters need are added.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (name, columns): the screen filters by date, by user, by action and by entity, newest first.
INDEXES = (
    ("ix_audit_logs_created_at", ["created_at"]),
    ("ix_audit_logs_user_id_created_at", ["user_id", "created_at"]),
    ("ix_audit_logs_action_created_at", ["action", "created_at"]),
    ("ix_audit_logs_entity", ["entity_type", "entity_id"]),
)


def upgrade():
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("audit_logs"):
        create_table()
    existing = {index["name"] for index in sa.inspect(bind).get_indexes("audit_logs")}
    for name, columns in INDEXES:
        if name not in existing:
            op.create_index(name, "audit_logs", columns)


def create_table():
    op.create_table(
        "audit_logs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid()),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("entity_type", sa.String(50), nullable=False),
        sa.Column("entity_id", sa.Uuid()),
        sa.Column("old_values", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("new_values", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("ip_address", sa.String(45).with_variant(postgresql.INET(), "postgresql")),
        sa.Column("user_agent", sa.Text()),
        sa.Column("session_id", sa.String(100)),
        sa.Column("created_at", sa.DateTime(timezone=False)),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_logs_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_logs")),
    )


def downgrade():
    """Drop the indexes this revision added; the table itself only if this revision made it
    (a table adopted from the previous backend stays, with every row)."""
    bind = op.get_bind()
    existing = {index["name"] for index in sa.inspect(bind).get_indexes("audit_logs")}
    for name, _columns in INDEXES:
        if name in existing:
            op.drop_index(name, table_name="audit_logs")
    foreign_keys = {fk["name"] for fk in sa.inspect(bind).get_foreign_keys("audit_logs")}
    if "fk_audit_logs_user_id_users" in foreign_keys:
        op.drop_table("audit_logs")
