"""Every plugin's messages translated in every language, with the same placeholders, in catalogs that
compile; a page in French really in French.

The messages are extracted now from each plugin's code and templates (babel.cfg), not read from the
committed .pot: a message added without its translations fails here. Every directory under ckanext/
is a plugin to check, those added later too. The fix is always the same: ``make i18n-update``, then
translate the new entries (non-fuzzy) in ``ckanext/<plugin>/i18n/<lang>/LC_MESSAGES/ckanext-<plugin>.po``.
A message translated from a variable (``tk._(title)``) is listed in the plugin's ``i18n/dynamic_messages.py``.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections import Counter
from importlib.metadata import entry_points
from pathlib import Path

import ckan
import ckan.plugins as p
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CKANEXT = ROOT / "ckanext"
#: the languages every plugin is translated into; one that has a catalog in any plugin is added
LANGUAGES = ("fr", "es", "ar")
FIX = "run `make i18n-update`, then translate the new entries (and remove their `#, fuzzy` flag)"
SHOWN = 20


def plugin_names() -> list[str]:
    return sorted(d.name for d in CKANEXT.iterdir() if (d / "__init__.py").is_file())


def languages() -> list[str]:
    found = {d.parent.name for d in CKANEXT.glob("*/i18n/*/LC_MESSAGES") if d.is_dir()}
    return sorted(found | set(LANGUAGES))


def domain(plugin: str) -> str:
    return f"ckanext-{plugin}"


def po_path(plugin: str, lang: str) -> Path:
    return CKANEXT / plugin / "i18n" / lang / "LC_MESSAGES" / f"{domain(plugin)}.po"


def extract(plugin: str) -> dict[str, str | None]:
    """The plugin's messages as babel.cfg extracts them: msgid -> msgid_plural (or None)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping(f)
    messages: dict[str, str | None] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(str(CKANEXT / plugin), method_map, options_map):
        if isinstance(message, tuple):
            messages[message[0]] = message[1]
        elif message:
            messages.setdefault(message, None)
    return messages


def read_catalog(path: Path):
    with open(path, "rb") as f:
        return read_po(f, abort_invalid=True)


_PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{[^{}]*\}")


def placeholders(text: str) -> Counter:
    """``{name}``, ``{}``, ``%(name)s``, ``%s``: what .format() or % fill in (``{{``/``%%`` are literal)."""
    text = text.replace("{{", "").replace("}}", "").replace("%%", "")
    return Counter(_PLACEHOLDER.findall(text))


def ckan_plural_forms(lang: str) -> str | None:
    path = Path(ckan.__file__).parent / "i18n" / lang / "LC_MESSAGES" / "ckan.po"
    if not path.exists():
        return None
    catalog = read_catalog(path)
    return f"nplurals={catalog.num_plurals}; plural={catalog.plural_expr}"


