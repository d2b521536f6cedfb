"""One change counter per cached public view: the map's version row becomes the ``map`` row of
``street_reports_change_counter``, beside a new ``open311`` row for Open311's request lists.

Revision ID: street_reports_0005
Revises: street_reports_0004
Create Date: 2026-12-06
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "street_reports_0005"
down_revision = "street_reports_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counters = op.create_table(
        "street_reports_change_counter",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute(
        "INSERT INTO street_reports_change_counter (name, version, changed_at)"
        " SELECT 'map', version, changed_at FROM street_reports_map_version WHERE id = 1"
    )
    op.bulk_insert(counters, [{"name": "open311", "version": 0, "changed_at": datetime.now(UTC)}])
    op.drop_table("street_reports_map_version")


def downgrade() -> None:
    op.create_table(
        "street_reports_map_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(
        "INSERT INTO street_reports_map_version (id, version, changed_at)"
        " SELECT 1, version, changed_at FROM street_reports_change_counter WHERE name = 'map'"
    )
    op.drop_table("street_reports_change_counter")
