"""The development inbox keeps each message's body format (to show it rendered) and whole recipient.

Revision ID: notify_0004
Revises: notify_0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "notify_0004"
down_revision = "notify_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notify_inbox") as batch:
        batch.add_column(sa.Column("body_format", sa.String(10), nullable=False, server_default="text"))
        batch.alter_column("recipient", type_=sa.Text(), existing_type=sa.String(200))


def downgrade() -> None:
    with op.batch_alter_table("notify_inbox") as batch:
        batch.alter_column("recipient", type_=sa.String(200), existing_type=sa.Text())
        batch.drop_column("body_format")
