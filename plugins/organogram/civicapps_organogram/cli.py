"""``civicapps organogram import|export|validate|tree``: organograms in and out from the shell.

A data.gov.uk organogram is two files; commands take any number of files and pair each senior CSV
with its junior CSV by recognising the header, so ``import *-senior.csv *-junior.csv`` just works.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
from sqlalchemy import select

from civicapps import CivicappsError, db_session
from civicapps_organogram.models import Group
from civicapps_organogram.openreferral import organization
from civicapps_organogram.orgcsv import export_pair, import_pair
from civicapps_organogram.orgformat import JUNIOR_HEADERS, Sheet, SheetError, kind_of, read_sheet
from civicapps_organogram.popolo import export_popolo, import_popolo
from civicapps_organogram.register import Node, tree
from civicapps_organogram.validation import validate

Pair = tuple[Path, Path | None]
FILES = click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))


def pair_files(files: tuple[Path, ...]) -> tuple[list[Pair], list[Path]]:
    """(senior, junior or None) pairs and the JSON files; a junior file is matched to the senior file
    whose name is its own with "junior" for "senior", or to the only senior file."""
    kinds: dict[str, list[Path]] = {"senior": [], "junior": [], "json": []}
    for path in files:
        if path.suffix.lower() == ".json":
            kinds["json"].append(path)
            continue
        kind = kind_of(path.read_text(encoding="utf-8-sig"))
        if kind is None:
            raise click.ClickException(
                f"{path}: not an organogram CSV (the first column must be titled "
                '"Post Unique Reference" or "Parent Department") nor a .json file.'
            )
        kinds[kind].append(path)
    juniors = set(kinds["junior"])
    pairs: list[Pair] = []
    for senior in kinds["senior"]:
        twin = senior.with_name(senior.name.replace("senior", "junior"))
        junior = (
            twin
            if twin in juniors
            else (next(iter(juniors)) if len(kinds["senior"]) == 1 and len(juniors) == 1 else None)
        )
        juniors.discard(junior)
        pairs.append((senior, junior))
    if juniors:
        raise click.ClickException(f"{sorted(juniors)[0]}: no senior CSV to go with this junior CSV.")
    return pairs, kinds["json"]


def read_pair(senior: Path, junior: Path | None) -> tuple[Sheet, Sheet, list[SheetError]]:
    senior_sheet = read_sheet(senior.read_text(encoding="utf-8-sig"), "senior")
    junior_text = junior.read_text(encoding="utf-8-sig") if junior else ",".join(JUNIOR_HEADERS)
    junior_sheet = read_sheet(junior_text, "junior")
    return senior_sheet, junior_sheet, validate(senior_sheet, junior_sheet)


@click.command("validate")
@FILES
def validate_command(files: tuple[Path, ...]) -> None:
    """Check data.gov.uk organogram CSVs without importing them; report every error."""
    pairs, _ = pair_files(files)
    total = 0
    for senior, junior in pairs:
        *_, errors = read_pair(senior, junior)
        for error in errors:
            click.echo(f"{junior if junior and error.sheet.endswith('junior-staff') else senior}: {error}")
        total += len(errors)
        if not errors:
            click.echo(f"{senior}{' + ' + str(junior) if junior else ''}: valid")
    if total:
        raise click.ClickException(f"{total} error{'s' if total != 1 else ''} found.")


@click.command("import")
@FILES
def import_command(files: tuple[Path, ...]) -> None:
    """Import organogram CSV pairs and Popolo JSON files; nothing is stored from a pair with errors."""
    pairs, documents = pair_files(files)
    for senior, junior in pairs:
        senior_sheet, junior_sheet, errors = read_pair(senior, junior)
        if errors:
            for error in errors:
                click.echo(f"{senior}: {error}", err=True)
            raise click.ClickException(f"{senior}: not imported, {len(errors)} error(s).")
        group = import_pair(senior_sheet, junior_sheet)
        counts = f"{len(senior_sheet.rows)} senior and {len(junior_sheet.rows)} junior rows"
        click.echo(f"{senior}: imported {counts} into {group.name} (#{group.id})")
    for path in documents:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise click.ClickException(f"{path}: not JSON ({exc}).") from None
        group = import_popolo(document)
        click.echo(f"{path}: imported {len(document.get('posts') or [])} posts into {group.name} (#{group.id})")


@click.command("export")
@click.argument("group_key", metavar="GROUP")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["popolo", "organogram-csv", "openreferral"]),
    default="popolo",
    show_default=True,
    help="Popolo JSON, the GOV.UK organogram CSV pair (senior and junior posts), or Open Referral JSON.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    help="File (JSON formats) or folder (CSV pair); default: standard output or the current folder.",
)
def export_command(group_key: str, format_: str, output: Path | None) -> None:
    """Export GROUP (its id or exact name) as public data: undisclosed names stay undisclosed."""
    group = find_group(group_key)
    if format_ == "organogram-csv":
        folder = output or Path(".")
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", group.name.lower()).strip("-") or f"group-{group.id}"
        for kind, text in zip(("senior", "junior"), export_pair(group), strict=True):
            path = folder / f"{slug}-{kind}.csv"
            path.write_text(text, encoding="utf-8")
            click.echo(str(path))
        return
    document = export_popolo(group) if format_ == "popolo" else {"organizations": [organization(group)]}
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def find_group(key: str) -> Group:
    """A group by id or exact name; raises CivicappsError when there is none, or several."""
    session = db_session()
    if key.isdigit() and (group := session.get(Group, int(key))) is not None:
        return group
    groups = list(session.scalars(select(Group).where(Group.name == key)))
    if len(groups) != 1:
        raise CivicappsError(
            f"No group has the id or name {key!r}." if not groups else f"Several groups are named {key!r}: give the id."
        )
    return groups[0]


@click.command("tree")
def tree_command() -> None:
    """Print the active groups as an indented tree."""
    roots = tree()
    if not roots:
        click.echo("No groups yet.")
    for root in roots:
        _echo(root, 0)


def _echo(node: Node, depth: int) -> None:
    click.echo(f"{'  ' * depth}{node.group.name} (#{node.group.id})")
    for child in node.children:
        _echo(child, depth + 1)


COMMANDS = [import_command, export_command, validate_command, tree_command]
