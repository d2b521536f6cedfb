"""The one table every configured app's records live in: ``dataset_apps_item``.

An app's fields are chosen in configuration, not in a table, so each record keeps them as one JSON
object's text (``record``, filled by the core mapping's ``object`` spec). The core's provenance
columns do the rest: ``authority`` is the app's name (so two apps' references never collide),
``first_seen_at`` drives "new" alerts and ``version`` counts real changes.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Dataset, Model, Record


class Item(Model, Record):
    """A record of a configured app."""

    __tablename__ = "dataset_apps_item"

    record: Mapped[str] = mapped_column(Text)

    @property
    def app(self) -> str:
        return self.authority

    @property
    def fields(self) -> dict[str, Any]:
        value = json.loads(self.record)
        return value if isinstance(value, dict) else {}


#: Every list is one app's records, newest first.
Index("ix_dataset_apps_item_first_seen_at", Item.authority, Item.first_seen_at)

ITEMS = Dataset("item", Item, "Records of the apps configured in [plugins.dataset_apps.apps]")
DATASET = "dataset_apps.item"
