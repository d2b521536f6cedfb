"""Posts with their reporting lines, people, dated memberships, junior roles, invitations and the outbox;
groups gain area, theme, contact, privacy, status and verification.

Revision ID: organogram_0002
Revises: organogram_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "organogram_0002"
down_revision = "organogram_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organogram_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_email", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organogram_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organogram_outbox_to_email"), ["to_email"], unique=False)

    op.create_table(
        "organogram_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "organogram_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["organogram_group.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("organogram_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organogram_invitation_group_id"), ["group_id"], unique=False)

    op.create_table(
        "organogram_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reports_to_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("fte", sa.String(length=10), nullable=False),
        sa.Column("salary_cost_of_reports", sa.String(length=20), nullable=False),
        sa.Column("pay_floor", sa.String(length=20), nullable=False),
        sa.Column("pay_ceiling", sa.String(length=20), nullable=False),
        sa.Column("profession", sa.String(length=100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("eliminated_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["organogram_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reports_to_id"], ["organogram_post.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "ref", name="uq_organogram_post_group_ref"),
    )
    with op.batch_alter_table("organogram_post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organogram_post_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organogram_post_reports_to_id"), ["reports_to_id"], unique=False)

    op.create_table(
        "organogram_junior_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("reporting_post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("parent_department", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("grade", sa.String(length=50), nullable=False),
        sa.Column("payscale_min", sa.String(length=20), nullable=False),
        sa.Column("payscale_max", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("fte", sa.String(length=10), nullable=False),
        sa.Column("profession", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["organogram_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporting_post_id"], ["organogram_post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organogram_junior_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organogram_junior_role_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organogram_junior_role_reporting_post_id"), ["reporting_post_id"], unique=False
        )

    op.create_table(
        "organogram_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("name_public", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["organogram_group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["organogram_person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["organogram_post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organogram_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organogram_membership_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organogram_membership_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_organogram_membership_post_id"), ["post_id"], unique=False)

    with op.batch_alter_table("organogram_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=40), server_default="community", nullable=False))
        batch_op.add_column(sa.Column("area", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("website", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("identifier", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("parent_department", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("membership_private", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="active", nullable=False))
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verified_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("registrant_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_organogram_group_area"), ["area"], unique=False)
        batch_op.create_index(batch_op.f("ix_organogram_group_registrant_key"), ["registrant_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_organogram_group_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_organogram_group_theme"), ["theme"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("organogram_group", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_group_theme"))
        batch_op.drop_index(batch_op.f("ix_organogram_group_status"))
        batch_op.drop_index(batch_op.f("ix_organogram_group_registrant_key"))
        batch_op.drop_index(batch_op.f("ix_organogram_group_area"))
        batch_op.drop_column("registrant_key")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("verified_by")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("lon")
        batch_op.drop_column("lat")
        batch_op.drop_column("status")
        batch_op.drop_column("membership_private")
        batch_op.drop_column("parent_department")
        batch_op.drop_column("identifier")
        batch_op.drop_column("website")
        batch_op.drop_column("contact_email")
        batch_op.drop_column("area")
        batch_op.drop_column("theme")

    with op.batch_alter_table("organogram_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_membership_post_id"))
        batch_op.drop_index(batch_op.f("ix_organogram_membership_person_id"))
        batch_op.drop_index(batch_op.f("ix_organogram_membership_group_id"))

    op.drop_table("organogram_membership")
    with op.batch_alter_table("organogram_junior_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_junior_role_reporting_post_id"))
        batch_op.drop_index(batch_op.f("ix_organogram_junior_role_group_id"))

    op.drop_table("organogram_junior_role")
    with op.batch_alter_table("organogram_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_post_reports_to_id"))
        batch_op.drop_index(batch_op.f("ix_organogram_post_group_id"))

    op.drop_table("organogram_post")
    with op.batch_alter_table("organogram_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_invitation_group_id"))

    op.drop_table("organogram_invitation")
    op.drop_table("organogram_person")
    with op.batch_alter_table("organogram_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organogram_outbox_to_email"))

    op.drop_table("organogram_outbox")
