"""Indexes of the account administration list (/api/users, `flask users list`).

- `ix_users_created_at_id`: the list, newest first (`ORDER BY created_at DESC, id DESC`, read
  backwards), and its page without filters;
- `ix_users_role_active_created_at`: the same order within one role and state (and the stats'
  counts by role and state, an index-only scan);
- `ix_users_active_created_at`: the same order within one state;
- on PostgreSQL, trigram (pg_trgm) GIN indexes on `first_name`, `last_name` and `email`, which
  serve the search's `ILIKE '%term%'` on each (a bitmap OR of the three). SQLite has no such
  index; there the search scans the table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BTREE_INDEXES = (
    ("ix_users_created_at_id", ["created_at", "id"]),
    ("ix_users_role_active_created_at", ["role", "is_active", "created_at", "id"]),
    ("ix_users_active_created_at", ["is_active", "created_at", "id"]),
)
TRIGRAM_COLUMNS = ("first_name", "last_name", "email")
CREATED_HERE = "created by inventory_auth (migration 0004)"


def upgrade():
    for name, columns in BTREE_INDEXES:
        op.create_index(name, "users", columns)
    if op.get_bind().dialect.name != "postgresql":
        return
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first() is None:
        op.execute("CREATE EXTENSION pg_trgm")
        # Marked, so that the downgrade removes the extension only if this revision created it.
        op.execute(f"COMMENT ON EXTENSION pg_trgm IS '{CREATED_HERE}'")
    for column in TRIGRAM_COLUMNS:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_users_{column}_trgm ON users USING gin ({column} gin_trgm_ops)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_users_{column}_trgm")
        # The extension goes only if this revision created it and nothing else uses it since.
        bind = op.get_bind()
        created_here = bind.exec_driver_sql(
            "SELECT obj_description(oid, 'pg_extension') FROM pg_extension WHERE extname = 'pg_trgm'"
        ).scalar()
        if created_here == CREATED_HERE:
            op.execute("DROP EXTENSION IF EXISTS pg_trgm RESTRICT")
    for name, _columns in BTREE_INDEXES:
        op.drop_index(name, table_name="users")
