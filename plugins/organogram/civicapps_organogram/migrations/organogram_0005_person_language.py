"""People remember their language, so every email to them (an approval, a hand-over, a join request
to an admin) is written in it rather than in the language of whoever's action sent it.

Existing people get none (NULL) until they next sign in: meanwhile they receive emails in the
deployment's default_language.

Plain ALTER TABLE rather than Alembic's batch mode: batch mode rebuilds a SQLite table, and dropping
the old organogram_person (foreign keys are on) would empty the person of every membership (ON DELETE
SET NULL). SQLite adds and (since 3.35) drops a plain column in place.

Revision ID: organogram_0005
Revises: organogram_0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "organogram_0005"
down_revision = "organogram_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("organogram_person", sa.Column("language", sa.String(length=35), nullable=True))


def downgrade() -> None:
    op.drop_column("organogram_person", "language")
