"""Column roles: which column of an export holds what (area, killed, the
department's name, a P-code...). Recognised from header names in English,
Spanish, French and Portuguese, or set by a mapping file (YAML) that the
importer also writes out for the user to edit:

.. code-block:: yaml

    # roles: column names of the file (a role left out is not used)
    columns:
      id: HAZARD_ID
      area: Area_ha
      adm1_name: Departamento
    # the unit of the area columns: m2 (default), ha or km2
    area_unit: ha
    # a File Geodatabase's layer
    layer: Hazards

No database, no CKAN."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

#: role -> header names (normalised: lower case, no accents, words split by spaces)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "record id",
        "hazard id",
        "task id",
        "accident id",
        "victim id",
        "localid",
        "local id",
        "guid",
        "identificador",
        "id registro",
        "codigo registro",
        "identifiant",
        "identificacao",
        "hazard reference",
        "reference",
        "referencia",
    ),
    "record_type": (
        "record type",
        "type of record",
        "kind",
        "tipo de registro",
        "type d enregistrement",
        "tipo de registo",
    ),
    "area": (
        "area",
        "size",
        "hazard area",
        "estimated area",
        "superficie",
        "area estimada",
        "surface",
        "surface estimee",
        "area do perigo",
        "tamanho",
    ),
    "cleared": (
        "cleared",
        "cleared area",
        "area cleared",
        "area despejada",
        "despejada",
        "area limpiada",
        "area desminada",
        "surface depolluee",
        "depolluee",
        "surface deminee",
        "area limpa",
        "area desminada m2",
    ),
    "reduced": (
        "reduced",
        "reduced area",
        "area reduced",
        "area reducida",
        "reducida",
        "surface reduite",
        "reduite",
        "area reduzida",
    ),
    "cancelled": (
        "cancelled",
        "canceled",
        "cancelled area",
        "area cancelled",
        "area cancelada",
        "cancelada",
        "surface annulee",
        "annulee",
    ),
    "items": (
        "items",
        "items destroyed",
        "devices destroyed",
        "quantity",
        "number of items",
        "artefactos destruidos",
        "cantidad",
        "quantite",
        "engins detruits",
        "quantidade",
        "itens destruidos",
        "engenhos destruidos",
    ),
    "item_type": (
        "item type",
        "item category",
        "ordnance type",
        "eo type",
        "ordnance category",
        "tipo de artefacto",
        "categoria de artefacto",
        "type d engin",
        "categorie d engin",
        "tipo de engenho",
        "tipo de item",
    ),
    "device_type": (
        "device type",
        "device",
        "tipo de dispositivo",
        "dispositivo",
        "type de dispositif",
        "engin",
        "artefacto",
        "engenho",
    ),
    "killed": (
        "killed",
        "dead",
        "deaths",
        "fatalities",
        "number killed",
        "muertos",
        "fallecidos",
        "tues",
        "morts",
        "mortos",
        "victimes tuees",
    ),
    "injured": ("injured", "wounded", "number injured", "heridos", "lesionados", "blesses", "feridos"),
    "outcome": (
        "outcome",
        "victim outcome",
        "victim status",
        "resultado",
        "estado de la victima",
        "condicion",
        "etat de la victime",
        "issue",
        "condicao",
        "estado da vitima",
    ),
    "sex": ("sex", "gender", "sexo", "genero", "sexe", "genre"),
    "age": ("age", "age years", "edad", "idade"),
    "age_group": ("age group", "grupo de edad", "grupo etario", "groupe d age", "tranche d age", "faixa etaria"),
    "victim_type": (
        "victim type",
        "civilian or deminer",
        "civilian deminer",
        "tipo de victima",
        "type de victime",
        "tipo de vitima",
    ),
    "date": (
        "date",
        "fecha",
        "data",
        "event date",
        "date of accident",
        "accident date",
        "start date",
        "report date",
        "fecha del evento",
        "fecha de accidente",
        "date de l accident",
        "date de l evenement",
        "data do acidente",
    ),
    "year": ("year", "ano", "annee"),
    "month": ("month", "mes", "mois"),
    "status": ("status", "hazard status", "estado", "estado del peligro", "statut", "situacao", "estado do perigo"),
    "hazard_type": (
        "hazard type",
        "type of hazard",
        "cha sha",
        "tipo de peligro",
        "tipo de area peligrosa",
        "type de danger",
        "type de zone dangereuse",
        "tipo de perigo",
        "tipo de area perigosa",
    ),
    "method": (
        "method",
        "release method",
        "land release method",
        "metodo",
        "metodo de liberacion",
        "methode",
        "methode de remise",
        "metodo de libertacao",
    ),
    "adm1_name": (
        "adm1",
        "admin1",
        "adm1 name",
        "admin1 name",
        "department",
        "departamento",
        "state",
        "province",
        "provincia",
        "region",
        "departement",
        "wilaya",
        "oblast",
        "state region",
        "estado provincia",
    ),
    "adm2_name": (
        "adm2",
        "admin2",
        "adm2 name",
        "admin2 name",
        "municipality",
        "municipio",
        "district",
        "distrito",
        "municipalite",
        "county",
        "arrondissement",
        "concelho",
        "prefecture",
    ),
    "adm3_name": (
        "adm3",
        "admin3",
        "adm3 name",
        "admin3 name",
        "township",
        "subdistrict",
        "sub district",
        "commune",
        "corregimiento",
        "section communale",
        "posto administrativo",
        "sous prefecture",
        "village tract",
    ),
    "pcode": ("pcode", "p code", "location pcode", "admin pcode", "codigo p", "code p"),
    "adm1_pcode": (
        "adm1 pcode",
        "adm1 code",
        "admin1 pcode",
        "admin1pcode",
        "adm1pcode",
        "adm1 p code",
        "department pcode",
        "state pcode",
        "province pcode",
        "codigo departamento",
        "cod departamento",
        "code departement",
    ),
    "adm2_pcode": (
        "adm2 pcode",
        "adm2 code",
        "admin2 pcode",
        "admin2pcode",
        "adm2pcode",
        "adm2 p code",
        "district pcode",
        "municipality pcode",
        "codigo municipio",
        "cod municipio",
        "divipola",
        "code commune",
    ),
    "adm3_pcode": (
        "adm3 pcode",
        "adm3 code",
        "admin3 pcode",
        "admin3pcode",
        "adm3pcode",
        "adm3 p code",
        "township pcode",
        "tsp pcode",
        "subdistrict pcode",
    ),
    "latitude": ("lat", "latitude", "latitud", "y", "gps lat", "coord y", "y coord", "lat dd"),
    "longitude": ("lon", "long", "lng", "longitude", "longitud", "x", "gps lon", "gps long", "coord x", "x coord"),
}
ROLES = tuple(SYNONYMS)
#: roles holding measures (numbers)
MEASURES = ("area", "cleared", "reduced", "cancelled", "items", "killed", "injured", "age")
#: the area roles and what one unit is in square metres
AREA_ROLES = ("area", "cleared", "reduced", "cancelled")
AREA_UNITS = {"m2": 1.0, "sqm": 1.0, "m": 1.0, "ha": 10_000.0, "km2": 1_000_000.0}
_UNIT_WORDS = {"m2": "m2", "sqm": "m2", "sq m": "m2", "sq": "m2", "ha": "ha", "hectares": "ha", "km2": "km2"}


def normalise(text: Any) -> str:
    """Lower case, no accents, words of letters and digits separated by one space."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"([a-z])([0-9])", r"\1 \2", text) if re.fullmatch(r"[a-z]+[0-9]", text) else text
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


