"""The planning application as a core dataset (civicapps.Record): provenance, versions, typed fields.

The seed's table held only the demo sample, which `civicapps demo` loads again, so it is replaced
rather than converted.

Revision ID: planning_alerts_0002
Revises: planning_alerts_0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "planning_alerts_0002"
down_revision = "planning_alerts_0001"
branch_labels = None
depends_on = None

TABLE = "planning_alerts_application"


def upgrade() -> None:
    op.drop_index("ix_planning_alerts_application_received_date", table_name=TABLE)
    op.drop_table(TABLE)
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_feed", sa.String(100), nullable=False),
        sa.Column("source_position", sa.Integer(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("postcode", sa.String(8), nullable=True),
        sa.Column("local_area", sa.String(200), nullable=True),
        sa.Column("site", sa.Text(), nullable=True),
        sa.Column("info_url", sa.String(1000), nullable=True),
        sa.Column("comment_url", sa.String(1000), nullable=True),
        sa.Column("date_received", sa.Date(), nullable=True),
        sa.Column("date_validated", sa.Date(), nullable=True),
        sa.Column("consultation_end", sa.Date(), nullable=True),
        sa.Column("application_type", sa.String(200), nullable=True),
        sa.Column("status", sa.String(100), nullable=True),
        sa.Column("decision", sa.String(200), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.UniqueConstraint("authority", "reference", name=f"uq_{TABLE}_authority_reference"),
    )
    op.create_index("ix_planning_alerts_application_first_seen_at", TABLE, ["first_seen_at"])
    op.create_index("ix_planning_alerts_application_latitude", TABLE, ["latitude", "longitude"])


def downgrade() -> None:
    op.drop_index("ix_planning_alerts_application_latitude", table_name=TABLE)
    op.drop_index("ix_planning_alerts_application_first_seen_at", table_name=TABLE)
    op.drop_table(TABLE)
    op.create_table(
        TABLE,
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
        sa.UniqueConstraint("authority", "reference", name=f"uq_{TABLE}_authority_reference"),
    )
    op.create_index("ix_planning_alerts_application_received_date", TABLE, ["received_date"])
