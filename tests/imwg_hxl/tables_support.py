"""Tables and a small gazetteer shared by the HXL preview tests."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

SQUARE = {"type": "Polygon", "coordinates": [[[97, 25], [98, 25], [98, 26], [97, 26], [97, 25]]]}


def gazetteer(codes, geometry=False):
    known = {
        "MMR001": {"level": 1, "name": "Kachin", "retired": False, "geometry": SQUARE},
        "MMR002": {"level": 1, "name": "Kayah", "retired": False, "geometry": None},
        "MMR001D001": {"level": 2, "name": "Myitkyina", "retired": False, "geometry": SQUARE},
        "MMR001D002": {"level": 2, "name": "Bhamo", "retired": True, "geometry": None},
    }
    return {c: dict(known[c]) if geometry else dict(known[c], geometry=None) for c in codes if c in known}


UNTAGGED = "State,Township P-code,Date,Households,Killed\n" + "".join(
    f"{['Kachin', 'Kayah'][i % 2]},MMR001D00{1 + i % 2},2024-0{1 + i % 3}-15,{10 + i},{i % 3}\n" for i in range(30)
)

TAGGED = (
    "State,Township,Date,Killed,Injured\n#adm1+code,#adm3+code,#date,#affected+killed,#affected+injured\n"
    + "".join(
        f"{['MMR001', 'MMR015'][i % 2]},{['MMR001014', 'MMR015001'][i % 2]},2024-0{1 + i % 4}-05,{i % 3},{i % 5}\n"
        for i in range(24)
    )
)


def workbook(path: Path) -> Path:
    book = Workbook()
    cover = book.active
    cover.title = "Read me"
    cover.append(["About this workbook"])
    cover.append(["Figures by state, 2024"])
    data = book.create_sheet("Data")
    data.append(["State", "Killed"])
    data.append(["#adm1+code", "#affected+killed"])
    for i in range(12):
        data.append([f"MMR00{1 + i % 2}", i])
    extra = book.create_sheet("Sites")
    extra.append(["Site", "Households"])
    for i in range(6):
        extra.append([f"Site {i}", 10 * i])
    book.create_sheet("Empty")
    book.save(path)
    return path
