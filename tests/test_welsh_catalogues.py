"""The six Welsh catalogues (the core's and each bundled plugin's) checked for what a completeness test
cannot see: a translation that drops or renames a placeholder, loses the markup of its msgid, says the
same English differently in two catalogues, or was left in English.

Each check returns a list of ``(catalogue, msgid, what is wrong)`` so a failure names every fault at
once; ``test_the_checks_report_each_kind_of_fault`` feeds them a small catalogue holding one of each.

Why a plural form may leave out the count: Flask-Babel's ``ngettext`` (and Jinja's new-style
``ngettext`` that ``{% trans count=… %}`` compiles to) does ``variables.setdefault("num", num)`` and
then ``translation % variables``. %-formatting with a mapping ignores keys the string does not use,
so a Welsh form that spells the number as a word ("un adroddiad", "dau adroddiad") renders fine,
whereas a name the English does not pass raises ``KeyError`` when the page renders. That is only
right where a form stands for exactly one number (Welsh has the forms zero, one, two, three and six,
read from the catalogue's own ``Plural-Forms``); the "other" form covers many numbers and must keep
the count. The count's name is ``num`` (Flask-Babel's) or ``count`` (this project's
``{% trans count=… %}``); every other placeholder must be kept in every form.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from civicapps.i18n import CORE_TRANSLATIONS

REPOSITORY = Path(__file__).resolve().parents[1]
WELSH_CATALOGUES = sorted(
    [
        *CORE_TRANSLATIONS.glob("cy/LC_MESSAGES/*.po"),
        *REPOSITORY.glob("plugins/*/civicapps_*/translations/cy/LC_MESSAGES/*.po"),
    ]
)

Fault = tuple[str, str, str]

#: %-placeholders: ``%(name)s`` or positional ``%s``/``%d``, with flags, width and precision; ``%%`` is a literal.
PERCENT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])")
BRACE = re.compile(r"\{(\w*)\}")
TAG = re.compile(r"</?[A-Za-z][^<>]*>")
#: The names a plural form may leave out where it stands for one number (see the module docstring).
COUNT_NAMES = frozenset({"num", "count"})

#: msgids whose Welsh is rightly the English: proper names, codes, and words Welsh writes the same way.
SAME_IN_WELSH: dict[str, str] = {
    "Beta": "the GOV.UK phase tag; GOV.UK's Welsh pages keep the name of the phase",
    "Bin": "'bin' is the Welsh word too (bin, biniau)",
    "Map: %(url)s": "'map' is the Welsh word too (map, mapiau)",
    "Problem": "'problem' is the Welsh word too (problem, problemau)",
    "Staff": "'staff' is the word Welsh uses (staff y cyngor)",
}

#: English translated differently in two catalogues on purpose (the contexts differ): msgid -> why.
#: Empty: where one English text needs two Welsh ones, give it a msgctxt instead, which the check respects.
DIFFERENT_ON_PURPOSE: dict[str, str] = {}


def load(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale="cy", domain=path.stem)


def entries(catalogue: Catalog) -> Iterator[Message]:
    """The messages to check: not the header, nor fuzzy ones (the completeness tests refuse those)."""
    return (message for message in catalogue if message.id and not message.fuzzy)


def ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)


def forms(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)


def shown(message: Message) -> str:
    return ids(message)[0] if message.context is None else f"{message.context}|{ids(message)[0]}"


def percent_placeholders(text: str) -> tuple[Counter[tuple[str, str]], int]:
    """Named placeholders with their conversion types, and the count of positional ones."""
    named: Counter[tuple[str, str]] = Counter()
    positional = 0
    for match in PERCENT.finditer(text):
        if match["type"] == "%":
            continue
        if match["name"] is None:
            positional += 1
        else:
            named[(match["name"], match["type"])] += 1
    return named, positional


def single_number_forms(catalogue: Catalog) -> frozenset[int]:
    """Indexes of the plural forms that stand for exactly one number under the catalogue's Plural-Forms."""
    rule = gettext.c2py(catalogue.plural_expr)
    hits = Counter(rule(n) for n in range(1000))
    return frozenset(index for index, count in hits.items() if count == 1)


