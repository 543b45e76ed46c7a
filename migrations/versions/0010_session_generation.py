"""users.session_generation: how many times every session of the user has ended.

Every path that ends all of a user's sessions (a password set by any path, a role change, a
deactivation, logout-all, an administrator's logout) adds one to it, in the same statement that
locks the user's row. A login or password change that checked a password against the row as it
was starts its session only if the generation it read is still the current one, so a session
started against a superseded password or state never survives (sessions/lifecycle.py). On an
adopted `users` table it is one new column with a default, which the downgrade removes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users",
        sa.Column("session_generation", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )


def downgrade():
    op.drop_column("users", "session_generation")
