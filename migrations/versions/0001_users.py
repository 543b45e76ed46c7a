"""users: the accounts table, created, or adopted from the previous backend.

On an empty database this creates `users`. On the previous FastAPI backend's database, where
`users` already exists (naive timestamps, a case-sensitive unique email, a `check_role` constraint
that may predate `admin_general`), it brings that table to this schema in place and keeps every
row and password hash. See docs/migrating.md.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import json
import logging

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("student", "instructor", "supervisor", "admin", "admin_general")
ROLE_CHECK = "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")"
TIMESTAMPS = ("last_login", "created_at", "updated_at")
UTC_ZONES = ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Zulu", "Etc/Universal", "Etc/Zulu")
# Marks an adopted table, in its comment; the rest of the comment is the table as it was.
ADOPTED_MARK = "inventory_auth adopted this table; before adoption it was: "


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
    """Bring the previous backend's PostgreSQL `users` table to this schema, rows intact.

    What the table was like before is written into its comment, so that the downgrade can undo
    exactly this and nothing more."""
    if bind.dialect.name != "postgresql":
        raise RuntimeError("an existing users table can only be adopted on PostgreSQL")
    duplicates = bind.execute(
        sa.text("SELECT lower(email) FROM users GROUP BY lower(email) HAVING count(*) > 1 LIMIT 5")
    ).scalars().all()
    if duplicates:
        raise RuntimeError(
            "these emails exist more than once when case is ignored; merge or rename them "
            f"before adopting the table: {', '.join(duplicates)}"
        )
    original = record_original(bind)
    if bind.execute(sa.text("SELECT current_setting('TimeZone')")).scalar() not in UTC_ZONES:
        logging.getLogger("alembic.env").warning(
            "the database's TimeZone is not UTC: timestamps the previous backend let the database "
            "fill (created_at, updated_at) were written in that zone, and are read here as UTC"
        )
    if "environment_id" not in original["columns"]:
        op.add_column("users", sa.Column("environment_id", sa.Uuid()))

    for name in TIMESTAMPS:
        op.execute(
            f"ALTER TABLE users ALTER COLUMN {name} TYPE timestamptz USING {name} AT TIME ZONE 'UTC'"
        )
    # NULL meant "not active" to the previous backend: its login refused it like false.
    op.execute("UPDATE users SET is_active = false WHERE is_active IS NULL")
    # A missing creation time becomes the earliest moment the row shows the account existed.
    op.execute(
        "UPDATE users SET created_at = coalesce(least(updated_at, last_login), now()) "
        "WHERE created_at IS NULL"
    )
    op.execute("UPDATE users SET updated_at = created_at WHERE updated_at IS NULL")
    op.alter_column("users", "is_active", nullable=False, server_default=sa.true())
    op.alter_column("users", "created_at", nullable=False, server_default=sa.func.now())
    op.alter_column("users", "updated_at", nullable=False, server_default=sa.func.now())

    for check in original["role_checks"]:
        op.drop_constraint(op.f(check["name"]), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", ROLE_CHECK)
    op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)
    mark_adopted(original)


def downgrade():
    bind = op.get_bind()
    original = recorded_original(bind)
    if original is not None:
        give_back_adopted_table(original)
        return
    rows = bind.execute(sa.text("SELECT count(*) FROM users")).scalar()
    if rows and context.get_x_argument(as_dictionary=True).get("drop_users") != "yes":
        raise RuntimeError(
            f"users holds {rows} account(s); refusing to drop it. "
            "Run `flask db downgrade -x drop_users=yes` to drop them for good."
        )
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")


def give_back_adopted_table(original):
    """Undo what adopt_existing_table did: the table, its rows and every foreign key stay."""
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    for check in original["role_checks"]:
        op.execute(f'ALTER TABLE users ADD CONSTRAINT "{check["name"]}" {check["definition"]}')
    for name in TIMESTAMPS + ("is_active",):
        column = original["columns"][name]
        if name in TIMESTAMPS and column["type"] == "timestamp without time zone":
            op.execute(
                f"ALTER TABLE users ALTER COLUMN {name} TYPE timestamp USING {name} AT TIME ZONE 'UTC'"
            )
        default = column["default"]
        op.execute(f"ALTER TABLE users ALTER COLUMN {name} "
                   + (f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT"))
        if not column["not_null"]:
            op.execute(f"ALTER TABLE users ALTER COLUMN {name} DROP NOT NULL")
    if "environment_id" not in original["columns"]:
        op.drop_column("users", "environment_id")
    unmark_adopted(original)


def record_original(bind):
    """The parts of `users` the adoption changes, as they are now."""
    columns = bind.execute(sa.text("""
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = 'users'::regclass AND a.attnum > 0 AND NOT a.attisdropped
    """)).all()
    checks = bind.execute(sa.text("""
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE conrelid = 'users'::regclass AND contype = 'c' ORDER BY conname
    """)).all()
    comment = bind.execute(sa.text("SELECT obj_description('users'::regclass, 'pg_class')")).scalar()
    return {
        "columns": {
            name: {"type": type_, "not_null": not_null, "default": default}
            for name, type_, not_null, default in columns
        },
        "role_checks": [
            {"name": name, "definition": definition}
            for name, definition in checks if "role" in definition
        ],
        "comment": comment,
    }


def mark_adopted(original):
    op.create_table_comment(
        "users", ADOPTED_MARK + json.dumps(original, sort_keys=True), existing_comment=original["comment"]
    )


def recorded_original(bind):
    """What mark_adopted wrote, or None when this migration created the table."""
    if bind.dialect.name != "postgresql":
        return None
    comment = bind.execute(sa.text("SELECT obj_description('users'::regclass, 'pg_class')")).scalar()
    if not comment or not comment.startswith(ADOPTED_MARK):
        return None
    return json.loads(comment[len(ADOPTED_MARK):])


def unmark_adopted(original):
    if original["comment"] is None:
        op.drop_table_comment("users")
    else:
        op.create_table_comment("users", original["comment"])