_LOOKUP = {normalise(s): role for role, names in SYNONYMS.items() for s in names}
# "adm1" and "adm 1" are the same header
_LOOKUP.update({k.replace(" ", ""): v for k, v in list(_LOOKUP.items()) if k.replace(" ", "") not in _LOOKUP})


class MappingError(Exception):
    """A mapping that does not fit the file: ``errors`` maps each wrong key to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Mapping:
    """The roles of an export's columns: ``columns`` role -> column name,
    ``area_unit`` (``m2``, ``ha``, ``km2``), ``layer``, and ``detected``
    (whether each role was recognised or set by a mapping file)."""

    columns: dict[str, str] = field(default_factory=dict)
    area_unit: str = "m2"
    layer: str | None = None
    detected: dict[str, str] = field(default_factory=dict)

    def column(self, role: str) -> str | None:
        return self.columns.get(role)

    def to_yaml(self) -> str:
        """The mapping file for the user to edit."""
        data: dict[str, Any] = {"columns": dict(self.columns), "area_unit": self.area_unit}
        if self.layer:
            data["layer"] = self.layer
        head = (
            "# Mapping of the export's columns to their roles (see the portal's documentation).\n"
            "# Roles: " + ", ".join(ROLES) + "\n"
            "# area_unit: m2, ha or km2\n"
        )
        return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _header_role(header: str) -> tuple[str | None, str | None]:
    """The role a header names, and an area unit it carries (``Area (ha)``)."""
    words = normalise(header)
    if words in _LOOKUP:
        return _LOOKUP[words], None
    if words.replace(" ", "") in _LOOKUP:
        return _LOOKUP[words.replace(" ", "")], None
    for unit_words, unit in _UNIT_WORDS.items():
        if words.endswith(" " + unit_words):
            stem = words[: -len(unit_words) - 1].strip()
            role = _LOOKUP.get(stem)
            if role in AREA_ROLES:
                return role, unit
    return None, None


def detect(columns: list[str]) -> Mapping:
    """Recognise the roles of ``columns`` from their names (the first column
    naming a role takes it)."""
    mapping = Mapping()
    units: set[str] = set()
    for column in columns:
        role, unit = _header_role(column)
        if role and role not in mapping.columns:
            mapping.columns[role] = column
            mapping.detected[role] = "header"
            if unit:
                units.add(unit)
    if len(units) == 1:
        mapping.area_unit = units.pop()
    return mapping


def load(text: str, columns: list[str]) -> Mapping:
    """A mapping file read and checked against the file's ``columns``
    (roles not in the file are detected from headers); MappingError names
    each wrong entry."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise MappingError({"mapping": [f"not YAML: {error}"]}) from error
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise MappingError({"mapping": ["expected a 'columns' dictionary of role: column name"]})
    errors: dict[str, list[str]] = {}
    mapping = detect(columns)
    given = data.get("columns") or {}
    for role, column in given.items():
        if role not in SYNONYMS:
            errors.setdefault(f"columns.{role}", []).append("unknown role")
        elif column in (None, ""):
            mapping.columns.pop(role, None)
            mapping.detected.pop(role, None)
        elif str(column) not in columns:
            errors.setdefault(f"columns.{role}", []).append(f"no column {column!r} in the file")
        else:
            mapping.columns[role] = str(column)
            mapping.detected[role] = "mapping"
    unit = data.get("area_unit")
    if unit is not None:
        unit = normalise(unit).replace(" ", "")
        if unit not in AREA_UNITS:
            errors.setdefault("area_unit", []).append(f"unknown unit {data.get('area_unit')!r}: use m2, ha or km2")
        else:
            mapping.area_unit = "m2" if unit in ("sqm", "m") else unit
    if data.get("layer"):
        mapping.layer = str(data["layer"])
    if errors:
        raise MappingError(errors)
    return mapping
