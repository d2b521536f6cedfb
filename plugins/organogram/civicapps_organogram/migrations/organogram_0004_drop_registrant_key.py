"""Drop organogram_group.registrant_key: registrations are counted by the shared ``civicapps.RateLimit``.

The column held a keyed hash of the registrant's client address, written on each registration but
read by nothing since the move to the shared limiter; keeping it would only keep personal data.
Downgrade adds the column back (empty) with its index, as 0002 made it.

Plain ALTER TABLE rather than Alembic's batch mode: batch mode rebuilds a SQLite table to drop a
column, and dropping the old organogram_group (foreign keys are on) would cascade-delete every post,
role, membership and invitation. SQLite (since 3.35) drops an unindexed plain column in place, so the
index goes first.

Revision ID: organogram_0004
Revises: organogram_0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "organogram_0004"
down_revision = "organogram_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_organogram_group_registrant_key", table_name="organogram_group")
    op.drop_column("organogram_group", "registrant_key")


def downgrade() -> None:
    op.add_column("organogram_group", sa.Column("registrant_key", sa.String(length=64), nullable=True))
    op.create_index("ix_organogram_group_registrant_key", "organogram_group", ["registrant_key"], unique=False)
