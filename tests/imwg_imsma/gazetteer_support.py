"""A small gazetteer for the imports' tests: a country ``COL`` of 2
departments x 4 municipalities x 4 sub-units, each a square (municipality
names repeat across departments), as plain units and loaded in the portal's
gazetteer through its loader."""

from __future__ import annotations

import json
from pathlib import Path

import shapely

from ckanext.imwg_imsma import place

COUNTRY = "COL"
DEPARTMENTS = [("COL01", "Antioquia"), ("COL02", "Córdoba")]
MUNICIPALITIES = ["San Pedro", "La Unión", "Betania", "Río Claro"]
#: the country's outline: longitude -75..-73, latitude 4..6
WEST, SOUTH = -75.0, 4.0


def squares():
    """(code, name, level, parent, (minx, miny, maxx, maxy)) of every unit below the country."""
    out = []
    for d, (dcode, dname) in enumerate(DEPARTMENTS):
        dx = WEST + d
        out.append((dcode, dname, 1, COUNTRY, (dx, SOUTH, dx + 1, SOUTH + 2)))
        for m, mname in enumerate(MUNICIPALITIES):
            mx, my = dx + (m % 2) * 0.5, SOUTH + (m // 2) * 1.0
            mcode = f"{dcode}{m + 1:03d}"
            out.append((mcode, mname, 2, dcode, (mx, my, mx + 0.5, my + 1)))
            for s in range(4):
                sx, sy = mx + (s % 2) * 0.25, my + (s // 2) * 0.5
                out.append((f"{mcode}{s + 1:03d}", f"Vereda {s + 1}", 3, mcode, (sx, sy, sx + 0.25, sy + 0.5)))
    return out


def gazetteer() -> place.Gazetteer:
    """The units as the importer's placing uses them."""
    units = [place.Unit(COUNTRY, "Colombia", 0, None, COUNTRY, (), shapely.box(WEST, SOUTH, WEST + 2, SOUTH + 2))]
    for code, name, level, parent, box in squares():
        units.append(place.Unit(code, name, level, parent, COUNTRY, (), shapely.box(*box)))
    return place.Gazetteer(units)


def centre(code: str) -> tuple[float, float]:
    """(longitude, latitude) of a unit's centre."""
    box = next(b for c, *_, b in squares() if c == code)
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def load(tmp_path: Path) -> None:
    """Load the units with their boundaries in the portal's gazetteer."""
    import ckan.model as model

    from ckanext.imwg_pcode import loader

    features = []
    by_code = {c: (n, lvl, p, b) for c, n, lvl, p, b in squares()}
    for code, (name, level, parent, box) in by_code.items():
        if level != 3:
            continue
        mcode = parent
        dcode = by_code[mcode][2]
        props = {
            "adm0_pcode": COUNTRY,
            "adm0_name": "Colombia",
            "adm1_pcode": dcode,
            "adm1_name": by_code[dcode][0],
            "adm2_pcode": mcode,
            "adm2_name": by_code[mcode][0],
            "adm3_pcode": code,
            "adm3_name": name,
        }
        features.append(
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(shapely.box(*box))}
        )
    path = tmp_path / "col_adm3.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    loader.load(path, model.Session, tolerance=0)
    # the boundaries of the levels above, one file per level
    for level in (1, 2):
        feats = []
        for code, (name, lvl, parent, box) in by_code.items():
            if lvl != level:
                continue
            props = {"adm0_pcode": COUNTRY, "adm0_name": "Colombia"}
            if level == 1:
                props.update(adm1_pcode=code, adm1_name=name)
            else:
                props.update(adm1_pcode=parent, adm1_name=by_code[parent][0], adm2_pcode=code, adm2_name=name)
            feats.append(
                {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(shapely.box(*box))}
            )
        p = tmp_path / f"col_adm{level}.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
        loader.load(p, model.Session, tolerance=0)
    model.Session.commit()
