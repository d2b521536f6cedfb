"""The map's covering index, the list's indexes, and the map version row.

The map counts and groups reports into grid cells per zoom: its index holds every column the query
filters on, so SQLite and PostgreSQL answer from the index alone. The list beside the map is newest
first, for all categories or one. ``street_reports_map_version`` is one row counting changes to what
the map shows, read by every web process to know when its cached answers are stale.

Revision ID: street_reports_0004
Revises: street_reports_0003
Create Date: 2026-12-06
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "street_reports_0004"
down_revision = "street_reports_0003"
branch_labels = None
depends_on = None

MAP_COLUMNS = ["status", "lon", "lat", "hidden", "private", "category", "created_at"]


def upgrade() -> None:
    version = op.create_table(
        "street_reports_map_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0, "changed_at": datetime.now(UTC)}])
    with op.batch_alter_table("street_reports_report", schema=None) as batch_op:
        batch_op.drop_index("ix_street_reports_report_status_lon_lat")
        batch_op.create_index("ix_street_reports_report_map", MAP_COLUMNS, unique=False)
        batch_op.create_index("ix_street_reports_report_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_street_reports_report_category_created_at", ["category", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("street_reports_report", schema=None) as batch_op:
        batch_op.drop_index("ix_street_reports_report_category_created_at")
        batch_op.drop_index("ix_street_reports_report_created_at")
        batch_op.drop_index("ix_street_reports_report_map")
        batch_op.create_index("ix_street_reports_report_status_lon_lat", ["status", "lon", "lat"], unique=False)
    op.drop_table("street_reports_map_version")
