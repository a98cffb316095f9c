"""Choropleth maps drawn on the server as SVG, shared by the overview (home
page) and the location pages.

Pure: no database, no CKAN. A map is built from administrative units, each
with its GeoJSON boundary (Polygon or MultiPolygon, longitude/latitude) or
none, its datasets count and the page it links to; the template
``imwg/snippets/map.html`` draws it (one link per unit around a path whose
``<title>`` gives the name and count on hover, a legend, and the list of units
without a boundary with their counts). No JavaScript map library: the map is
a few kilobytes of SVG that prints, works without scripts and is read out by
screen readers through its titles and its list.

The projection is equirectangular, with longitudes scaled by the cosine of
the mean latitude of what is framed: at a country's scale shapes keep their
proportions without a projection library. Y grows downwards in SVG, so
latitudes are negated.

Units that share one boundary (a gazetteer that splits a unit its boundary
file keeps whole: Natural Earth has one Shan, the P-codes three) are drawn
once, as a group: its shade is the largest of their counts (a dataset tagged
with two parts is not counted twice), its hover text lists every part, and it
links to their parent's page, which lists the parts. No line is invented.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from typing import Any

#: width of the SVG coordinate system; the height follows the framed shape
WIDTH = 600.0
#: shade classes besides 0 (no dataset)
CLASSES = 4
#: margin around a framed unit, as a share of its size
MARGIN = 0.15
#: fill of each shade class (ColorBrewer "Blues", colour-blind safe, prints in grey)
PALETTE = ("#f4f4f4", "#c6dbef", "#6baed6", "#2171b5", "#08306b")
#: fill of context outlines
CONTEXT_FILL = "#fbfbfb"


@dataclasses.dataclass
class Unit:
    """One administrative unit to draw or list."""

    pcode: str
    name: str
    count: int = 0
    url: str = ""
    geometry: dict[str, Any] | None = None
    #: the page that lists this unit and its siblings (the link of a group)
    parent_url: str = ""


@dataclasses.dataclass
class Shape:
    """One drawn shape: a unit, or the units that share its boundary."""

    units: list[Unit]
    d: str
    shade: int
    url: str
    highlighted: bool = False

    @property
    def pcodes(self) -> str:
        return " ".join(u.pcode for u in self.units)

    @property
    def count(self) -> int:
        return max(u.count for u in self.units)

    @property
    def group(self) -> bool:
        return len(self.units) > 1


@dataclasses.dataclass
class Map:
    """What the template draws."""

    width: float
    height: float
    shapes: list[Shape]
    #: outlines drawn under the shapes, unshaded (the neighbours of a framed unit)
    context: list[Shape]
    #: (shade, lowest count, highest count) of the classes in use, 0 first
    legend: list[tuple[int, int, int]]
    #: units without a boundary, listed with their counts
    missing: list[Unit]

    @property
    def colours(self) -> tuple[str, ...]:
        return PALETTE

    @property
    def context_fill(self) -> str:
        return CONTEXT_FILL

    @property
    def viewbox(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"

    @property
    def drawn(self) -> bool:
        return bool(self.shapes)


def polygons(geometry: dict[str, Any] | None) -> list[list[list[tuple[float, float]]]]:
    """The polygons (each a list of rings of (lon, lat)) of a Polygon or
    MultiPolygon; anything else (or malformed) has none."""
    if not isinstance(geometry, dict):
        return []
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    try:
        if kind == "Polygon":
            raw = [coords]
        elif kind == "MultiPolygon":
            raw = list(coords)
        elif kind == "GeometryCollection":
            return [p for g in geometry.get("geometries") or [] for p in polygons(g)]
        else:
            return []
        found = [[[(float(pt[0]), float(pt[1])) for pt in ring] for ring in poly if len(ring) >= 3] for poly in raw]
    except (TypeError, ValueError, IndexError):
        return []
    # a polygon is drawn by its outer ring
    return [poly for poly in found if poly]


def bounds(geometries: Iterable[dict[str, Any] | None]) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of the geometries, or None."""
    xs, ys = [], []
    for geometry in geometries:
        for poly in polygons(geometry):
            for ring in poly:
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


