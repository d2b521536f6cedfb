"""Outbox rows keep why a send failed as a code with its values too, so staff read it in their language.

``last_error`` keeps the English sentence (logs and the command line show it); ``last_reason`` is the
JSON of a :class:`civicapps.notify.reasons.Reason`. Rows recorded before have none (NULL) and are
shown as their stored text. A plain ALTER TABLE, as in notify_0007, so SQLite does not rebuild the table.

Revision ID: notify_0009
Revises: notify_0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "notify_0009"
down_revision = "notify_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notify_outbox", sa.Column("last_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("notify_outbox", "last_reason")
