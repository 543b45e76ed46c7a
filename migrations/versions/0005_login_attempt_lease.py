"""login_failures.attempt_until: the lease of the one password check running for an account.

A login or password change reserves its account (sets `attempt_until`) before it hashes, in its
own short transaction, and releases it with the failure or success it records; concurrent
attempts for the same account are refused meanwhile (security/lockout.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_failures") as batch:
        batch.add_column(sa.Column("attempt_until", sa.DateTime(timezone=True)))


def downgrade():
    with op.batch_alter_table("login_failures") as batch:
        batch.drop_column("attempt_until")