class Projection:
    """Longitude/latitude to SVG coordinates for a frame of ``WIDTH``."""

    def __init__(self, frame: tuple[float, float, float, float], margin: float = 0.02):
        minx, miny, maxx, maxy = frame
        self.k = math.cos(math.radians((miny + maxy) / 2))
        w = max((maxx - minx) * self.k, 1e-9)
        h = max(maxy - miny, 1e-9)
        pad = max(w, h) * margin
        self.x0 = minx * self.k - pad
        self.y0 = maxy + pad
        self.scale = WIDTH / (w + 2 * pad)
        self.height = round((h + 2 * pad) * self.scale, 1)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return round((lon * self.k - self.x0) * self.scale, 1), round((self.y0 - lat) * self.scale, 1)

    def path(self, geometry: dict[str, Any] | None) -> str:
        """SVG path data: one closed subpath per ring (holes by the even-odd rule)."""
        parts = []
        for poly in polygons(geometry):
            for ring in poly:
                points: list[tuple[float, float]] = []
                for lon, lat in ring:
                    pt = self.point(lon, lat)
                    if not points or points[-1] != pt:
                        points.append(pt)
                if len(points) > 1 and points[0] == points[-1]:
                    points.pop()  # "Z" closes the ring
                if len(points) >= 3:
                    parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
        return "".join(parts)


def shade(count: int, highest: int, classes: int = CLASSES) -> int:
    """The shade class of a count: 0 for none, 1..classes in equal steps up to the highest."""
    if count <= 0 or highest <= 0:
        return 0
    return min(classes, 1 + (count - 1) * classes // highest)


def legend(highest: int, classes: int = CLASSES) -> list[tuple[int, int, int]]:
    """(class, lowest count, highest count) of each class used for counts up to ``highest``."""
    rows = [(0, 0, 0)]
    for k in range(1, classes + 1):
        low = math.ceil((k - 1) * highest / classes) + 1
        high = math.ceil(k * highest / classes)
        if low <= high:
            rows.append((k, low, high))
    return rows


def _key(geometry: dict[str, Any]) -> str:
    return json.dumps(geometry, sort_keys=True)


def build(
    units: Iterable[Unit],
    *,
    context: Iterable[Unit] = (),
    highlight: str | None = None,
    frame: dict[str, Any] | None = None,
) -> Map:
    """A map of ``units`` shaded by count, over the unshaded ``context``.

    ``highlight`` (a P-code) is outlined; ``frame`` (a geometry) is what the
    map is centred on, with a margin around it (default: everything drawn).
    """
    units, context = list(units), list(context)
    drawable = [u for u in units if polygons(u.geometry)]
    missing = [u for u in units if not polygons(u.geometry)]
    around = [u for u in context if polygons(u.geometry)]
    box = bounds([frame]) if frame is not None else None
    margin = MARGIN if box else 0.02
    box = box or bounds(u.geometry for u in drawable + around)
    if box is None:
        return Map(WIDTH, 0, [], [], legend(max((u.count for u in units), default=0)), missing)
    projection = Projection(box, margin)
    highest = max((u.count for u in units), default=0)

    def shapes(members: list[Unit], shaded: bool) -> list[Shape]:
        groups: dict[str, list[Unit]] = {}
        for unit in members:
            groups.setdefault(_key(unit.geometry), []).append(unit)
        out = []
        for group in groups.values():
            group.sort(key=lambda u: u.pcode)
            first = group[0]
            url = first.url if len(group) == 1 else (first.parent_url or first.url)
            count = max(u.count for u in group)
            out.append(
                Shape(
                    units=group,
                    d=projection.path(first.geometry),
                    shade=shade(count, highest) if shaded else 0,
                    url=url,
                    highlighted=any(u.pcode == highlight for u in group),
                )
            )
        return out

    drawn_codes = {u.pcode for u in drawable}
    # the highlighted shape last, so that its outline is drawn over its neighbours'
    shaded = sorted(shapes(drawable, True), key=lambda s: s.highlighted)
    return Map(
        width=WIDTH,
        height=projection.height,
        shapes=shaded,
        context=shapes([u for u in around if u.pcode not in drawn_codes], False),
        legend=legend(highest),
        missing=missing,
    )
