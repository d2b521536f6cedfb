"""Drop the plugin's own rate-limit table: submissions are counted by the shared ``civicapps.RateLimit`` now.

Its rows were only marks for counting (a keyed hash of the client address and a time), kept for two
hours; nothing else reads them, so nothing is moved. Downgrade recreates the table empty, as 0002 made it.

Revision ID: street_reports_0003
Revises: street_reports_0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "street_reports_0003"
down_revision = "street_reports_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("street_reports_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_submission_created_at"))
        batch_op.drop_index(batch_op.f("ix_street_reports_submission_client"))
    op.drop_table("street_reports_submission")


def downgrade() -> None:
    op.create_table(
        "street_reports_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("street_reports_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_submission_client"), ["client"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_submission_created_at"), ["created_at"], unique=False)
