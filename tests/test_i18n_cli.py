"""``civicapps i18n extract|update|compile``: a plugin's catalogue from nothing to Welsh pages, and the
core's template catalogue in step with its code."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

from civicapps.catalogues import collect
from civicapps.i18n import CORE_DOMAIN, CORE_TRANSLATIONS, Catalogue
from civicapps.testing import CivicRunner

PLUGIN = '''
from pathlib import Path

from flask import Blueprint, render_template

from civicapps import _, hookimpl

bp = Blueprint("greeter", __name__, template_folder="templates")


@bp.get("/")
def hello():
    return render_template("greeter/hello.html", note=_("Made by volunteers"))


@hookimpl
def register_blueprint(app):
    return bp


@hookimpl
def register_translations():
    return Path(__file__).parent / "translations"
'''
TEMPLATE = (
    '{% extends "civicapps/base.html" %}{% block content %}'
    '<h1>{{ _("Hello neighbours") }}</h1><p>{{ note }}</p>'
    "<p>{% trans count=3 %}{{ count }} street{% pluralize %}{{ count }} streets{% endtrans %}</p>{% endblock %}"
)
WELSH = {"Hello neighbours": "Helo gymdogion", "Made by volunteers": "Gwnaed gan wirfoddolwyr"}


def greeter_package(root: Path, monkeypatch) -> object:
    package = root / "civicapps_greeter"
    (package / "templates/greeter").mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN)
    (package / "templates/greeter/hello.html").write_text(TEMPLATE)
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.delitem(sys.modules, "civicapps_greeter", raising=False)  # each test's own copy
    return importlib.import_module("civicapps_greeter")


def translate(po: Path) -> None:
    with po.open("rb") as fh:
        catalogue = read_po(fh, locale="cy")
    for message in catalogue:
        if isinstance(message.id, tuple):
            message.string = tuple("%(count)s stryd" for _ in range(catalogue.num_plurals))
        elif message.id:
            message.string = WELSH[message.id]
    with po.open("wb") as fh:
        write_po(fh, catalogue)


def test_a_plugin_catalogue_round_trip(civic_app_factory, tmp_path, monkeypatch):
    module = greeter_package(tmp_path / "src", monkeypatch)
    translations = tmp_path / "src/civicapps_greeter/translations"
    runner = CivicRunner(civic_app_factory(plugins=[("greeter", module)]))

    extracted = runner.invoke(["i18n", "extract", "--plugin", "greeter"])
    assert extracted.exit_code == 0, extracted.output
    assert extracted.output.startswith("3 strings from ")
    with (translations / "civicapps_greeter.pot").open("rb") as fh:
        assert {m.id for m in read_po(fh) if m.id} == {*WELSH, ("%(count)s street", "%(count)s streets")}

    started = runner.invoke(["i18n", "update", "--plugin", "greeter", "--locale", "cy"])
    po = translations / "cy/LC_MESSAGES/civicapps_greeter.po"
    assert started.exit_code == 0 and po.exists(), started.output
    untranslated = runner.invoke(["i18n", "compile", "--plugin", "greeter"])
    assert untranslated.output == "cy: 0 of 3 strings translated\n"
    translate(po)
    compiled = runner.invoke(["i18n", "compile", "--plugin", "greeter"])
    assert compiled.exit_code == 0 and compiled.output == "cy: 3 of 3 strings translated\n"
    assert po.with_suffix(".mo").exists()

    page = civic_app_factory(plugins=[("greeter", module)]).test_client().get("/greeter/?lang=cy").text
    assert "<h1>Helo gymdogion</h1><p>Gwnaed gan wirfoddolwyr</p><p>3 stryd</p>" in page
    assert '<nav aria-label="Iaith">' in page, "the core's strings are still translated alongside the plugin's"


def test_update_keeps_translations_and_takes_new_strings(civic_app_factory, tmp_path, monkeypatch):
    module = greeter_package(tmp_path / "src", monkeypatch)
    runner = CivicRunner(civic_app_factory(plugins=[("greeter", module)]))
    runner.invoke(["i18n", "extract", "--plugin", "greeter"])
    runner.invoke(["i18n", "update", "--plugin", "greeter", "--locale", "cy"])
    po = tmp_path / "src/civicapps_greeter/translations/cy/LC_MESSAGES/civicapps_greeter.po"
    translate(po)
    template = tmp_path / "src/civicapps_greeter/templates/greeter/hello.html"
    template.write_text(TEMPLATE.replace("{% endblock %}", '<p>{{ _("Bins go out on Monday") }}</p>{% endblock %}'))
    runner.invoke(["i18n", "extract", "--plugin", "greeter"])
    assert runner.invoke(["i18n", "update", "--plugin", "greeter"]).exit_code == 0
    with po.open("rb") as fh:
        catalogue = read_po(fh, locale="cy")
    assert catalogue["Hello neighbours"].string == "Helo gymdogion"
    assert catalogue["Bins go out on Monday"].string == ""


def test_compile_refuses_a_translation_that_breaks_its_placeholders(civic_app_factory, tmp_path, monkeypatch):
    module = greeter_package(tmp_path / "src", monkeypatch)
    runner = CivicRunner(civic_app_factory(plugins=[("greeter", module)]))
    runner.invoke(["i18n", "extract", "--plugin", "greeter"])
    runner.invoke(["i18n", "update", "--plugin", "greeter", "--locale", "cy"])
    po = tmp_path / "src/civicapps_greeter/translations/cy/LC_MESSAGES/civicapps_greeter.po"
    with po.open("rb") as fh:
        catalogue = read_po(fh, locale="cy")
    catalogue[("%(count)s street", "%(count)s streets")].string = tuple("%(nifer)s stryd" for _ in range(6))
    with po.open("wb") as fh:
        write_po(fh, catalogue)
    result = runner.invoke(["i18n", "compile", "--plugin", "greeter"])
    assert result.exit_code == 1 and "Translations with errors" in result.output and "nifer" in result.output
    assert not po.with_suffix(".mo").exists()


def test_commands_explain_what_is_missing(civic_app):
    runner = CivicRunner(civic_app)
    unknown = runner.invoke(["i18n", "extract", "--plugin", "nope"])
    assert unknown.exit_code == 1
    assert "Plugin 'nope' registers no translations (plugins with catalogues: core)" in unknown.output
    bad = runner.invoke(["i18n", "update", "--locale", "xx-nowhere"])  # refused before any file is touched
    assert bad.exit_code == 1 and "'xx-nowhere' is not a locale code Babel knows" in bad.output
    for command in ("extract", "update", "compile"):
        help_text = runner.invoke(["i18n", command, "--help"]).output
        assert "--plugin TEXT" in help_text and "entry-point name" in help_text
    assert all(name in runner.invoke(["i18n", "--help"]).output for name in ("extract", "update", "compile"))


def test_core_template_catalogue_lists_every_string_in_the_code():
    with (CORE_TRANSLATIONS / f"{CORE_DOMAIN}.pot").open("rb") as fh:
        committed = {message.id for message in read_po(fh) if message.id}
    found = {message.id for message in collect(Catalogue("core", CORE_DOMAIN, CORE_TRANSLATIONS)) if message.id}
    assert found == committed, "run `civicapps i18n extract`, `update` and translate the new strings"
