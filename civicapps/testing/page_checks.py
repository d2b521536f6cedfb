"""Checks every page of every plugin needs in a real browser, beyond axe-core: a tab at a given width with
or without JavaScript, no sideways scrolling, contrast computed for every link and button, and English
left on a Welsh page.

axe-core leaves some colour-contrast results "incomplete" (text over a gradient, a pseudo-element or an
image it cannot see through); :func:`low_contrast_text` measures the computed colours itself so none
goes unexamined. :func:`english_left` compares a page's text in English and in Welsh: whatever reads the
same in both is English left behind, unless it is data or a proper name, which a page marks with
``translate="no"`` (the HTML attribute for "do not translate this") or a test names in ``ignore``.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "assert_page_checks",
    "assert_no_sideways_scroll", "english_left", "low_contrast_text", "open_page", "page_texts"]

_PAGE_TEXTS_JS = """() => {
  const own = document.documentElement.lang;
  const skip = (el) => el.closest('script,style,noscript,template,code,[translate="no"]')
    || (el.closest('[lang]') && el.closest('[lang]').lang !== own);
  const texts = new Set([document.title.trim()]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text && !skip(node.parentElement)) texts.add(text);
  }
  for (const el of document.querySelectorAll('[alt],[title],[aria-label],[placeholder],input[type=submit][value]')) {
    if (skip(el)) continue;
    for (const name of ['alt', 'title', 'aria-label', 'placeholder']) {
      const value = (el.getAttribute(name) || '').trim();
      if (value) texts.add(value);
    }
    if (el.matches('input[type=submit]')) texts.add(el.value.trim());
  }
  return [...texts];
}"""

_MAPS_SETTLED_JS = """() =>
  !document.querySelector('.leaflet-zoom-anim, .leaflet-cluster-anim')
  && [...document.querySelectorAll('.leaflet-marker-icon')].every(m => getComputedStyle(m).opacity === '1')"""

_LOW_CONTRAST_JS = """() => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number).concat([1]).slice(0, 4);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.backgroundImage !== 'none' && !style.backgroundImage.startsWith('linear-gradient')) return null;
      const colour = rgba(style.backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const found = [];
  const controls = 'a[href],button,input[type=submit],input[type=button],summary,[role=button]';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden' || el.closest('.leaflet-tile-pane')) continue;
    const text = (el.innerText || el.value || '').trim();
    if (!text || el.closest('.govuk-visually-hidden,.govuk-skip-link:not(:focus)')) continue;
    const back = background(el);
    if (!back) continue;
    const fore = over(rgba(style.color), back);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) found.push(`${text.slice(0, 40)}: ${ratio.toFixed(2)}:1`);
  }
  return found;
}"""

_WORD = re.compile(r"[^\W\d_]{3,}")


def open_page(browser: Any, width: int, height: int = 900, javascript: bool = True) -> Any:
    """A new tab (in its own context: no cookies) ``width`` px wide.

    Without JavaScript the site's scripts are refused rather than JavaScript switched off: axe-core and
    these checks run as scripts too, and the page looks exactly as it does to a visitor without JavaScript
    (no ``js-enabled`` class, no component started). Close it with ``page.context.close()``.
    """
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    if not javascript:
        context.route(re.compile(r"\.m?js(\?.*)?$"), lambda route: route.abort())
    return context.new_page()


def assert_page_checks(page: Any, name: str) -> None:
    """Every check a walked page must pass: one ``h1`` in ``main``, axe-core's WCAG 2.2 AA, no link or
    button under AA contrast (what axe leaves "incomplete", measured), and no sideways scroll.

    Maps are let finish drawing first (:func:`wait_for_maps`): axe run mid-animation measures a
    cluster marker still fading in as a target a few pixels wide."""
    from civicapps.testing.browser import assert_accessible

    assert page.locator("main h1").count() == 1, name
    wait_for_maps(page)
    assert_accessible(page)
    assert low_contrast_text(page) == [], name
    assert_no_sideways_scroll(page, name)


def wait_for_maps(page: Any) -> None:
    """Wait until every map on the page has finished animating: no zoom or cluster animation running
    and every marker fully shown (Leaflet and its marker clusters fade markers in after a zoom)."""
    page.wait_for_function(_MAPS_SETTLED_JS)


def assert_no_sideways_scroll(page: Any, name: str = "") -> None:
    """Fail if the page is wider than the window (it would scroll sideways on a phone)."""
    wide, window = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert wide <= window, f"{name or page.url}: {wide} px wide in a {window} px window"


def low_contrast_text(page: Any) -> list[str]:
    """Every visible link and button whose text contrast against its real background is under WCAG AA
    (4.5:1, or 3:1 for large text), as "text: ratio" lines. Backgrounds are composed through every
    translucent ancestor; elements over an image are left to axe-core."""
    return list(page.evaluate(_LOW_CONTRAST_JS))


def page_texts(page: Any) -> set[str]:
    """The page's text in its own language: text nodes, the title, and alt/title/aria-label/placeholder
    attributes, leaving out code (``<code>``) and fragments marked in another language (``lang``) or
    ``translate="no"``."""
    return set(page.evaluate(_PAGE_TEXTS_JS))


def english_left(english: set[str], welsh: set[str], ignore: Iterable[str] = ()) -> list[str]:
    """The texts that read the same on a page's English and Welsh renders (from :func:`page_texts`): English
    left untranslated. Texts without a word of three letters (numbers, dates, codes) and ``ignore`` (data
    and proper names the test put on the page) are not counted."""
    ignored = set(ignore)
    return sorted(text for text in english & welsh if text not in ignored and _WORD.search(text))
