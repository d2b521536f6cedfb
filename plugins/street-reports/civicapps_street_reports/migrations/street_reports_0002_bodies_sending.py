"""Bodies, their areas and categories; the send queue, photos, updates, moderation and the abuse list.

Revision ID: street_reports_0002
Revises: street_reports_0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "street_reports_0002"
down_revision = "street_reports_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "street_reports_abuser",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "street_reports_body",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("open311_endpoint", sa.String(length=500), nullable=True),
        sa.Column("open311_jurisdiction", sa.String(length=200), nullable=True),
        sa.Column("open311_format", sa.String(length=4), nullable=False),
        sa.Column("open311_api_key", sa.String(length=500), nullable=True),
        sa.Column("updates_key_hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "street_reports_place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("street_reports_place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_place_min_lon"), ["min_lon"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_place_name"), ["name"], unique=False)

    op.create_table(
        "street_reports_response_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("title"),
    )
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

    op.create_table(
        "street_reports_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["street_reports_body.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("body_id", "name"),
    )
    with op.batch_alter_table("street_reports_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_area_body_id"), ["body_id"], unique=False)

    op.create_table(
        "street_reports_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service_code", sa.String(length=100), nullable=False),
        sa.Column("external_code", sa.String(length=100), nullable=True),
        sa.Column("group", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("send_method", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("extra_questions", sa.JSON(), nullable=False),
        sa.Column("photo_required", sa.Boolean(), nullable=False),
        sa.Column("anonymous_allowed", sa.Boolean(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["street_reports_body.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("body_id", "name"),
    )
    with op.batch_alter_table("street_reports_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_category_body_id"), ["body_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_category_service_code"), ["service_code"], unique=False)

    op.create_table(
        "street_reports_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("show_name", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("staff_id", sa.String(length=200), nullable=True),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["street_reports_body.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["street_reports_report.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("body_id", "external_id"),
    )
    with op.batch_alter_table("street_reports_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_update_report_id"), ["report_id"], unique=False)

    op.create_table(
        "street_reports_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("external_token", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["street_reports_body.id"],
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["street_reports_category.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["street_reports_report.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "body_id"),
    )
    with op.batch_alter_table("street_reports_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_delivery_external_id"), ["external_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_street_reports_delivery_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_street_reports_delivery_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_delivery_state"), ["state"], unique=False)

    op.create_table(
        "street_reports_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("redacted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["street_reports_report.id"],
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["street_reports_update.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("street_reports_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_photo_report_id"), ["report_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_photo_update_id"), ["update_id"], unique=False)

    op.create_table(
        "street_reports_moderation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_photo", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["street_reports_photo.id"],
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["street_reports_report.id"],
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["street_reports_update.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("street_reports_moderation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_reports_moderation_report_id"), ["report_id"], unique=False)

    op.create_table(
        "street_reports_update_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["street_reports_delivery.id"],
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["street_reports_update.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("update_id", "delivery_id"),
    )
    with op.batch_alter_table("street_reports_update_delivery", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_street_reports_update_delivery_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_street_reports_update_delivery_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_update_delivery_update_id"), ["update_id"], unique=False)

    with op.batch_alter_table("street_reports_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("show_name", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("anonymous", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("private", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("hidden", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("reporter_updates", sa.Boolean(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("answers", sa.JSON(), server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("location_text", sa.String(length=200), server_default="", nullable=False))
        batch_op.add_column(sa.Column("used_map", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("source", sa.String(length=40), server_default="web", nullable=False))
        batch_op.add_column(sa.Column("token", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f("ix_street_reports_report_status"))
        batch_op.create_index(batch_op.f("ix_street_reports_report_confirmed_at"), ["confirmed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_reports_report_email"), ["email"], unique=False)
        batch_op.create_index("ix_street_reports_report_status_lon_lat", ["status", "lon", "lat"], unique=False)
        batch_op.create_unique_constraint("uq_street_reports_report_token", ["token"])


def downgrade() -> None:
    with op.batch_alter_table("street_reports_update_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_update_delivery_update_id"))
        batch_op.drop_index(batch_op.f("ix_street_reports_update_delivery_state"))
        batch_op.drop_index(batch_op.f("ix_street_reports_update_delivery_next_attempt_at"))

    op.drop_table("street_reports_update_delivery")
    with op.batch_alter_table("street_reports_moderation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_moderation_report_id"))

    op.drop_table("street_reports_moderation")
    with op.batch_alter_table("street_reports_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_photo_update_id"))
        batch_op.drop_index(batch_op.f("ix_street_reports_photo_report_id"))

    op.drop_table("street_reports_photo")
    with op.batch_alter_table("street_reports_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_delivery_state"))
        batch_op.drop_index(batch_op.f("ix_street_reports_delivery_report_id"))
        batch_op.drop_index(batch_op.f("ix_street_reports_delivery_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_street_reports_delivery_external_id"))

    op.drop_table("street_reports_delivery")
    with op.batch_alter_table("street_reports_update", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_update_report_id"))

    op.drop_table("street_reports_update")
    # Rebuilt (SQLite batch mode) only once no table refers to it: dropping the old copy of a table
    # that others still refer to fails, or cascades.
    with op.batch_alter_table("street_reports_report", schema=None) as batch_op:
        batch_op.drop_constraint("uq_street_reports_report_token", type_="unique")
        batch_op.drop_index("ix_street_reports_report_status_lon_lat")
        batch_op.drop_index(batch_op.f("ix_street_reports_report_email"))
        batch_op.drop_index(batch_op.f("ix_street_reports_report_confirmed_at"))
        batch_op.create_index(batch_op.f("ix_street_reports_report_status"), ["status"], unique=False)
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("token")
        batch_op.drop_column("source")
        batch_op.drop_column("used_map")
        batch_op.drop_column("location_text")
        batch_op.drop_column("answers")
        batch_op.drop_column("reporter_updates")
        batch_op.drop_column("hidden")
        batch_op.drop_column("private")
        batch_op.drop_column("anonymous")
        batch_op.drop_column("show_name")
        batch_op.drop_column("phone")
        batch_op.drop_column("email")
        batch_op.drop_column("name")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("responded_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("confirmed_at")
    with op.batch_alter_table("street_reports_category", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_category_service_code"))
        batch_op.drop_index(batch_op.f("ix_street_reports_category_body_id"))

    op.drop_table("street_reports_category")
    with op.batch_alter_table("street_reports_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_area_body_id"))

    op.drop_table("street_reports_area")
    with op.batch_alter_table("street_reports_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_submission_created_at"))
        batch_op.drop_index(batch_op.f("ix_street_reports_submission_client"))

    op.drop_table("street_reports_submission")
    op.drop_table("street_reports_response_template")
    with op.batch_alter_table("street_reports_place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_reports_place_name"))
        batch_op.drop_index(batch_op.f("ix_street_reports_place_min_lon"))

    op.drop_table("street_reports_place")
    op.drop_table("street_reports_body")
    op.drop_table("street_reports_abuser")
