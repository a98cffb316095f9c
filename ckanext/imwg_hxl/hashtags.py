"""HXL hashtags: parsing, finding the hashtag row, suggesting hashtags from
header names. Pure (no CKAN, no database).

A hashtag spec is ``#tag`` followed by ``+attribute`` words (HXL 1.1: lower
case letters, digits and ``_``, starting with a letter; case and spaces
before a ``+`` do not matter). The hashtag row may sit anywhere in the
first 25 rows, under one or more header rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ckanext.imwg.text import fold

#: rows looked at for the hashtag row (the HXL standard's limit)
HEAD_ROWS = 25

_SPEC = re.compile(r"^#([a-z][a-z0-9_]*)((?:\s*\+\s*[a-z][a-z0-9_]*)*)$")


@dataclass(frozen=True)
class Hashtag:
    tag: str
    attributes: tuple[str, ...]

    @property
    def display(self) -> str:
        """``#affected+killed`` (attributes in the order given)."""
        return "#" + self.tag + "".join("+" + a for a in self.attributes)

    def has(self, *attributes: str) -> bool:
        return all(a in self.attributes for a in attributes)


def parse(text: str | None) -> Hashtag | None:
    """The hashtag of a cell, or None when it is not a valid spec."""
    if not text:
        return None
    match = _SPEC.match(str(text).strip().lower())
    if not match:
        return None
    attributes = tuple(a.strip() for a in match.group(2).split("+") if a.strip())
    return Hashtag(match.group(1), attributes)


def is_hashtag_row(row: list[str]) -> bool:
    """A row whose non-empty cells mostly start with ``#`` (invalid specs
    included: they are reported, not taken for data)."""
    cells = [c.strip() for c in row if c and str(c).strip()]
    return bool(cells) and sum(c.startswith("#") for c in cells) * 2 >= len(cells)


@dataclass
class Layout:
    """Where the table's parts are in its first rows."""

    #: the rows above the data that are headers (titles, column names), in order
    header_rows: list[list[str]]
    #: the column names (the header row right above the hashtags, or the first row)
    header: list[str]
    #: the hashtag row's cells, or None for an untagged table
    hashtags: list[str] | None
    #: index of the hashtag row among the first rows (None: untagged)
    hashtag_row: int | None
    #: rows before the first data row
    skip: int
    #: number of columns
    width: int


def layout(head: list[list[str]]) -> Layout:
    """Find the header and hashtag rows among the first rows of a table."""
    head = [[("" if c is None else str(c)) for c in row] for row in head[:HEAD_ROWS]]
    width = max((len(r) for r in head), default=0)
    for number, row in enumerate(head):
        if is_hashtag_row(row):
            above = [r for r in head[:number] if any(c.strip() for c in r)]
            header = head[number - 1] if number > 0 else []
            return Layout(above, _pad(header, width), _pad(row, width), number, number + 1, width)
    # untagged: the first row at least half as full as the widest row is the header
    for number, row in enumerate(head):
        if sum(bool(c.strip()) for c in row) * 2 >= max(1, width):
            above = [r for r in head[: number + 1] if any(c.strip() for c in r)]
            return Layout(above, _pad(row, width), None, None, number + 1, width)
    return Layout([], [""] * width, None, None, 0, width)


def _pad(row: list[str], width: int) -> list[str]:
    return [c.strip() for c in row] + [""] * (width - len(row))


