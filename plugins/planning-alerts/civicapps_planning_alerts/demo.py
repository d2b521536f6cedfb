"""Sample data for ``civicapps demo``: 50 rows of the Isle of Man Government's weekly planning lists.

The sample ships inside the package (``data/``) because a plugin must not read files outside itself.
Contains public sector information licensed under the Isle of Man Open Government Licence; see
``data/README.md`` for the source and the rows taken.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from importlib import resources

from civicapps_planning_alerts.models import ApplicationRecord

SAMPLE = "iom-planning-applications-sample.csv"


def sample_records() -> Iterator[ApplicationRecord]:
    """The sample as records; ``Details`` (proposal, address and postcode in one string) stays raw."""
    text = resources.files(__package__).joinpath("data", SAMPLE).read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        yield ApplicationRecord(
            authority=row["Local Authority"].strip(),
            reference=row["PA Ref"].strip(),
            description=row["Details"].strip(),
            received_date=datetime.strptime(row["Date"], "%d %b %Y").date(),
            info_url=row["URL"] or None,
        )
