"""A notice board: the smallest complete civicapps plugin (one setting, one table, one page, one command)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

import click
from flask import Blueprint, Flask, render_template, url_for
from pydantic import Field
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from civicapps import Link, Model, PluginSettings, UTCDateTime, db_session, hookimpl, plugin_settings, utcnow

bp = Blueprint("notice_board", __name__, template_folder="templates")


class Settings(PluginSettings):
    max_notices: int = Field(10, ge=1, le=100, description="how many notices the page shows")


class Notice(Model):
    __tablename__ = "notice_board_notice"  # every table starts with the plugin's name

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@bp.get("/")
def index() -> str:
    limit = cast(Settings, plugin_settings("notice_board")).max_notices
    notices = db_session().scalars(select(Notice).order_by(Notice.posted_at.desc(), Notice.id.desc()).limit(limit))
    return render_template("notice_board/index.html", title="Notice board", notices=list(notices))


@click.command()
@click.argument("text")
def post(text: str) -> None:
    """Pin a notice to the board."""
    if not 0 < len(text.strip()) <= 500:
        raise click.ClickException("A notice needs between 1 and 500 characters of text.")
    db_session().add(Notice(text=text.strip()))
    db_session().commit()
    click.echo("Posted.")


@hookimpl
def register_settings() -> type[Settings]:
    return Settings


@hookimpl
def register_models() -> list[type[Model]]:
    return [Notice]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return [post]


@hookimpl
def menu_links() -> list[Link]:
    return [Link("Notice board", url_for("notice_board.index"), "Notices from your community.")]
