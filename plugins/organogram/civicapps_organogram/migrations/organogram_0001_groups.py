"""Groups and sub-groups.

Revision ID: organogram_0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "organogram_0001"
down_revision = None
branch_labels = ("organogram",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organogram_group",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("organogram_group.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_organogram_group_parent_id", "organogram_group", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_organogram_group_parent_id", table_name="organogram_group")
    op.drop_table("organogram_group")
