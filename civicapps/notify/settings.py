"""The ``[plugins.notify]`` settings: channels, mail transport, egress, matching, delivery and limits."""
from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from pydantic import Field, SecretStr, field_validator, model_validator
from pyproj import CRS
from pyproj.exceptions import CRSError

from civicapps.notify.channels import KINDS
from civicapps.notify.egress import AllowEntry
from civicapps.settings import PluginSettings

#: What a deployment may enable: every kind but raw apprise URLs, which only staff may use.
CHANNEL_KINDS = tuple(name for name in KINDS if name != "apprise")
#: apprise schemes a deployment may use without thinking twice: vendor-hosted services, https webhooks,
#: mail and the operator's own ntfy/matrix. Plain-http schemes (json, form, xml) are off by default.
SAFE_SCHEMES = ["mailto", "mailtos", "ntfys", "tgram", "matrixs", "slack", "discord", "jsons"]
DEFAULT_CHANNELS = ("email", "ntfy", "slack", "discord", "webhook")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class NotifySettings(PluginSettings):
    """How this deployment sends alerts. Credentials are secrets: give them as {"$env": "NAME"}."""

    channels: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CHANNELS),
        description=f"channel kinds residents may choose, from {', '.join(CHANNEL_KINDS)}; email is offered first"
        " (by default only once mail_url is set, or in the dev inbox)",
    )
    mail_url: SecretStr | None = Field(
        default=None, description="apprise mailto:// or mailtos:// URL of the mail relay, with credentials and from="
    )
    ntfy_server: str = Field(default="https://ntfy.sh", description="ntfy server residents' topics live on")
    telegram_bot_token: SecretStr | None = Field(default=None, description="the council's Telegram bot token")
    matrix_url: SecretStr | None = Field(
        default=None, description="matrixs://user:password@homeserver of the council's bot"
    )
    allowed_schemes: list[str] = Field(
        default_factory=lambda: list(SAFE_SCHEMES), description="apprise schemes deliveries may use"
    )
    egress_allow: list[str] = Field(
        default_factory=list,
        description="non-public destinations deliveries may still reach: 10.0.0.5:25, 192.168.0.0/16, [::1]:8080",
    )
    send_timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="per-message send budget")
    max_attempts: int = Field(default=6, ge=1, le=30, description="tries before a message is marked failed")
    retry_after_seconds: int = Field(default=60, ge=1, description="first retry delay; doubles each time")
    sending_timeout_seconds: float = Field(
        default=30,
        ge=1,
        description="lease on claimed work: a live worker renews it three times as often; one not renewed this long"
        " is taken over by another worker (its worker died)",
    )
    batch_size: int = Field(default=50, ge=1, le=1000, description="messages a worker claims at once")
    crs: str = Field(default="EPSG:27700", description="metric CRS radius matching projects to")
    max_radius_m: int = Field(default=5000, ge=50, le=100_000, description="largest radius a resident may choose")
    max_polygon_points: int = Field(default=500, ge=4, description="most vertices in a drawn area")
    confirm_within_hours: int = Field(default=48, ge=1, description="unconfirmed subscriptions are deleted after this")
    timezone: str = Field(default="Europe/London", description="time zone of digest times")
    digest_hour: int = Field(default=7, ge=0, le=23, description="local hour daily and weekly digests go out")
    weekly_digest_day: str = Field(default="monday", description="day weekly digests go out")
    subscriptions_per_ip_per_hour: int = Field(default=10, ge=1)
    subscriptions_per_target_per_day: int = Field(default=5, ge=1)
    dev_inbox: bool = Field(default=False, description="deliver every message to /-/inbox on this host instead (demo)")

    @model_validator(mode="before")
    @classmethod
    def _default_channels(cls, data: Any) -> Any:
        """Email is what most residents choose. It needs the council's relay, except in the dev inbox
        (which receives every message itself), so by default it is offered once either is set up."""
        if isinstance(data, dict) and "channels" not in data:
            inbox = str(data.get("dev_inbox", "")).strip().lower() in ("1", "true", "yes", "on")
            if data.get("mail_url") is None and not inbox:
                data = {**data, "channels": [kind for kind in DEFAULT_CHANNELS if kind != "email"]}
        return data

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        unknown = [kind for kind in value if kind not in CHANNEL_KINDS]
        if unknown:
            raise ValueError(f"unknown channel kind(s) {', '.join(unknown)}; known: {', '.join(CHANNEL_KINDS)}")
        return value

    @field_validator("egress_allow")
    @classmethod
    def _allow_entries(cls, value: list[str]) -> list[str]:
        for entry in value:
            AllowEntry.parse(entry)  # ValueError names the entry and the expected form
        return value

    @field_validator("crs")
    @classmethod
    def _metric_crs(cls, value: str) -> str:
        try:
            crs = CRS.from_user_input(value)
        except CRSError:
            raise ValueError(f"{value!r} is not a coordinate reference system pyproj knows") from None
        if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
            raise ValueError(f"{value} is not a projected CRS in metres; radius matching needs one (e.g. EPSG:27700)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name such as Europe/London") from None
        return value

    @field_validator("weekly_digest_day")
    @classmethod
    def _weekday(cls, value: str) -> str:
        if value.lower() not in WEEKDAYS:
            raise ValueError(f"expected a day name, one of {', '.join(WEEKDAYS)}")
        return value.lower()

    @model_validator(mode="after")
    def _transports_configured(self) -> NotifySettings:
        needs = {"email": "mail_url", "telegram": "telegram_bot_token", "matrix": "matrix_url"}
        for kind, setting in needs.items():
            if kind == "email" and self.dev_inbox:
                continue
            if kind in self.channels and getattr(self, setting) is None:
                raise ValueError(f"channel '{kind}' is enabled but {setting} is not set")
        return self


def notify_settings(app: Flask) -> NotifySettings:
    return app.extensions["civicapps"].plugin_settings["notify"]
