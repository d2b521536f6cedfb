"""One copy of GOV.UK Frontend and one of Leaflet, both the core's, and no plugin restyling GOV.UK.

Every plugin page is drawn in the core's layout with the core's GOV.UK Frontend and the core's map:
a second copy (a vendored file in a plugin) drifts out of date and doubles what a browser loads, and
a plugin stylesheet that overrides a ``.govuk-`` class, the skip link, the header or the navigation
changes the whole site's look on that plugin's pages only.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_STATIC = ROOT / "civicapps" / "web" / "static"
VENDORED = re.compile(r"(leaflet(\.min)?\.(js|css)|govuk-frontend.*\.(m?js|css))", re.IGNORECASE)
# The page chrome every page shares: GOV.UK's classes, and the core's own header and navigation parts.
CHROME = re.compile(
    r"\.govuk-|skip|(^|[\s>+~,(])(header|nav)\b|\.civic-(header|language-select|link-button)", re.IGNORECASE
)


def ignored(path: Path) -> bool:
    """Build output, installed metadata, npm's downloads and hidden folders are not the source tree."""
    return any(
        part in {"build", "node_modules"} or part.endswith(".egg-info") or part.startswith(".")
        for part in path.relative_to(ROOT).parts[:-1]
    )


def test_leaflet_and_govuk_frontend_exist_only_in_the_core_static_folder() -> None:
    copies = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*")
        if VENDORED.fullmatch(path.name) and path.is_file() and not ignored(path)
        and not path.is_relative_to(CORE_STATIC)
    ]
    assert copies == []
    assert (CORE_STATIC / "leaflet" / "leaflet.js").is_file()
    assert (CORE_STATIC / "govuk" / "govuk-frontend.min.css").is_file()


def selectors(css: str) -> list[str]:
    """Each rule's selector (and each at-rule's prelude) in a stylesheet, comments removed."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return [match.strip() for match in re.findall(r"([^{};]+)\{", css)]


def test_no_plugin_stylesheet_restyles_govuk_frontend_or_the_page_chrome() -> None:
    found = {
        f"{path.relative_to(ROOT)}: {selector}"
        for path in ROOT.glob("plugins/*/**/*.css")
        if not ignored(path)
        for selector in selectors(path.read_text(encoding="utf-8"))
        if CHROME.search(selector)
    }
    assert found == set()


def test_the_chrome_check_catches_what_it_is_for() -> None:
    css = """/* .govuk-header in a comment is fine */ .mine .govuk-table { margin: 0 }
             @media (min-width: 40em) { nav a { color: red } } .govuk-skip-link:focus { x: y } .mine { a: b }"""
    assert [s for s in selectors(css) if CHROME.search(s)] == [".mine .govuk-table", "nav a", ".govuk-skip-link:focus"]