def placeholder_faults(name: str, catalogue: Catalog) -> list[Fault]:
    """Placeholders of each form that differ from the msgid's (see the module docstring for plurals)."""
    faults: list[Fault] = []
    single = single_number_forms(catalogue)
    for message in entries(catalogue):
        english = [percent_placeholders(text) for text in ids(message)]
        wanted_named = set().union(*(set(named) for named, _ in english))
        wanted_positional = max(positional for _, positional in english)
        wanted_braces = set().union(*(set(BRACE.findall(text)) for text in ids(message)))
        for index, form in enumerate(forms(message)):
            named, positional = percent_placeholders(form)
            where = f"form {index}: " if isinstance(message.id, tuple) else ""
            one_number = isinstance(message.id, tuple) and index in single
            may_drop = {key for key in wanted_named if key[0] in COUNT_NAMES} if one_number else set()
            missing = wanted_named - set(named) - may_drop
            extra = set(named) - wanted_named
            if missing or extra:
                described = ", ".join(
                    [
                        *(f"missing %({n}){t}" for n, t in sorted(missing)),
                        *(f"unexpected %({n}){t}" for n, t in sorted(extra)),
                    ]
                )
                faults.append((name, shown(message), where + described))
            if positional != wanted_positional:
                faults.append(
                    (
                        name,
                        shown(message),
                        f"{where}{positional} positional placeholders, the English has {wanted_positional}",
                    )
                )
            braces = set(BRACE.findall(form))
            if braces != wanted_braces:
                faults.append(
                    (name, shown(message), f"{where}braces {sorted(braces)}, the English has {sorted(wanted_braces)}")
                )
    return faults


def tags(text: str) -> Counter[str]:
    return Counter(" ".join(tag.split()) for tag in TAG.findall(text))


def markup_faults(name: str, catalogue: Catalog) -> list[Fault]:
    """Forms whose HTML tags (with their attributes) are not the msgid's, in any order."""
    faults: list[Fault] = []
    for message in entries(catalogue):
        wanted = tags(ids(message)[-1])
        for index, form in enumerate(forms(message)):
            found = tags(form)
            if found != wanted:
                lost, added = sorted((wanted - found).elements()), sorted((found - wanted).elements())
                where = f"form {index}: " if isinstance(message.id, tuple) else ""
                faults.append((name, shown(message), f"{where}markup lost {lost}, added {added}"))
    return faults


def has_words(text: str) -> bool:
    """Whether any letters are left once placeholders and tags are taken out (else it is only a format)."""
    return any(char.isalpha() for char in BRACE.sub("", PERCENT.sub("", TAG.sub("", text))))


def english_left_faults(name: str, catalogue: Catalog) -> list[Fault]:
    """Translations that are the English itself, unless only a format or listed in ``SAME_IN_WELSH``."""
    return [
        (name, shown(message), "the translation is the English")
        for message in entries(catalogue)
        if ids(message)[0] not in SAME_IN_WELSH
        and any(form in ids(message) and has_words(form) for form in forms(message))
    ]


