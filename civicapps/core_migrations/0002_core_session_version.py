"""Staff sessions can be revoked: each account's session version, bumped on sign-out and credential changes.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("session_version")
