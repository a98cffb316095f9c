"""The SVG choropleth renderer (ckanext.imwg.maps): pure, no CKAN."""

from __future__ import annotations

import re

from ckanext.imwg import maps

SQUARE = {"type": "Polygon", "coordinates": [[[96, 16], [98, 16], [98, 18], [96, 18], [96, 16]]]}


def _square(x: float, y: float, size: float = 1) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


def _points(d: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)]


def _inside(m: maps.Map, d: str) -> bool:
    return all(0 <= x <= m.width and 0 <= y <= m.height for x, y in _points(d))


def test_square_renders_a_closed_path_within_the_viewbox():
    """A square polygon becomes one closed subpath whose points lie in the viewBox."""
    m = maps.build([maps.Unit("MMR001", "Kachin", 3, "/location/MMR001", SQUARE)])
    d = m.shapes[0].d
    assert d.startswith("M")
    assert d.endswith("Z")
    assert len(_points(d)) == 4
    assert _inside(m, d)
    assert m.viewbox == f"0 0 {m.width:g} {m.height:g}"


def test_longitudes_are_scaled_by_the_cosine_of_the_latitude():
    """At 60° a square in degrees is drawn twice as high as wide (equirectangular, cos 60° = 0.5)."""
    north = {"type": "Polygon", "coordinates": [_square(10, 59.5)]}
    m = maps.build([maps.Unit("X", "X", 1, "", north)])
    xs = [p[0] for p in _points(m.shapes[0].d)]
    ys = [p[1] for p in _points(m.shapes[0].d)]
    ratio = (max(ys) - min(ys)) / (max(xs) - min(xs))
    assert abs(ratio - 2) < 0.05


def test_north_is_up():
    """A unit further north is drawn higher (smaller y) than one further south."""
    north = maps.Unit("N", "North", 1, "", {"type": "Polygon", "coordinates": [_square(96, 25)]})
    south = maps.Unit("S", "South", 1, "", {"type": "Polygon", "coordinates": [_square(96, 10)]})
    m = maps.build([north, south])
    by_code = {s.pcodes: max(p[1] for p in _points(s.d)) for s in m.shapes}
    assert by_code["N"] < by_code["S"]


def test_multipolygon_draws_every_part_and_holes():
    """A MultiPolygon of two squares, one with a hole, gives three subpaths in one path."""
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[_square(90, 10, 4), _square(91, 11, 1)], [_square(100, 20)]],
    }
    m = maps.build([maps.Unit("MMR017", "Ayeyarwady", 1, "", multi)])
    assert len(m.shapes) == 1
    assert m.shapes[0].d.count("M") == 3
    assert _inside(m, m.shapes[0].d)


def test_counts_map_to_shade_classes():
    """Zero is the empty class; counts rise in classes up to the highest count."""
    assert maps.shade(0, 10) == 0
    assert maps.shade(1, 10) == 1
    assert maps.shade(10, 10) == maps.CLASSES
    assert maps.shade(5, 10) < maps.shade(9, 10)
    assert maps.shade(3, 0) == 0


def test_legend_covers_every_count_once():
    """The legend's classes cover 0..highest without gaps or overlaps."""
    for highest in (1, 2, 3, 7, 40):
        rows = maps.legend(highest)
        covered = [c for _k, low, high in rows for c in range(low, high + 1)]
        assert covered == list(range(highest + 1)), highest
        for k, low, high in rows:
            assert {maps.shade(c, highest) for c in range(low, high + 1)} == {k}


def test_shapes_carry_their_shade_link_and_code():
    """Each drawn unit links to its page and carries its code and shade."""
    units = [
        maps.Unit("A", "Alpha", 0, "/location/A", {"type": "Polygon", "coordinates": [_square(96, 16)]}),
        maps.Unit("B", "Beta", 8, "/location/B", {"type": "Polygon", "coordinates": [_square(97, 16)]}),
    ]
    shapes = {s.pcodes: s for s in maps.build(units).shapes}
    assert shapes["A"].shade == 0
    assert shapes["B"].shade == maps.CLASSES
    assert shapes["B"].url == "/location/B"


def test_no_geometry_falls_back_to_a_list_with_counts():
    """Without any boundary nothing is drawn and every unit is listed with its count."""
    m = maps.build([maps.Unit("A", "Alpha", 2, "/location/A"), maps.Unit("B", "Beta", 0, "/location/B")])
    assert not m.drawn
    assert [(u.pcode, u.count) for u in m.missing] == [("A", 2), ("B", 0)]


def test_units_without_boundary_are_listed_beside_the_drawn_ones():
    """A unit with no boundary is listed while the others are drawn."""
    m = maps.build([maps.Unit("A", "Alpha", 1, "", SQUARE), maps.Unit("B", "Beta", 4, "")])
    assert [s.pcodes for s in m.shapes] == ["A"]
    assert [u.pcode for u in m.missing] == ["B"]


def test_units_sharing_one_boundary_are_drawn_once_as_a_group():
    """Parts with the same outline make one shape: largest count, the parent's page, every code."""
    parts = [
        maps.Unit("MMR014", "Shan (South)", 1, "/location/MMR014", SQUARE, "/location/MMR"),
        maps.Unit("MMR015", "Shan (North)", 3, "/location/MMR015", SQUARE, "/location/MMR"),
    ]
    m = maps.build(parts)
    assert len(m.shapes) == 1
    assert m.shapes[0].group
    assert m.shapes[0].count == 3
    assert m.shapes[0].url == "/location/MMR"
    assert m.shapes[0].pcodes == "MMR014 MMR015"


def test_framed_unit_is_centred_and_highlighted_last():
    """Framing a unit centres the viewBox on it; the highlighted shape is drawn last."""
    unit = maps.Unit("B", "Beta", 1, "", {"type": "Polygon", "coordinates": [_square(97, 16)]})
    other = maps.Unit("A", "Alpha", 1, "", {"type": "Polygon", "coordinates": [_square(90, 10)]})
    m = maps.build([unit, other], highlight="B", frame=unit.geometry)
    assert m.shapes[-1].pcodes == "B"
    assert m.shapes[-1].highlighted
    xs = [p[0] for p in _points(m.shapes[-1].d)]
    assert abs((min(xs) + max(xs)) / 2 - m.width / 2) < 1


def test_malformed_geometry_is_listed_not_drawn():
    """A geometry that is not a polygon (or is broken) does not break the map."""
    m = maps.build(
        [
            maps.Unit("A", "Alpha", 1, "", {"type": "Point", "coordinates": [1, 2]}),
            maps.Unit("B", "Beta", 1, "", {"type": "Polygon", "coordinates": [[["x"]]]}),
        ]
    )
    assert not m.drawn
    assert len(m.missing) == 2
