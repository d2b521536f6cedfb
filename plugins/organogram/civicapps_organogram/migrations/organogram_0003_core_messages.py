"""Messages go through the core notifications layer now: drop the plugin's own outbox table.

Rows in it were never delivered (it only recorded what would have been sent), so nothing is moved.

Revision ID: organogram_0003
Revises: organogram_0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "organogram_0003"
down_revision = "organogram_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organogram_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_outbox_to_email"))
    op.drop_table("organogram_outbox")


def downgrade() -> None:
    op.create_table(
        "organogram_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_email", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organogram_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organogram_outbox_to_email"), ["to_email"], unique=False)