# Header names (as ``header_key`` writes them) and the hashtags they suggest,
# in English, French, Spanish and Arabic; checked in order. Arabic levels as
# Syria, Iraq, Yemen and Sudan name them (governorate or state; district or
# locality; sub-district; village or community).
_LEVEL_WORDS = {
    0: ("country", "pays", "pais", "adm0", "admin0", "بلد", "دوله"),
    1: ("state", "province", "region", "governorate", "departamento", "adm1", "admin1", "provincia", "estado")
    + ("محافظه", "ولايه", "اقليم", "مقاطعه"),
    2: ("district", "departement", "municipio", "adm2", "admin2", "zone", "distrito")
    + ("مديريه", "قضاء", "منطقه", "محليه"),
    3: ("township", "subdistrict", "commune", "county", "municipality", "adm3", "admin3", "tehsil", "upazila")
    + ("ناحيه", "عزله", "بلديه"),
    4: ("village", "ward", "adm4", "admin4", "villagetract", "locality", "قريه", "تجمع", "مجتمع", "حي"),
    5: ("adm5", "admin5"),
}
_EXACT = {
    "iso3": "#country+code",
    "countrycode": "#country+code",
    "organisation": "#org",
    "organization": "#org",
    "org": "#org",
    "agency": "#org",
    "partner": "#org",
    "implementingpartner": "#org+impl",
    "organisme": "#org",
    "organizacion": "#org",
    "sector": "#sector",
    "cluster": "#sector",
    "secteur": "#sector",
    "subsector": "#subsector",
    "date": "#date",
    "reportdate": "#date+reported",
    "fecha": "#date",
    "month": "#date+month",
    "mois": "#date+month",
    "mes": "#date+month",
    "year": "#date+year",
    "killed": "#affected+killed",
    "deaths": "#affected+killed",
    "dead": "#affected+killed",
    "fatalities": "#affected+killed",
    "injured": "#affected+injured",
    "affected": "#affected",
    "peopleaffected": "#affected",
    "inneed": "#inneed",
    "pin": "#inneed",
    "peopleinneed": "#inneed",
    "targeted": "#targeted",
    "target": "#targeted",
    "reached": "#reached",
    "beneficiaries": "#reached",
    "population": "#population",
    "households": "#population+hh",
    "individuals": "#population+ind",
    "latitude": "#geo+lat",
    "lat": "#geo+lat",
    "longitude": "#geo+lon",
    "lon": "#geo+lon",
    "lng": "#geo+lon",
    "site": "#loc+name",
    "sitename": "#loc+name",
    "location": "#loc+name",
    "status": "#status",
    "activity": "#activity",
    "indicator": "#indicator",
    "value": "#value",
    "description": "#description",
    # French
    "annee": "#date+year",
    "menages": "#population+hh",
    "nombredemenages": "#population+hh",
    "personnes": "#population+ind",
    "individus": "#population+ind",
    "tues": "#affected+killed",
    "morts": "#affected+killed",
    "deces": "#affected+killed",
    "blesses": "#affected+injured",
    "affectes": "#affected",
    "personnesaffectees": "#affected",
    "personnesdanslebesoin": "#inneed",
    "cibles": "#targeted",
    "cible": "#targeted",
    "atteints": "#reached",
    "beneficiaires": "#reached",
    "statut": "#status",
    "activite": "#activity",
    "valeur": "#value",
    "lieu": "#loc+name",
    "localite": "#loc+name",
    "sexe": "#sex",
    "telephone": "#contact+phone",
    # Spanish
    "ano": "#date+year",
    "hogares": "#population+hh",
    "personas": "#population+ind",
    "poblacion": "#population",
    "muertos": "#affected+killed",
    "fallecidos": "#affected+killed",
    "heridos": "#affected+injured",
    "afectados": "#affected",
    "personasafectadas": "#affected",
    "personasconnecesidades": "#inneed",
    "metas": "#targeted",
    "alcanzados": "#reached",
    "beneficiarios": "#reached",
    "actividad": "#activity",
    "sexo": "#sex",
    "lugar": "#loc+name",
    "telefono": "#contact+phone",
    # English, more
    "sex": "#sex",
    "gender": "#sex",
    "phone": "#contact+phone",
    "phonenumber": "#contact+phone",
    "contactphone": "#contact+phone",
    "id": "#meta+id",
    "pcode": "#loc+code",
    "placecode": "#loc+code",
    "male": "#population+m",
    "males": "#population+m",
    "men": "#population+m",
    "female": "#population+f",
    "females": "#population+f",
    "women": "#population+f",
    "hommes": "#population+m",
    "femmes": "#population+f",
    "hombres": "#population+m",
    "mujeres": "#population+f",
    # Arabic (normalised by header_key: no harakat nor tatweel, one alef,
    # ة as ه, ى as ي, no definite article; "عدد ..." is read as what follows)
    "تاريخ": "#date",
    "تاريختقرير": "#date+reported",
    "شهر": "#date+month",
    "سنه": "#date+year",
    "عام": "#date+year",
    "سكان": "#population",
    "اسر": "#population+hh",
    "اسرمعيشيه": "#population+hh",
    "افراد": "#population+ind",
    "اشخاص": "#population+ind",
    "ذكور": "#population+m",
    "رجال": "#population+m",
    "اناث": "#population+f",
    "نساء": "#population+f",
    "قتلي": "#affected+killed",
    "وفيات": "#affected+killed",
    "جرحي": "#affected+injured",
    "مصابين": "#affected+injured",
    "متضررين": "#affected",
    "متاثرين": "#affected",
    "محتاجين": "#inneed",
    "اشخاصمحتاجين": "#inneed",
    "مستهدفين": "#targeted",
    "مستفيدين": "#reached",
    "منظمه": "#org",
    "جهه": "#org",
    "شريك": "#org",
    "قطاع": "#sector",
    "حاله": "#status",
    "نشاط": "#activity",
    "موشر": "#indicator",
    "قيمه": "#value",
    "وصف": "#description",
    "موقع": "#loc+name",
    "مكان": "#loc+name",
    "رمز": "#loc+code",
    "خطعرض": "#geo+lat",
    "خططول": "#geo+lon",
    "جنس": "#sex",
    "هاتف": "#contact+phone",
    "رقمهاتف": "#contact+phone",
}


