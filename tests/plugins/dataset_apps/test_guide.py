"""docs/dataset-apps.md: the guide's TOML, put together, is an app that starts and is worded as the guide
says, and the startup error it quotes is the real one."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

from civicapps import StartupError, create_app, pull_feed

from .conftest import PLUGIN

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "dataset-apps.md"
CSV = (
    "Permit,Street,Works Description,Promoter,Category,Start Date,End Date,Easting,Northing\n"
    "RW-1,Clarence Street,Gas main renewal,Northern Gas,Major,{start},{end},460200,452400\n"
)


def guide_config() -> dict:
    blocks = re.findall(r"```toml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)
    return tomllib.loads("\n".join(blocks))


def test_the_guides_app_starts_and_reads_as_the_guide_says(civic_app_factory, civic_feed_server):
    today = dt.date.today()
    csv = CSV.format(start=today.strftime("%d/%m/%Y"), end=(today + dt.timedelta(days=9)).strftime("%d/%m/%Y"))
    config = guide_config()
    config["plugins"]["dataset_apps"]["apps"]["roadworks"]["feed"]["url"] = civic_feed_server.add("/rw.csv", csv)
    app = civic_app_factory(plugins=[PLUGIN], config=config)
    assert pull_feed(app, "roadworks").new == 1
    page = app.test_client().get("/dataset-apps/roadworks/").text
    assert "Gas main renewal on Clarence Street" in page
    assert (
        "https://roadworks.example.gov.uk/permits/RW-1" in app.test_client().get("/dataset-apps/roadworks/items/1").text
    )


def test_the_error_the_guide_quotes_is_the_real_one():
    config = guide_config()
    config["plugins"]["dataset_apps"]["apps"]["roadworks"]["show"]["title"] = (
        "{{ record.works }} on {{ record.strete }}"
    )
    quoted = re.search(r"```\n(Invalid configuration for plugin 'dataset_apps'.*?)\n```", GUIDE.read_text(), re.S)
    with pytest.raises(StartupError) as caught:
        create_app(config, plugins=[PLUGIN], load_entrypoints=False)
    assert str(caught.value) == quoted.group(1)
