"""Names listed as the reader's language lists them (CLDR's list patterns,
babel): "A, B and C", "A, B et C", "A, B y C", "A وB وC" — never an English
comma in Arabic; names escaped, markup kept, "and N more" said last."""

from __future__ import annotations

import pytest
from markupsafe import Markup

PLUGINS = "imwg"


@pytest.fixture
def in_language(app):
    """A request of the portal in a language (CKAN reads it from ``CKAN_LANG``)."""

    def enter(lang: str):
        return app.flask_app.test_request_context(environ_overrides={"CKAN_LANG": lang})

    return enter


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestLists:
    @pytest.mark.parametrize(
        ("lang", "listed"),
        [
            ("en", "Kachin, Shan, and Kayah"),
            ("fr", "Kachin, Shan et Kayah"),
            ("es", "Kachin, Shan y Kayah"),
            ("ar", "كاتشين وشان وكاياه"),
        ],
    )
    def test_names_in_the_reader_s_language(self, in_language, lang, listed):
        """Three names read as the language lists them; no "," between Arabic names."""
        from ckanext.imwg.helpers import imwg_list

        names = ["كاتشين", "شان", "كاياه"] if lang == "ar" else ["Kachin", "Shan", "Kayah"]
        with in_language(lang):
            assert imwg_list(names) == listed
            assert imwg_list(names[:1]) == names[0]
            assert imwg_list([]) == ""
        if lang == "ar":
            assert "," not in listed

    def test_names_escaped_markup_kept_and_more_said_last(self, in_language):
        """A name is escaped, a link is kept; the ones left out are counted at the end."""
        from ckanext.imwg.helpers import imwg_list

        with in_language("fr"):
            listed = imwg_list(["<b>", Markup('<a href="/x">X</a>')], more=3)
        assert listed == '&lt;b&gt;, <a href="/x">X</a> et 3 autres'
        assert isinstance(listed, Markup)
