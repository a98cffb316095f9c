"""The portal in French and Arabic, as ``make portal`` serves it with the
demo content (``make demo``), in a real browser: the main pages carry no
English of the suite, no English month name, and in Arabic the codes stay
left to right.

"English of the suite" is any message of the plugins' catalogs whose
translation differs from it, found as a whole text of the page (an element's
own text, an option, a button): a message shown without being translated.
Data (titles, descriptions, organisation and place names) is the publishers'
and stays as they wrote it. Screenshots: tests/artifacts/i18n-<lang>-<page>.png.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.support import CKAN, ROOT, portal_sh, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")
DEMO_UNITS = ROOT / "ckanext" / "imwg_pcode" / "demo_data" / "mmr_demo_units.geojson"
USER = "analyst"  # the demo's logged-in user without an organisation: sees "Request access"

#: the pages walked: name -> path
PAGES = {
    "home": "/",
    "search": "/dataset/",
    "dataset": "/dataset/explosive-ordnance-casualties",
    "location": "/location/MMR001",
    "request": "/dataset/explosive-ordnance-casualties/request-access",
    "needs": "/needs",
    "holdings": "/holdings",
}
MONTHS = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)\b")
#: messages that are also words of the demo's data or that stay the same in some pages' context
NOT_UI = {"HXL", "CSV", "GeoJSON", "P-code", "Myanmar"}
#: the texts of a page as a reader reads them: each element's own text, options and buttons
TEXTS = """() => {
  const skip = new Set(['SCRIPT', 'STYLE', 'CODE', 'NOSCRIPT', 'TEMPLATE']);
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || skip.has(parent.tagName) || parent.closest('[translate=no]')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label]')) {
    for (const a of ['title', 'placeholder', 'aria-label']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.replace(/\\s+/g, ' ').trim());
    }
  }
  return out;
}"""


def suite_messages(lang: str) -> tuple[set[str], list[re.Pattern]]:
    """The suite's messages translated differently in ``lang``: the plain
    ones, and those with placeholders as patterns of a whole text."""
    plain: set[str] = set()
    patterns: list[re.Pattern] = []
    for po in sorted((ROOT / "ckanext").glob(f"*/i18n/{lang}/LC_MESSAGES/*.po")):
        with open(po, "rb") as f:
            catalog = read_po(f)
        for entry in catalog:
            ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not ids[0] or entry.fuzzy or not all(strings) or ids[0] in strings:
                continue
            for msgid in ids:
                text = " ".join(msgid.split())
                if len(text) < 4 or text in NOT_UI or not re.search(r"[A-Za-z]{3}", text):
                    continue
                parts = re.split(r"\{[^{}]*\}|%\([^)]*\)[sd]|%[sd]", text)
                if len(parts) == 1:
                    # a lowercase word or two ("population") may be a tag or a value: data, not UI
                    if text[0].isupper() or len(text.split()) >= 3:
                        plain.add(text.rstrip(":").strip())
                elif len("".join(parts).strip()) >= 12:
                    patterns.append(re.compile(r".+?".join(re.escape(p) for p in parts) + r"\s*:?"))
    return plain, patterns


def english_in(texts: list[str], plain: set[str], patterns: list[re.Pattern]) -> list[str]:
    found = []
    for text in texts:
        bare = text.rstrip(":").strip()
        if bare in plain or any(p.fullmatch(text) for p in patterns):
            found.append(text)
        elif m := MONTHS.search(text):
            found.append(f"{text} (month name {m.group(0)})")
    return sorted(set(found))


def _load_demo(ini: Path) -> None:
    """The demo content, as ``make demo`` loads it, with the portal's configuration."""
    for command in (["pcode", "load", "--if-empty", "--quiet", str(DEMO_UNITS)], ["imwg", "demo", "--quiet"]):
        done = subprocess.run([CKAN, "-c", str(ini), *command], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture
def portal(tmp_path):
    """The portal as ``make portal`` runs it (its generated configuration, on the
    tests' database), with the demo content as ``make demo`` loads it."""
    with portal_sh(tmp_path, before_start=_load_demo) as running:
        yield running.url


def _log_in(page, url: str) -> None:
    page.goto(url + "/user/login")
    page.fill("#field-login", USER)
    page.fill("#field-password", USER + "-demo-2026")
    page.press("#field-password", "Enter")
    page.wait_for_url("**/dashboard/**")


def test_pages_in_french_and_arabic(portal, page):
    """In Arabic the page reads right to left and P-codes left to right; in
    French and Arabic the main pages carry no English of the suite."""
    _arabic_is_right_to_left_with_codes_left_to_right(page, portal)
    _log_in(page, portal)
    problems = []
    for lang in ("fr", "ar"):
        plain, patterns = suite_messages(lang)
        assert len(plain) > 500, f"too few {lang} messages found in the catalogs"
        for name, path in PAGES.items():
            response = page.goto(f"{portal}/{lang}{path}")
            assert response.status == 200, f"{lang} {path}: {response.status}"
            assert page.get_attribute("html", "lang") == lang
            screenshot(page, f"i18n-{lang}-{name}")
            texts = page.evaluate(TEXTS)
            if (lang, name) == ("fr", "search"):  # CKAN's own French catalog says "Licenses"
                assert "Licences" in texts and "Licenses" not in texts
            found = english_in(texts, plain, patterns)
            problems += [f"{lang} {path}: {text!r}" for text in found]
    assert not problems, "English left on translated pages:\n" + "\n".join(problems)


def _arabic_is_right_to_left_with_codes_left_to_right(page, portal: str) -> None:
    page.goto(f"{portal}/ar/location/MMR001")
    assert page.get_attribute("html", "dir") == "rtl"
    title = page.locator("h1.imwg-location-title")
    code = title.locator("bdi, [dir=ltr]", has_text="MMR001")
    assert code.count() == 1, title.inner_html()
    assert code.evaluate("e => getComputedStyle(e).direction") == "ltr"
    # the P-codes of the places' table too
    cell = page.locator("tr[data-pcode=MMR001D001] td").nth(1)
    assert cell.locator("bdi[dir=ltr]").inner_text() == "MMR001D001"
    # the legend's ranges of numbers ("1–2") read left to right
    legend = page.locator(".imwg-map-legend bdi[dir=ltr]")
    if legend.count():
        assert all(re.fullmatch(r"\d+(–\d+)?", t) for t in legend.all_inner_texts())
    screenshot(page, "i18n-ar-location-rtl")
