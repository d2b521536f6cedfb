"""Street reports.

Revision ID: street_reports_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "street_reports_0001"
down_revision = None
branch_labels = ("street_reports",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "street_reports_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("status", sa.String(20), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_street_reports_report_status", "street_reports_report", ["status"])


def downgrade() -> None:
    op.drop_index("ix_street_reports_report_status", table_name="street_reports_report")
    op.drop_table("street_reports_report")