def compile_catalogs() -> None:
    """Compile every plugin's .po into its .mo next to it (where the plugins' ITranslation reads them),
    when the .mo is missing or older; written aside, then moved, for concurrent readers."""
    for po in CKANEXT.glob("*/i18n/*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(po)
        fd, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as f:
            write_mo(f, catalog)
        os.replace(tmp, mo)


@pytest.mark.parametrize("plugin", plugin_names())
def test_every_message_is_translated(plugin):
    messages = extract(plugin)
    if not messages:
        return  # nothing to translate in this plugin
    problems = []
    for lang in languages():
        path = po_path(plugin, lang)
        if not path.exists():
            problems.append(f"{plugin} [{lang}]: no catalog {path.relative_to(ROOT)}")
            continue
        catalog = read_catalog(path)
        missing = []
        for msgid in messages:
            entry = catalog.get(msgid)
            if entry is None or entry.fuzzy:
                missing.append(msgid)
                continue
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not all(strings):
                missing.append(msgid)
        if missing:
            shown = "\n    ".join(repr(m) for m in missing[:SHOWN])
            more = f"\n    ... and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
            problems.append(f"{plugin} [{lang}]: {len(missing)} message(s) not translated:\n    {shown}{more}")
    assert not problems, "\n".join(problems) + f"\nTo fix: {FIX}."


@pytest.mark.parametrize("plugin", plugin_names())
def test_translations_keep_the_placeholders(plugin):
    problems = []
    for lang in languages():
        path = po_path(plugin, lang)
        if not path.exists():
            continue
        for entry in read_catalog(path):
            if not entry.id or entry.fuzzy:
                continue
            if isinstance(entry.id, tuple):
                # every plural form says the plural's placeholders ({n} included, even for one)
                expected = placeholders(entry.id[1])
                strings = [s for s in entry.string if s]
            else:
                expected = placeholders(entry.id)
                strings = [entry.string] if entry.string else []
            for string in strings:
                if placeholders(string) != expected:
                    problems.append(
                        f"{plugin} [{lang}] {entry.id!r}: {sorted(placeholders(string).elements())}"
                        f" instead of {sorted(expected.elements())} in {string!r}"
                    )
    assert not problems, "placeholders differ from the message's:\n" + "\n".join(problems)


@pytest.mark.parametrize("plugin", plugin_names())
def test_catalogs_compile(plugin):
    problems = []
    for lang in languages():
        path = po_path(plugin, lang)
        if not path.exists():
            continue
        try:
            catalog = read_catalog(path)
            for message, errors in catalog.check():
                problems += [f"{plugin} [{lang}] {message.id!r}: {error}" for error in errors]
            write_mo(io.BytesIO(), catalog)
        except Exception as error:  # a syntax error, a bad header
            problems.append(f"{plugin} [{lang}]: does not compile: {error}")
            continue
        # flask-babel keeps the plural rule of the last catalog it merges: all must have CKAN's
        forms = ckan_plural_forms(lang)
        if forms and f"nplurals={catalog.num_plurals}; plural={catalog.plural_expr}" != forms:
            problems.append(f"{plugin} [{lang}]: Plural-Forms {catalog.plural_forms!r} differ from CKAN's {forms!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("plugin", plugin_names())
def test_plugin_serves_its_catalog(plugin):
    """A plugin with messages implements ITranslation and its catalog is where CKAN looks:
    ckanext/<plugin>/i18n, domain ckanext-<plugin> (DefaultTranslation's defaults)."""
    if not extract(plugin):
        return
    found = [ep for ep in entry_points(group="ckan.plugins") if ep.value.startswith(f"ckanext.{plugin}.")]
    assert found, f"{plugin} has messages to translate but no entry point in ckan.plugins"
    for ep in found:
        cls = ep.load()
        assert p.ITranslation.implemented_by(cls), f"{ep.name}: add p.implements(p.ITranslation) (DefaultTranslation)"

        class Named:
            __module__ = cls.__module__
            name = ep.name

        assert Path(cls.i18n_directory(Named())) == CKANEXT / plugin / "i18n"
        assert cls.i18n_domain(Named()) == domain(plugin)


@pytest.fixture(scope="module")
def compiled():
    compile_catalogs()


@pytest.fixture
def gazetteer(tmp_path):
    """A few places: the search page offers a facet per admin level the gazetteer has."""
    from tests.imwg_pcode import places

    places.load(tmp_path)


@pytest.mark.usefixtures("compiled", "with_plugins", "clean_db", "gazetteer")
@pytest.mark.ckan_config("ckan.plugins", "imwg imwg_search imwg_pcode")
class TestPagesInTheirLanguage:
    def test_french_page_is_french(self, app):
        page = app.get("/fr/location/").body
        assert "<h1>Lieux</h1>" in page
        assert "Locations" not in page

    def test_arabic_page_is_arabic(self, app):
        page = app.get("/ar/location/").body
        assert "<h1>المواقع</h1>" in page
        assert 'dir="rtl"' in page

    def test_english_page_is_english(self, app):
        assert "<h1>Locations</h1>" in app.get("/location/").body
        assert "Countries" in app.get("/dataset/").body

    def test_french_licence_facet_is_french(self, app):
        """CKAN's French catalog leaves "Licenses" in English; the suite's says "Licences"."""
        page = app.get("/fr/dataset/").body
        assert "Licences" in page
        assert "Licenses" not in page

    def test_french_facets_are_french(self, app):
        """A facet title translated from a variable (listed in i18n/dynamic_messages.py)."""
        page = app.get("/fr/dataset/").body
        assert "Pays" in page
        assert "Countries" not in page
