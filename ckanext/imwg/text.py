"""Text helpers shared by the suite's features."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case and strip accents and diacritics, keeping every script.

    "Kachin", "kachin" and "Káchin" fold alike, and Arabic with or without
    harakat too.
    """
    if text.isascii():  # nothing to strip: the common case, and much faster
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").casefold()
