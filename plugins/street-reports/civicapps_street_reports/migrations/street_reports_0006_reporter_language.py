"""Reports remember their reporter's language, so every email to the reporter is written in it.

Existing reports get none (NULL): their reporters keep receiving emails in the deployment's
default_language rather than in the language of whichever page (a staff member's, a back office's)
caused the email.

Plain ALTER TABLE rather than Alembic's batch mode, which would rebuild the table that updates,
photos and deliveries refer to: SQLite adds and (since 3.35) drops a plain column in place.

Revision ID: street_reports_0006
Revises: street_reports_0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "street_reports_0006"
down_revision = "street_reports_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("street_reports_report", sa.Column("language", sa.String(length=35), nullable=True))


def downgrade() -> None:
    op.drop_column("street_reports_report", "language")
