"""The core's "feeds" plugin: feed settings, state tables, the built-in readers and ``/-/feeds``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, render_template
from pydantic import Field, field_validator

from civicapps.auth import Actor, staff_required
from civicapps.clock import utcnow
from civicapps.feeds.fetch import FetchSettings
from civicapps.feeds.models import FeedState, RecordVersion
from civicapps.feeds.readers import Reader
from civicapps.feeds.readers.api_readers import ArcGisReader, CkanReader, SocrataReader
from civicapps.feeds.readers.csv_reader import CsvReader
from civicapps.feeds.readers.feed_reader import FeedReader
from civicapps.feeds.readers.json_reader import GeoJsonReader, JsonReader
from civicapps.feeds.registry import parse_duration
from civicapps.feeds.schedule import pull_due_feeds, statuses
from civicapps.http import user_agent
from civicapps.i18n import gettext
from civicapps.jobs import Job
from civicapps.plugins import hookimpl
from civicapps.settings import PluginSettings
from civicapps.web.links import Link

bp = Blueprint("feeds", __name__)


class FeedsSettings(PluginSettings):
    """``[plugins.feeds]``: how the host fetches (the feeds themselves are ``[feeds.<name>]`` tables)."""

    user_agent: str | None = Field(
        default=None, description="default: civicapps/<version> (<council>; +<base_url or council website>)"
    )
    timeout_seconds: float = Field(default=30.0, gt=0, description="connect and read timeout per request")
    max_seconds: float = Field(
        default=600.0, gt=0, description="longest one fetch may take (connect to last byte, retries included)"
    )
    max_mb: float = Field(default=200.0, gt=0, description="largest response accepted, in megabytes")
    retries: int = Field(default=3, ge=0, le=10, description="retries after a 5xx, 429, timeout or cut-short download")
    backoff_seconds: float = Field(default=1.0, ge=0, description="first retry wait; doubles each retry")
    failing_after: timedelta = Field(
        default=timedelta(days=2), description="flag a feed to staff after failing this long"
    )

    @field_validator("failing_after", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value)

    def user_agent_for(self, app: Flask) -> str:
        """``user_agent`` if set, else the host's one User-Agent (:func:`civicapps.http.user_agent`), so a
        feed pull names the council exactly as every other request the host makes does."""
        return self.user_agent or user_agent(app)

    def fetch_settings(self, app: Flask) -> FetchSettings:
        return FetchSettings(
            user_agent=self.user_agent_for(app),
            timeout=self.timeout_seconds,
            max_seconds=self.max_seconds,
            max_bytes=int(self.max_mb * 1024 * 1024),
            retries=self.retries,
            backoff=self.backoff_seconds,
        )


@hookimpl
def register_settings() -> type[PluginSettings]:
    return FeedsSettings


@hookimpl
def register_models() -> list[type]:
    return [FeedState, RecordVersion]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).with_name("migrations")


@hookimpl
def register_readers() -> list[Reader]:
    return [CsvReader(), JsonReader(), GeoJsonReader(), FeedReader(), ArcGisReader(), CkanReader(), SocrataReader()]


@hookimpl
def register_jobs(app: Flask) -> list[Job]:
    # Every five minutes the one scheduling worker pulls whichever feeds are due by their interval.
    return [Job("pull_due", lambda app: pull_due_feeds(app), cron="*/5 * * * *", description="pull feeds that are due")]


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def menu_links(app: Flask, actor: Actor | None) -> list[Link]:
    if actor is None:
        return []
    return [Link(gettext("Data feeds"), "/-/feeds", gettext("How each open-data feed is doing"))]


@bp.get("/-/feeds")
@staff_required
def feeds_page() -> str:
    """Staff overview: every feed's last success and error, counts, staleness, and which need attention."""
    rows = statuses(current_app, utcnow())
    return render_template(
        "civicapps/feeds.html", title=gettext("Data feeds"), feeds=rows, flagged=[s for s in rows if s.flagged]
    )