def drift_faults(catalogues: dict[str, Catalog]) -> list[Fault]:
    """The same English (and msgctxt) translated differently in two catalogues.

    Only the apostrophe is not compared: some catalogues write ’ and some ', a typographic choice
    each keeps throughout, not a difference of wording. Where two catalogues hold the same English
    the core's translation is the one shown (it is merged last, see civicapps.i18n), so a plugin's
    differing one is either dead or, on a page that mixes both, a second word for the same thing.
    """
    seen: dict[tuple[str | None, tuple[str, ...]], dict[tuple[str, ...], list[str]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for name, catalogue in catalogues.items():
        for message in entries(catalogue):
            seen[(message.context, ids(message))][tuple(form.replace("’", "'") for form in forms(message))].append(name)
    faults: list[Fault] = []
    for (context, english), translations in sorted(seen.items(), key=lambda item: (item[0][0] or "", item[0][1])):
        if len(translations) > 1 and english[0] not in DIFFERENT_ON_PURPOSE:
            described = "; ".join(f"{' / '.join(t)!r} in {', '.join(names)}" for t, names in translations.items())
            faults.append(
                (
                    ", ".join(sorted({n for names in translations.values() for n in names})),
                    english[0] if context is None else f"{context}|{english[0]}",
                    described,
                )
            )
    return faults


def each(check: Callable[[str, Catalog], list[Fault]], catalogues: dict[str, Catalog]) -> list[Fault]:
    """Every fault ``check`` finds in each catalogue, in one list so one failure shows them all."""
    return [fault for name, catalogue in catalogues.items() for fault in check(name, catalogue)]


@pytest.fixture(scope="module")
def welsh() -> dict[str, Catalog]:
    return {path.stem: load(path) for path in WELSH_CATALOGUES}


def test_the_six_catalogues_are_found(welsh: dict[str, Catalog]) -> None:
    assert {
        "civicapps",
        "civicapps_bin_collections",
        "civicapps_dataset_apps",
        "civicapps_organogram",
        "civicapps_planning_alerts",
        "civicapps_street_reports",
    } <= set(welsh)


def test_every_catalogue_is_complete_and_compiled(welsh: dict[str, Catalog]) -> None:
    """Every entry translated and not fuzzy, and the ``.mo`` the site reads holding exactly the ``.po``
    (a forgotten ``civicapps i18n compile`` would ship last week's Welsh)."""
    faults = []
    for path in WELSH_CATALOGUES:
        catalogue = welsh[path.stem]
        untranslated = [m for m in catalogue if m.id and (m.fuzzy or not all(forms(m)))]
        faults += [(path.stem, shown(m), "not translated") for m in untranslated]
        with path.with_suffix(".mo").open("rb") as fh:
            compiled = {(m.context, ids(m)): forms(m) for m in read_mo(fh) if m.id}
        source = {(m.context, ids(m)): forms(m) for m in entries(catalogue)}
        if compiled != source:
            faults.append((path.stem, "", "the .mo is not the compiled .po: run `civicapps i18n compile`"))
    assert faults == []


def test_every_translation_keeps_the_placeholders_of_its_english(welsh: dict[str, Catalog]) -> None:
    assert each(placeholder_faults, welsh) == []


def test_every_translation_keeps_the_markup_of_its_english(welsh: dict[str, Catalog]) -> None:
    assert each(markup_faults, welsh) == []


def test_no_translation_is_left_in_english(welsh: dict[str, Catalog]) -> None:
    assert each(english_left_faults, welsh) == []


def test_the_same_english_is_the_same_welsh_in_every_catalogue(welsh: dict[str, Catalog]) -> None:
    assert drift_faults(welsh) == []


def faulty_catalogue() -> Catalog:
    """One entry per kind of fault, each next to a look-alike that is fine."""
    catalogue = Catalog(locale="cy", domain="faulty")
    for english, welsh in [
        ("Hello %(name)s", "Helo"),  # a named placeholder dropped
        ("%(left)d left", "%(left)s ar ôl"),  # its conversion type changed
        ("%s and %s", "%s a"),  # a positional one dropped
        ("Hi {name}", "Helo {enw}"),  # a brace renamed
        ("Nearly %(n)s", "Bron %(n)s"),  # fine
        ('See <a class="govuk-link" href="/help">help</a>', 'Gweler <a href="/help">help</a>'),  # class lost
        ("<strong>Note</strong>: %(text)s", "Nodyn: %(text)s"),  # tag lost
        ('<a href="%(url)s">Read</a> this', 'hwn, <a href="%(url)s">Darllenwch</a>'),  # fine: order may change
        ("Report a problem", "Report a problem"),  # left in English
        ("Bin", "Bin"),  # fine: the same in Welsh (SAME_IN_WELSH)
        ("%(start)s – %(end)s", "%(start)s – %(end)s"),  # fine: only a format
    ]:
        catalogue.add(english, welsh)
    catalogue.add(  # the "other" form (index 5) must keep the count; the "one" form (1) may spell it out
        ("%(num)s report", "%(num)s reports"),
        (
            "%(num)s adroddiad",
            "Un adroddiad",
            "%(num)s adroddiad",
            "%(num)s adroddiad",
            "%(num)s adroddiad",
            "adroddiad",
        ),
    )
    catalogue.add(  # no form may drop a placeholder other than the count
        ("%(count)s report in %(street)s", "%(count)s reports in %(street)s"),
        ("%(count)s adroddiad yn %(street)s", "Un adroddiad", *["%(count)s adroddiad yn %(street)s"] * 4),
    )
    return catalogue


def test_the_checks_report_each_kind_of_fault() -> None:
    catalogue = faulty_catalogue()
    assert single_number_forms(catalogue) == {0, 1, 2, 3, 4}, "Welsh: zero, one, two, three and six; 5 is the rest"
    assert placeholder_faults("faulty", catalogue) == [
        ("faulty", "Hello %(name)s", "missing %(name)s"),
        ("faulty", "%(left)d left", "missing %(left)d, unexpected %(left)s"),
        ("faulty", "%s and %s", "1 positional placeholders, the English has 2"),
        ("faulty", "Hi {name}", "braces ['enw'], the English has ['name']"),
        ("faulty", "%(num)s report", "form 5: missing %(num)s"),
        ("faulty", "%(count)s report in %(street)s", "form 1: missing %(street)s"),
    ]
    assert markup_faults("faulty", catalogue) == [
        (
            "faulty",
            'See <a class="govuk-link" href="/help">help</a>',
            'markup lost [\'<a class="govuk-link" href="/help">\'], added [\'<a href="/help">\']',
        ),
        ("faulty", "<strong>Note</strong>: %(text)s", "markup lost ['</strong>', '<strong>'], added []"),
    ]
    assert english_left_faults("faulty", catalogue) == [
        ("faulty", "Report a problem", "the translation is the English")
    ]

    core, plugin = Catalog(locale="cy"), Catalog(locale="cy")
    core.add("Back", "Yn ôl")
    plugin.add("Back", "Nôl")
    core.add("Open", "Ar agor", context="status")  # a different context: not drift
    plugin.add("Open", "Agor", context="button")
    core.add("Use the map", "Defnyddio'r map")  # the apostrophe alone: not drift
    plugin.add("Use the map", "Defnyddio’r map")
    assert drift_faults({"core": core, "plugin": plugin}) == [
        ("core, plugin", "Back", "'Yn ôl' in core; 'Nôl' in plugin"),
    ]
