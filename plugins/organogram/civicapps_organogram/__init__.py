"""civicapps-organogram: how a council or community organisation is structured, group by group.

This seed stores groups with their parent group and shows them as a tree; people, roles and
contact points build on it.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Blueprint, Flask, url_for

from civicapps import Link, Model, hookimpl
from civicapps_organogram.demo import load_sample
from civicapps_organogram.models import Group, Node, tree
from civicapps_organogram.web import bp


@hookimpl
def register_models() -> list[type[Model]]:
    return [Group]


@hookimpl
def register_migrations() -> Path:
    return Path(__file__).parent / "migrations"


@hookimpl
def register_blueprint(app: Flask) -> Blueprint:
    return bp


@hookimpl
def menu_links() -> list[Link]:
    return [
        Link(
            label="Community groups",
            href=url_for("organogram.index"),
            description="Find local groups, their committees and teams.",
        )
    ]


@hookimpl
def load_demo_data(app: Flask) -> None:
    load_sample()


@hookimpl
def register_commands(app: Flask) -> list[click.Command]:
    return [tree_command]


@click.command("tree")
def tree_command() -> None:
    """Print the groups as an indented tree."""
    roots = tree()
    if not roots:
        click.echo("No groups yet.")
    for root in roots:
        _echo(root, 0)


def _echo(node: Node, depth: int) -> None:
    click.echo(f"{'  ' * depth}{node.group.name} (#{node.group.id})")
    for child in node.children:
        _echo(child, depth + 1)
