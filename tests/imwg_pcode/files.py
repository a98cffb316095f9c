"""Gazetteer files shared by the reading and the loading tests."""

from __future__ import annotations

#: an extract of OCHA's Global P-code list (countries implied by the units' parents)
GLOBAL = """Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date
MMR,1,MMR001,Kachin,MMR,2019-12-01
MMR,2,MMR001D001,Myitkyina,MMR001,2019-12-01
MMR,3,MMR001002,Waingmaw,MMR001,2019-12-01
MMR,1,MMR015,Shan (North),MMR,2019-12-01
"""