#: words before a place word that say the column holds its name or code
#: ("Nom de la province", "Código del municipio", "Name of district")
_NAME_BEFORE = ("nombredel", "nombrede", "nombre", "nomdela", "nomdel", "nomdu", "nomde", "nom", "nameof", "name")
_NAME_BEFORE += ("اسم",)
_CODE_BEFORE = ("codedela", "codedel", "codedu", "codede", "code", "codigodel", "codigode", "codigo", "pcodeof")
_CODE_BEFORE += ("رمز", "كود")
#: words after a place word that say the column holds its code or its name ("Province P-code", "المحافظة - الرمز")
_CODE_AFTER = ("pcode", "code", "id", "codigo", "codepcode", "رمز", "كود")
_NAME_AFTER = ("", "name", "nom", "nombre", "en", "fr", "es", "اسم", "ar")
#: "number of ..." before a figure ("عدد الأسر": households), and the figures it may count
_COUNT_BEFORE = ("عدد",)
_COUNTED = ("#population", "#affected", "#inneed", "#targeted", "#reached")
#: column names of ages (never summed)
AGE_HEADERS = ("age", "edad", "ageyears", "ageinyears", "edadanos", "عمر")

#: Arabic letters written alike in headers: alef wasla, alef maqsura, ta marbuta; tatweel dropped;
#: Arabic-Indic digits as digits (hamza on alef, waw and ya, and harakat, are stripped by ``fold``)
_ARABIC = str.maketrans({"ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None} | {chr(0x660 + d): str(d) for d in range(10)})
#: the words of a folded header: Latin letters and digits, or Arabic letters
_KEY_WORDS = re.compile(r"[a-z0-9]+|[\u0621-\u063a\u0641-\u064a]+")


def _arabic_word(word: str) -> str:
    # the definite article ("المحافظة" as "محافظة"), not the first letters of a short word
    return word[2:] if word.startswith("ال") and len(word) > 3 else word


def header_key(header: str) -> str:
    """A column name as the suggestions compare it: folded, letters and
    digits only; Arabic without harakat, tatweel nor definite article, its
    alef, ya and ta marbuta forms written alike."""
    text = fold(header or "")
    if text.isascii():
        return re.sub(r"[^a-z0-9]", "", text)
    return "".join(_arabic_word(w) for w in _KEY_WORDS.findall(text.translate(_ARABIC)))


def suggest(header: str) -> str | None:
    """A hashtag for a column name, or None: ``ADM1_PCODE`` -> ``#adm1+code``,
    ``Province`` -> ``#adm1+name``, ``Organisation`` -> ``#org``,
    ``Nom de la province`` -> ``#adm1+name``, ``Código del municipio`` ->
    ``#adm2+code``."""
    key = header_key(header)
    if not key:
        return None
    if key in _EXACT:
        return _EXACT[key]
    for word in _COUNT_BEFORE:
        counted = _EXACT.get(key[len(word) :], "") if key.startswith(word) else ""
        if counted.startswith(_COUNTED):
            return counted
    for words, attribute in ((_CODE_BEFORE, "+code"), (_NAME_BEFORE, "+name")):
        for word in words:
            if key.startswith(word) and len(key) > len(word):
                found = suggest(key[len(word) :])
                if found and (found.startswith(("#adm", "#country", "#loc"))):
                    return found.split("+")[0] + attribute
                break
    match = re.match(r"^(?:adm|admin)([0-5])(p?code|name|en|fr|es|ar|name[a-z]*)?$", key)
    if match:
        level, kind = int(match.group(1)), match.group(2) or "name"
        prefix = "#country" if level == 0 else f"#adm{level}"
        if "code" in kind:
            return prefix + "+code"
        return prefix + "+name" + ("" if kind in ("name", "en") or kind.startswith("name") else "+i_" + kind)
    for level, words in _LEVEL_WORDS.items():
        for word in words:
            if key.startswith(word):
                rest = key[len(word) :]
                prefix = "#country" if level == 0 else f"#adm{level}"
                if rest in _CODE_AFTER:
                    return prefix + "+code"
                if rest in _NAME_AFTER:
                    return prefix + "+name"
    return None
