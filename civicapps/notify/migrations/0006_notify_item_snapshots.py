"""Each alerted item's snapshot is stored once (notify_item), not copied into every outbox row.

One planning application in a dense town matches tens of thousands of subscriptions; its title,
link, summary and details were written as JSON into each of their outbox rows, which made writing
the outbox most of the cost of matching at national scale. An alert's outbox row now refers to the
item (``item_id``) and keeps only what differs per subscriber (``distance_m``).

Upgrade moves the item out of the payload of existing alert rows, so rows queued before it are sent
as before; downgrade writes it back. Each index is one more write per outbox row, so the index on
subscription_id goes (the unique key (subscription_id, item_key, kind) serves every lookup by
subscription) and the one on claim keeps only claimed rows (the only ones looked up by claim).

Revision ID: notify_0006
Revises: notify_0005
Create Date: 2026-12-06
"""

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "notify_0006"
down_revision = "notify_0005"
branch_labels = None
depends_on = None

BATCH = 5_000
CLAIMED = sa.text("claim IS NOT NULL")
outbox = sa.table(
    "notify_outbox",
    sa.column("id", sa.Integer),
    sa.column("item_key", sa.String),
    sa.column("kind", sa.String),
    sa.column("payload", sa.Text),
    sa.column("item_id", sa.Integer),
    sa.column("distance_m", sa.Integer),
)


def upgrade() -> None:
    item = op.create_table(
        "notify_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("topic", sa.String(120), nullable=False),
        sa.Column("item_key", sa.String(200), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("topic", "item_key", "version", name="notify_item_once"),
    )
    with op.batch_alter_table("notify_outbox") as batch:
        batch.add_column(sa.Column("item_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("distance_m", sa.Integer(), nullable=True))
        batch.drop_index("ix_notify_outbox_subscription_id")
        batch.drop_index("ix_notify_outbox_claim")
        batch.create_index("ix_notify_outbox_claim", ["claim"], sqlite_where=CLAIMED, postgresql_where=CLAIMED)
    _move_items_out(op.get_bind(), item)


def _move_items_out(connection: sa.Connection, item: sa.Table) -> None:
    """Store each alert row's item once and point the row at it."""
    snapshots: dict[tuple[str, str, str], int] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(outbox.c.id, outbox.c.item_key, outbox.c.kind, outbox.c.payload)
            .where(outbox.c.id > last, outbox.c.payload.like('%"item"%'))
            .order_by(outbox.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        moved = []
        for row in rows:
            payload = json.loads(row.payload)
            if not isinstance(payload.get("item"), dict) or "topic" not in payload:
                continue  # not an alert (a direct message whose text mentions "item")
            shown = dict(payload["item"])
            distance = shown.pop("distance_m", None)
            # Alert keys are "<id>" for new items and "<id>@<version>" for changed ones.
            key, _, version = row.item_key.rpartition("@") if row.kind == "changed" else (row.item_key, "", "")
            identity = (payload["topic"], key, version)
            if identity not in snapshots:
                stored = {"topic": payload["topic"], "topic_title": payload.get("topic_title"), "item": shown}
                snapshots[identity] = connection.execute(
                    sa.insert(item)
                    .values(
                        topic=identity[0],
                        item_key=key,
                        version=version,
                        payload=json.dumps(stored),
                        created_at=datetime.now(UTC),
                    )
                    .returning(item.c.id)
                ).scalar_one()
            moved.append({"b_id": row.id, "b_item": snapshots[identity], "b_distance": distance})
        if moved:
            connection.execute(
                sa.update(outbox)
                .where(outbox.c.id == sa.bindparam("b_id"))
                .values(item_id=sa.bindparam("b_item"), distance_m=sa.bindparam("b_distance"), payload="{}"),
                moved,
            )


def downgrade() -> None:
    item = sa.table("notify_item", sa.column("id", sa.Integer), sa.column("payload", sa.Text))
    connection = op.get_bind()
    payloads: dict[int, dict[str, Any]] = {}
    last = 0
    while True:
        rows = connection.execute(
            sa.select(outbox.c.id, outbox.c.item_id, outbox.c.distance_m)
            .where(outbox.c.id > last, outbox.c.item_id.is_not(None))
            .order_by(outbox.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        restored = []
        for row in rows:
            if row.item_id not in payloads:
                text = connection.scalar(sa.select(item.c.payload).where(item.c.id == row.item_id))
                payloads[row.item_id] = json.loads(str(text))
            payload = payloads[row.item_id]
            if row.distance_m is not None:
                payload = {**payload, "item": {**payload["item"], "distance_m": row.distance_m}}
            restored.append({"b_id": row.id, "b_payload": json.dumps(payload)})
        connection.execute(
            sa.update(outbox).where(outbox.c.id == sa.bindparam("b_id")).values(payload=sa.bindparam("b_payload")),
            restored,
        )
    with op.batch_alter_table("notify_outbox") as batch:
        batch.create_index("ix_notify_outbox_subscription_id", ["subscription_id"])
        batch.drop_index("ix_notify_outbox_claim")
        batch.create_index("ix_notify_outbox_claim", ["claim"])
        batch.drop_column("distance_m")
        batch.drop_column("item_id")
    op.drop_table("notify_item")
