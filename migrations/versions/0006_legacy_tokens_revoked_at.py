"""users.legacy_tokens_revoked_at: the instant before which the previous backend's tokens of a
user are dead.

Set whenever every session of the user ends (password change, role change, deactivation,
logout-all, an administrator's logout) and by a logout made with such a token. It is read only
for tokens of the previous backend, while `LEGACY_TOKENS_UNTIL` lets them in (docs/migrating.md,
"Tokens and their lifetime"). On an adopted `users` table it is one new nullable column, which the
downgrade removes, so the table is given back as it was.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("legacy_tokens_revoked_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("users", "legacy_tokens_revoked_at")
