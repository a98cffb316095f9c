"""A small real-shaped gazetteer for the tests: Myanmar (MIMU codes, where a
township like MMR001014 sits under district MMR001D001, not by prefix) and
Haiti, with a boundary for Kachin and a retired township."""

from __future__ import annotations

import json
from pathlib import Path

import ckan.model as model
import sqlalchemy as sa

UNITS = """adm0_pcode,adm0_name,adm1_pcode,adm1_name,adm1_name1,adm2_pcode,adm2_name,adm3_pcode,adm3_name,adm3_name1
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D001,Myitkyina,MMR001001,Myitkyina,မြစ်ကြီးနား
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D001,Myitkyina,MMR001014,Waingmaw,ဝိုင်းမော်
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D002,Mohnyin,MMR001008,Mohnyin,မိုးညှင်း
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D002,Mohnyin,MMR001099,Old Township,
MMR,Myanmar,MMR015,Shan (North),ရှမ်း,MMR015D001,Lashio,MMR015001,Lashio,လားရှိုး
HTI,Haïti,HT01,Ouest,,HT0111,Port-au-Prince,HT0111-01,Port-au-Prince Centre,
"""

KACHIN = {"type": "Polygon", "coordinates": [[[96.0, 24.0], [98.7, 24.0], [98.7, 28.5], [96.0, 28.5], [96.0, 24.0]]]}
SHAN = {"type": "Polygon", "coordinates": [[[96.5, 21.0], [99.5, 21.0], [99.5, 24.2], [96.5, 24.2], [96.5, 21.0]]]}


def load(tmp_path: Path) -> None:
    """Load the units, the admin-1 boundaries, and retire MMR001099."""
    from ckanext.imwg_pcode import loader

    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    loader.load(units, model.Session)
    features = [
        {
            "type": "Feature",
            "properties": {
                "adm0_pcode": "MMR",
                "adm0_name": "Myanmar",
                "adm1_pcode": code,
                "adm1_name": name,
                "adm1_name1": local,
            },
            "geometry": geom,
        }
        for code, name, local, geom in (("MMR001", "Kachin", "ကချင်", KACHIN), ("MMR015", "Shan (North)", "ရှမ်း", SHAN))
    ]
    boundaries = tmp_path / "mmr_adm1.geojson"
    boundaries.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    loader.load(boundaries, model.Session, tolerance=0)
    model.Session.execute(sa.text("UPDATE imwg_pcode_unit SET retired_at = now() WHERE pcode = 'MMR001099'"))
    model.Session.commit()
