"""Notices.

Revision ID: notice_board_0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "notice_board_0001"
down_revision = None
branch_labels = ("notice_board",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_board_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_board_notice")
