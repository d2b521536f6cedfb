"""Apps switched on and off from the app directory, and the audit log of each switch.

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "core_app_switch",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "core_app_switch_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_core_app_switch_change_name", "core_app_switch_change", ["name"])


def downgrade() -> None:
    op.drop_table("core_app_switch_change")
    op.drop_table("core_app_switch")
