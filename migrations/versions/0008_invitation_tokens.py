"""invitation_tokens: invitation links, stored as SHA-256 digests of their tokens.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitation_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("superseded_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitation_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_tokens_token_hash")),
    )
    op.create_index(op.f("ix_invitation_tokens_user_id"), "invitation_tokens", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_invitation_tokens_user_id"), table_name="invitation_tokens")
    op.drop_table("invitation_tokens")
