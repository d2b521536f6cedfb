"""No template shows a person words that bypass the translation: every visible string is in ``_()`` or
``{% trans %}``.

Each template is read with Jinja's own lexer: the text between tags (outside ``{% trans %}`` blocks)
and the attributes a person reads or hears (``alt``, ``title``, ``aria-label``, ``placeholder``) must
hold no words once HTML tags, entities and punctuation are taken out. Words that are the same in every
language (proper names, file names, code) go in ``UNTRANSLATED_WORDS``.

For now this runs on the core's templates only (``TEMPLATE_DIRS``); a plugin's template folder joins
the list once its strings are wrapped.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    ROOT / "civicapps/web/templates",
    ROOT / "civicapps/notify/templates",
    ROOT / "plugins/organogram/civicapps_organogram/templates",
    ROOT / "plugins/bin-collections/civicapps_bin_collections/templates",
    ROOT / "plugins/planning-alerts/civicapps_planning_alerts/templates",
    ROOT / "plugins/street-reports/civicapps_street_reports/templates",
    ROOT / "plugins/dataset-apps/civicapps_dataset_apps/templates",
]
TEMPLATE_SUFFIXES = {".html", ".txt", ".md"}
#: Templates known to hold untranslated text, and why; each is a strict xfail, so it must leave this
#: list the day it is fixed.
PENDING: dict[str, str] = {}
UNTRANSLATED_WORDS = {"civicapps", "ntfy", "apprise"}
VISIBLE_ATTRIBUTES = re.compile(r"""\b(?:alt|title|aria-label|placeholder)\s*=\s*(["'])(.*?)\1""", re.S)
EXPRESSION = "\x00"


def templates() -> list[pytest.param]:
    found = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*")):
            if path.suffix in TEMPLATE_SUFFIXES:
                name = path.relative_to(directory).as_posix()
                marks = [pytest.mark.xfail(reason=PENDING[name], strict=True)] if name in PENDING else []
                found.append(pytest.param(path, id=name, marks=marks))
    return found


def untranslated_text(source: str, env: jinja2.Environment) -> list[str]:
    """The words a person would read in ``source`` that no ``_()``/``{% trans %}`` covers."""
    outside: list[str] = []
    in_trans = False
    previous = None
    for _, token, value in env.lex(source):
        if token == "name" and previous == "block_begin" and value in ("trans", "endtrans"):
            in_trans = value == "trans"
        if token == "data" and not in_trans:
            outside.append(value)
        elif not outside or outside[-1] != EXPRESSION:
            outside.append(EXPRESSION)  # a tag or expression: never joins the words either side
        if token not in ("whitespace",):
            previous = token
    text = "".join(outside)
    visible = [match.group(2) for match in VISIBLE_ATTRIBUTES.finditer(text)]
    text = re.sub(r"<(script|style)\b.*?</\1>|<!--.*?-->|<[^>]*>", EXPRESSION, text, flags=re.S | re.I)
    words = []
    for chunk in [*visible, *text.split(EXPRESSION)]:
        for word in re.findall(r"[^\W\d_]{2,}", html.unescape(chunk)):
            if word.lower() not in UNTRANSLATED_WORDS:
                words.append(word)
    return words


@pytest.fixture(scope="module")
def env() -> jinja2.Environment:
    return jinja2.Environment(extensions=["jinja2.ext.i18n"])


@pytest.mark.parametrize("path", templates())
def test_template_has_no_untranslated_text(path: Path, env: jinja2.Environment):
    words = untranslated_text(path.read_text(encoding="utf-8"), env)
    assert not words, f"{path.relative_to(ROOT)}: wrap in _() or {{% trans %}}: {' '.join(words)}"


def test_the_check_finds_text_outside_translation(env: jinja2.Environment):
    assert untranslated_text('<p class="x">Hello <a href="{{ u }}">there</a></p>', env) == ["Hello", "there"]
    assert untranslated_text('<img alt="Council logo" src="{{ s }}">', env) == ["Council", "logo"]
    assert untranslated_text("{{ n.items|length }} new: {{ t }}", env) == ["new"]


def test_the_check_accepts_translated_text_markup_and_names(env: jinja2.Environment):
    source = (
        '<p class="body-l">{{ _("Hello") }} &ndash; {% trans n=1 %}{{ n }} apple{% pluralize %}{{ n }} apples'
        '{% endtrans %}</p>\n<code>civicapps</code> · {{ a }}: <a href="{{ u }}">{{ t }}</a>'
        "{# a comment #}<script>var x = 1;</script>"
    )
    assert untranslated_text(source, env) == []


def every_template_in_the_tree() -> list[Path]:
    """Core and plugin templates alike: a plugin's pages share the core's ``_``."""
    return sorted(
        path
        for pattern in ("civicapps/**/templates/**/*", "plugins/*/*/templates/**/*", "examples/*/*/templates/**/*")
        for path in ROOT.glob(pattern)
        if path.suffix in TEMPLATE_SUFFIXES
    )


def test_no_template_reassigns_the_translation_function() -> None:
    """``{% set _ = list.append(x) %}`` (a common Jinja idiom for a throwaway) replaces ``_`` with None for
    the rest of the template or macro, so the next ``_("...")`` fails with a 500 on that page only."""
    assigns = re.compile(r"{%-?\s*(?:set|for)\s+(?:\w+\s*,\s*)*_\s*(?:,|=|in\b)")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in every_template_in_the_tree()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if assigns.search(line)
    ]
    assert every_template_in_the_tree(), "no templates found: the glob patterns are wrong"
    assert not offenders, offenders
