"""Drop organogram_group.registrant_key: registrations are counted by the shared ``civicapps.RateLimit``.

The column held a keyed hash of the registrant's client address, written on each registration but
read by nothing since the move to the shared limiter; keeping it would only keep personal data.
Downgrade adds the column back (empty) with its index, as 0002 made it.

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
    with op.batch_alter_table("organogram_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_group_registrant_key"))
        batch_op.drop_column("registrant_key")


def downgrade() -> None:
    with op.batch_alter_table("organogram_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registrant_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_organogram_group_registrant_key"), ["registrant_key"], unique=False)
