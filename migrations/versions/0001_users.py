"""users: the accounts table, created, or adopted from the previous backend.

On an empty database this creates `users`. On the previous FastAPI backend's database, where
`users` already exists (naive timestamps, a case-sensitive unique email, a `check_role` constraint
that may predate `admin_general`), it brings that table to this schema in place and keeps every
row and password hash. See docs/migrating.md.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("student", "instructor", "supervisor", "admin", "admin_general")
ROLE_CHECK = "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")"
TIMESTAMPS = ("last_login", "created_at", "updated_at")


def upgrade():
    bind = op.get_bind()
    if sa.inspect(bind).has_table("users"):
        adopt_existing_table(bind)
    else:
        create_table()


def create_table():
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("program", sa.String(100)),
        sa.Column("ficha", sa.String(20)),
        sa.Column("environment_id", sa.Uuid()),
        sa.Column("avatar_url", sa.String(500)),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_login", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(ROLE_CHECK, name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def adopt_existing_table(bind):
    """Bring the previous backend's PostgreSQL `users` table to this schema, rows intact."""
    if bind.dialect.name != "postgresql":
        raise RuntimeError("an existing users table can only be adopted on PostgreSQL")
    columns = {column["name"] for column in sa.inspect(bind).get_columns("users")}
    if "environment_id" not in columns:
        op.add_column("users", sa.Column("environment_id", sa.Uuid()))

    duplicates = bind.execute(
        sa.text("SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1 LIMIT 5")
    ).scalars().all()
    if duplicates:
        raise RuntimeError(
            "these emails exist more than once when case is ignored; merge or rename them "
            f"before adopting the table: {', '.join(duplicates)}"
        )

    for name in TIMESTAMPS:
        op.execute(
            f"ALTER TABLE users ALTER COLUMN {name} TYPE timestamptz USING {name} AT TIME ZONE 'UTC'"
        )
    op.execute("UPDATE users SET is_active = true WHERE is_active IS NULL")
    op.execute("UPDATE users SET created_at = now() WHERE created_at IS NULL")
    op.execute("UPDATE users SET updated_at = created_at WHERE updated_at IS NULL")
    op.alter_column("users", "is_active", nullable=False, server_default=sa.true())
    op.alter_column("users", "created_at", nullable=False, server_default=sa.func.now())
    op.alter_column("users", "updated_at", nullable=False, server_default=sa.func.now())

    for check in sa.inspect(bind).get_check_constraints("users"):
        if "role" in (check.get("sqltext") or ""):
            op.drop_constraint(op.f(check["name"]), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", ROLE_CHECK)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def downgrade():
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT count(*) FROM users")).scalar()
    if rows and context.get_x_argument(as_dictionary=True).get("drop_users") != "yes":
        raise RuntimeError(
            f"users holds {rows} account(s); refusing to drop it. "
            "Run `flask db downgrade -x drop_users=yes` to drop them for good."
        )
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
