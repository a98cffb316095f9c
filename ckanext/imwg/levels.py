"""The sensitivity levels of the IASC Operational Guidance on Data
Responsibility: the one list of the suite. Python imports it, the schema's
choices are made from it (a ``choices_helper``) and scripts read it from the
page; what each level allows is the site's sharing protocol, not this list."""

from __future__ import annotations

#: least to most sensitive
LEVELS = ("public", "restricted", "confidential", "strictly_confidential")

#: each level's label, by language (a scheming language dict)
LABELS = {
    "public": {
        "en": "Public (low sensitivity)",
        "fr": "Public (sensibilité faible)",
        "es": "Público (sensibilidad baja)",
        "ar": "عام (حساسية منخفضة)",
    },
    "restricted": {
        "en": "Restricted (moderate sensitivity)",
        "fr": "Restreint (sensibilité modérée)",
        "es": "Restringido (sensibilidad moderada)",
        "ar": "مقيد (حساسية متوسطة)",
    },
    "confidential": {
        "en": "Confidential (high sensitivity)",
        "fr": "Confidentiel (sensibilité élevée)",
        "es": "Confidencial (sensibilidad alta)",
        "ar": "سري (حساسية عالية)",
    },
    "strictly_confidential": {
        "en": "Strictly confidential (severe sensitivity)",
        "fr": "Strictement confidentiel (sensibilité grave)",
        "es": "Estrictamente confidencial (sensibilidad grave)",
        "ar": "سري للغاية (حساسية شديدة)",
    },
}


def label(level: str, lang: str = "en") -> str:
    """A level's label in ``lang`` (English when there is none; the level itself when it is not one)."""
    labels = LABELS.get(level)
    if labels is None:
        return level
    return labels.get(lang) or labels["en"]
