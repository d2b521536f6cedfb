"""Keep a package's gettext catalogues in step with its code and templates (``civicapps i18n``).

The same three steps as ``pybabel extract|update|compile``, for the core or one plugin named by
``--plugin``, with the core's mapping (``civicapps/babel.cfg``: Python files and Jinja templates) and
the keywords civicapps code uses, so nobody has to remember pybabel's options. The compiled ``.mo``
files are committed next to their ``.po`` files: they ship in the wheel as package data, with no
build step for an installer to run.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import current_app

from civicapps.errors import CivicappsError
from civicapps.i18n import Catalogue, catalogues

MAPPING = Path(__file__).parent / "babel.cfg"
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
#: Comments starting with this, just above a translatable string, reach the translator.
COMMENT_TAGS = ("Translators:",)
WIDTH = 120


def find_catalogue(plugin: str) -> Catalogue:
    """The catalogue plugin ``plugin`` registered (``core``: the core's own)."""
    found = {catalogue.plugin: catalogue for catalogue in catalogues(current_app.extensions["civicapps"].registry)}
    if plugin not in found:
        raise CivicappsError(
            f"Plugin '{plugin}' registers no translations (plugins with catalogues: {', '.join(sorted(found))}); "
            "implement the register_translations hook (docs/plugins.md)."
        )
    return found[plugin]


def template_path(catalogue: Catalogue) -> Path:
    return catalogue.directory / f"{catalogue.domain}.pot"


def po_files(catalogue: Catalogue) -> list[Path]:
    return sorted(catalogue.directory.glob(f"*/LC_MESSAGES/{catalogue.domain}.po"))


def collect(catalogue: Catalogue, version: str | None = None) -> Catalog:
    """Every translatable string in the package's Python code and templates, as a template catalogue."""
    with MAPPING.open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    template = Catalog(
        project=catalogue.domain, version=version or "", domain=catalogue.domain, charset="utf-8",
        copyright_holder=f"the authors of {catalogue.domain}",
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(catalogue.source_directory), method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        template.add(message, None, [(Path(filename).as_posix(), lineno)], auto_comments=comments, context=context)
    return template


def extract(catalogue: Catalogue, version: str | None = None) -> int:
    """Write ``<domain>.pot`` with every translatable string of the package; returns how many."""
    template = collect(catalogue, version)
    catalogue.directory.mkdir(parents=True, exist_ok=True)
    with template_path(catalogue).open("wb") as fh:
        write_po(fh, template, width=WIDTH, sort_output=True)
    return len(template)


def update(catalogue: Catalogue, new_locale: str | None = None) -> list[Path]:
    """Merge the template into every ``.po`` file (and start one for ``new_locale``); returns them."""
    pot = template_path(catalogue)
    if not pot.exists():
        raise CivicappsError(f"{pot} does not exist; run `civicapps i18n extract` first.")
    with pot.open("rb") as fh:
        template = read_po(fh)
    if new_locale:
        try:
            Locale.parse(new_locale)
        except (ValueError, UnknownLocaleError):
            raise CivicappsError(f"{new_locale!r} is not a locale code Babel knows (e.g. cy, gd, ga).") from None
        po = catalogue.directory / new_locale / "LC_MESSAGES" / f"{catalogue.domain}.po"
        if not po.exists():
            with pot.open("rb") as fh:
                started = read_po(fh, locale=new_locale, domain=catalogue.domain)
            started.revision_date = datetime.now(UTC)
            started.fuzzy = False
            po.parent.mkdir(parents=True, exist_ok=True)
            with po.open("wb") as fh:
                write_po(fh, started, width=WIDTH)
    updated = po_files(catalogue)
    for po in updated:
        with po.open("rb") as fh:
            translations = read_po(fh, locale=po.parent.parent.name, domain=catalogue.domain)
        translations.update(template)
        with po.open("wb") as fh:
            write_po(fh, translations, width=WIDTH, ignore_obsolete=True)
    return updated


def compile_catalogues(catalogue: Catalogue) -> dict[str, tuple[int, int]]:
    """Write the ``.mo`` file of every ``.po`` file; returns locale -> (translated, total).

    Fuzzy translations are left out (they are guesses waiting for a translator). A translation whose
    placeholders do not match its English stops the command before anything is written.
    """
    read = []
    problems = []
    for po in po_files(catalogue):
        with po.open("rb") as fh:
            translations = read_po(fh, locale=po.parent.parent.name, domain=catalogue.domain)
        for message, errors in translations.check():
            problems += [f"{po}:{message.lineno}: {error}" for error in errors]
        read.append((po, translations))
    if problems:
        raise CivicappsError("Translations with errors:\n" + "\n".join(problems))
    counts = {}
    for po, translations in read:
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, translations)
        messages = [message for message in translations if message.id]
        done = sum(1 for message in messages if message.string and not message.fuzzy and all(_filled(message.string)))
        counts[po.parent.parent.name] = (done, len(messages))
    return counts


def _filled(string: str | tuple[str, ...]) -> list[bool]:
    return [bool(part) for part in (string if isinstance(string, tuple) else (string,))]
