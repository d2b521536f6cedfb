"""Planning applications.

Revision ID: planning_alerts_0001
Revises:
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "planning_alerts_0001"
down_revision = None
branch_labels = ("planning_alerts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "planning_alerts_application",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(10), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(50), nullable=False),
        sa.Column("info_url", sa.String(2000), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("authority", "reference", name="uq_planning_alerts_application_authority_reference"),
    )
    op.create_index("ix_planning_alerts_application_received_date", "planning_alerts_application", ["received_date"])


def downgrade() -> None:
    op.drop_index("ix_planning_alerts_application_received_date", table_name="planning_alerts_application")
    op.drop_table("planning_alerts_application")
