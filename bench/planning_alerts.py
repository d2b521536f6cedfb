"""Planning alerts at national scale: 1,000,000 subscriptions, 2,000 new applications -> outbox.

Subscriptions (each 100 m to 2 km) and applications are spread over a GB-sized area, 85% clustered in
60 Zipf-weighted towns (the layout of bench/notify_matching.py, whose generators and PostGIS join are
reused here). The applications are real rows of the plugin's dataset and the match runs through the
core notify path the worker uses (``match_records``: the topic loads the applications, the STRtree
index matches, distances are computed for the messages, one outbox row per pair is written), so the
figures include everything but sending. Seconds for matching and for writing are reported apart,
and the same match is done by PostGIS in the same run for the ratio.

    python bench/planning_alerts.py                                      # SQLite only
    python bench/planning_alerts.py --postgis postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "plugins" / "planning-alerts"))

import civicapps_planning_alerts as planning_alerts  # noqa: E402
from civicapps_planning_alerts.models import DATASET, Application  # noqa: E402
from notify_matching import RADII, TO_LONLAT, points, postgis_matching, towns  # noqa: E402
from notify_setup import add_active_subscriptions  # noqa: E402

from civicapps import create_app  # noqa: E402
from civicapps.db import db_session  # noqa: E402
from civicapps.migrations import upgrade  # noqa: E402
from civicapps.notify import matching  # noqa: E402
from civicapps.notify.models import OutboxRow  # noqa: E402
from civicapps.notify.spatial import transformer  # noqa: E402
from civicapps.notify.topics import topics_of  # noqa: E402

TOPIC = "planning_alerts.near"


def add_applications(lon: np.ndarray, lat: np.ndarray) -> list[int]:
    now = datetime.now(UTC)
    rows = [
        {
            "authority": "Bench Council",
            "reference": f"B/{n:05d}",
            "description": "Rear extension and loft conversion",
            "address": f"{n} Bench Street",
            "content_hash": f"{n:040d}",
            "version": 1,
            "first_seen_at": now,
            "last_changed_at": now,
            "source_feed": "bench",
            "longitude": float(x),
            "latitude": float(y),
        }
        for n, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]
    session = db_session()
    session.execute(insert(Application), rows)
    session.commit()
    return list(session.scalars(select(Application.id).order_by(Application.id)))


def civicapps_run(
    lon: np.ndarray, lat: np.ndarray, radius: np.ndarray, item_lon: np.ndarray, item_lat: np.ndarray
) -> dict[str, float]:
    """Matching (cold and warm index) and writing the outbox, through the worker's own code."""
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "instance_path": instance,
                "secret_key": "bench",
                "queue_url": "immediate:",
                "base_url": "https://alerts.example.gov.uk",
            },
            plugins=[("planning_alerts", planning_alerts)],
            load_entrypoints=False,
        )
        figures: dict[str, float] = {}
        with app.app_context():
            upgrade(app)
            session = db_session()
            add_active_subscriptions(session, TOPIC, ["https://x.example/hook"] * len(lon), lon, lat, radius)
            ids = add_applications(item_lon, item_lat)
            topic = topics_of(app)[TOPIC]
            with app.test_request_context():
                start = time.perf_counter()
                items = list(topic.load(app, ids))
                figures["load the applications as items"] = time.perf_counter() - start
                start = time.perf_counter()
                pairs = matching._pairs(app, TOPIC, topic, items)
                figures["match, cold index (read all, project, STRtree)"] = time.perf_counter() - start
                start = time.perf_counter()
                pairs = matching._pairs(app, TOPIC, topic, items)
                figures["match, warm index"] = time.perf_counter() - start
                start = time.perf_counter()
                matching._filtered(TOPIC, topic, pairs)
                matching._distances(TOPIC, pairs)
                figures["filters and distances for the messages"] = time.perf_counter() - start
                figures["pairs"] = len(pairs)
                written: dict[str, float] = {"seconds": 0.0}
                add_rows = matching.add_rows

                def timed_add_rows(*args: Any) -> None:
                    begun = time.perf_counter()
                    add_rows(*args)
                    db_session().commit()
                    written["seconds"] += time.perf_counter() - begun

                matching.add_rows = timed_add_rows
                try:
                    start = time.perf_counter()
                    matching.match_records(app, DATASET, ids, [])
                    total = time.perf_counter() - start
                finally:
                    matching.add_rows = add_rows
                figures["writing the outbox rows (insert + commit)"] = written["seconds"]
                figures["match_records end to end (warm index)"] = total
                figures["outbox rows"] = session.scalar(select(func.count()).select_from(OutboxRow))
        app.extensions["civicapps"].db.dispose()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1_000_000)
    parser.add_argument("--applications", type=int, default=2_000)
    parser.add_argument("--postgis", help="PostgreSQL server URL with PostGIS available")
    args = parser.parse_args()
    rng = np.random.default_rng(27700)
    centres = towns(rng)
    x, y = points(args.subscriptions, centres, rng)
    radius = rng.choice(RADII, args.subscriptions)
    ix, iy = points(args.applications, centres, rng)
    lon, lat = TO_LONLAT.transform(x, y)
    item_lon, item_lat = TO_LONLAT.transform(ix, iy)
    print(f"{args.subscriptions:,} subscriptions in towns (radius 100 m-2 km), {args.applications:,} new applications")
    ours = civicapps_run(lon, lat, radius, item_lon, item_lat)
    for label, value in ours.items():
        shown = f"{int(value):>12,}" if label in ("pairs", "outbox rows") else f"{value:12.3f}"
        print(f"  civicapps {label:48s} {shown}")
    if not args.postgis:
        print("  PostGIS: not run (pass --postgis URL)")
        return
    px, py = transformer("EPSG:27700").transform(lon, lat)
    pix, piy = transformer("EPSG:27700").transform(item_lon, item_lat)
    theirs = postgis_matching(args.postgis, px, py, radius, pix, piy)
    for label, value in theirs.items():
        shown = f"{int(value):>12,}" if "pairs" in label else f"{value:12.3f}"
        print(f"  PostGIS   {label:48s} {shown}")
    join = theirs["ST_DWithin join (GiST on g)"]
    warm = ours["match, warm index"] + ours["filters and distances for the messages"]
    cold = ours["match, cold index (read all, project, STRtree)"] + ours["filters and distances for the messages"]
    print(f"  PostGIS ST_DWithin join / civicapps matching: warm {join / warm:.2f}x, cold {join / cold:.2f}x")


if __name__ == "__main__":
    main()
