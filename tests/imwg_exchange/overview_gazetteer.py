"""A small gazetteer for the overview tests: Myanmar's P-codes with square
boundaries, two parts sharing one outline (as Natural Earth's Shan), an
admin-1 unit without a boundary (as Nay Pyi Taw) and an admin-2 level with
one boundary out of two."""

from __future__ import annotations

import json
from pathlib import Path

import ckan.model as model


def square(x: float, y: float, size: float = 2.0) -> dict:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


SHAN = square(97, 20, 3)
#: (adm1 code, name, boundary)
ADM1 = [
    ("MMR001", "Kachin", square(96, 24, 3)),
    ("MMR002", "Kayah", square(97, 18)),
    ("MMR003", "Kayin", square(97.5, 16)),
    ("MMR014", "Shan (South)", SHAN),
    ("MMR015", "Shan (North)", SHAN),
    ("MMR018", "Nay Pyi Taw", None),
]
#: (adm2 code, name, parent, boundary)
ADM2 = [
    ("MMR001D001", "Myitkyina", "MMR001", square(96.5, 25, 1)),
    ("MMR001D002", "Mohnyin", "MMR001", None),
    ("MMR002D001", "Loikaw", "MMR002", None),
]


def load(tmp_path: Path) -> None:
    """Load the units and their boundaries (one GeoJSON file, as the demo's)."""
    from ckanext.imwg_pcode import loader

    names = {code: name for code, name, _g in ADM1}
    features = [
        {
            "type": "Feature",
            "properties": {"adm0_pcode": "MMR", "adm0_name": "Myanmar", "adm1_pcode": code, "adm1_name": name},
            "geometry": geometry,
        }
        for code, name, geometry in ADM1
    ] + [
        {
            "type": "Feature",
            "properties": {
                "adm0_pcode": "MMR",
                "adm0_name": "Myanmar",
                "adm1_pcode": parent,
                "adm1_name": names[parent],
                "adm2_pcode": code,
                "adm2_name": name,
            },
            "geometry": geometry,
        }
        for code, name, parent, geometry in ADM2
    ]
    path = tmp_path / "overview.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    loader.load(path, model.Session, tolerance=0)
