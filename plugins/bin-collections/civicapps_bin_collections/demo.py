"""Sample data for ``civicapps demo``: illustrative rounds for real York city centre postcodes.

Loaded through the core feeds machinery (the standard feeds' mappings), in order, from files that
ship inside the package (see ``data/README.md``); pulling again is an upsert, so the demo can run twice.
"""

from __future__ import annotations

from importlib import resources

from flask import Flask

from civicapps import Feed, PullResult
from civicapps_bin_collections.feeds import MAPPINGS, ORDER, pull_in_order

FEEDS = {
    ORDER[0]: ("bin-collections-demo-rounds", "york-demo-rounds.csv"),
    ORDER[1]: ("bin-collections-demo-addresses", "york-demo-addresses.csv"),
    ORDER[2]: ("bin-collections-demo-exceptions", "york-demo-exceptions.csv"),
}


def load(app: Flask) -> list[PullResult]:
    """Pull the three packaged files, rounds first (addresses and exceptions are checked against them)."""
    feeds = [
        Feed(
            name=name,
            dataset=dataset,
            url=str(resources.files(__package__).joinpath("data", filename)),
            format="csv",
            mapping=MAPPINGS[dataset],
            authority="City of York Council (illustrative)",
            enabled=False,  # pulled by the demo only
        )
        for dataset, (name, filename) in FEEDS.items()
    ]
    return pull_in_order(app, feeds)
