"""What a preview shows, from a stored profile: the profile as the caller
may see it (whole, or aggregate-only with small cells suppressed) and the
charts chosen from the hashtags, like HDX's Quick Charts: key figures,
bars by place, sector or organisation, a time series, and a choropleth
map of a measure per admin unit joined by P-code. Pure: the gazetteer is
a function passed in. Charts are drawn server-side as SVG (no script).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from . import suppression

#: hashtags shown as key figures (their sums), in this order
KEY_FIGURES = ("inneed", "targeted", "reached", "affected", "population")
#: bars per chart
BARS = 10
#: at most this many bar charts
BAR_CHARTS = 4
#: the map's drawing size (SVG units)
MAP_WIDTH, MAP_HEIGHT = 600.0, 420.0
#: the time series' drawing size (SVG units)
TIMELINE_WIDTH, TIMELINE_HEIGHT = 600.0, 200.0
#: at most this many period labels under the time series (every period is
#: labelled up to this many; beyond, every second, third... one, and each
#: point still names its period when pointed at)
PERIOD_LABELS = 36
#: sequential colours of the map (light to dark)
COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")

Places = Callable[..., dict[str, dict[str, Any]] | None]


#: per-column figures that count the records of one cell of a breakdown
#: (its empty cells, say): left out of aggregate-only previews
CELL_COUNTS = ("non_empty", "empty", "formulas", "not_date", "not_number")


def as_seen(result: dict[str, Any], mode: str, below: int) -> dict[str, Any]:
    """The stored profile as a caller with ``mode`` access may see it:
    everything for ``data``; for ``aggregates``, no row, no value of a
    single record (no top values, minimum, maximum, examples), aggregates
    with small cells suppressed so that none can be worked out from the
    rest (``suppression``), no count of the records of a breakdown's cell
    elsewhere (a place column's empty cells, the records of a validation
    issue), and no figure at all for a table of fewer than ``below`` records."""
    if mode == "data":
        return result
    seen = copy.deepcopy(result)
    links = seen.pop("links", None)
    seen.pop("version", None)
    seen["sample"] = []
    seen["aggregate_only"] = True
    seen["suppress_below"] = below
    small = (seen.get("rows") or 0) < below
    agg = seen.get("aggregates")
    broken_down = set()
    if agg:
        broken_down = {a["index"] for a in agg["by"]} | ({agg["months"]["index"]} if agg.get("months") else set())
        seen["aggregates"] = suppression.protect(agg, links, below)
        if small:
            seen["aggregates"]["rows"] = None
    for col in seen.get("columns", []):
        for key in ("top", "min", "max"):
            col.pop(key, None)
        if small or col["index"] in broken_down:
            for key in CELL_COUNTS:
                col.pop(key, None)
        if small:
            col.pop("sum", None)
            col.pop("distinct", None)
    validation = seen.get("validation")
    if validation:
        validation["errors"] = None
        for issue in validation.get("issues", []):
            issue["examples"] = []
            issue["count"] = None
        if small:
            validation["rows"] = None
    if small:
        seen["rows"] = None
    return seen


def _measure(agg: dict[str, Any]) -> tuple[int | None, str]:
    """The summed measure charts show (its position and label), or counts of rows."""
    for i, m in enumerate(agg["measures"]):
        return i, m["hashtag"] or m["header"]
    return None, "rows"


def _columns(agg: dict[str, Any], by: dict[str, Any]) -> dict[str, Any]:
    """What a chart is of, for its title: the measure's and the breakdown's
    header and hashtag (no measure: records are counted), and whether their
    roles were inferred from headers rather than read from hashtags."""
    m = agg["measures"][0] if agg["measures"] else None
    return {
        "measure_column": {"header": m["header"], "hashtag": m["hashtag"]} if m else None,
        "by_column": {"header": by["header"], "hashtag": by["hashtag"]},
        "inferred": bool((m and m.get("inferred")) or by.get("inferred")),
    }


def _value(group: dict[str, Any], measure: int | None) -> float:
    return group["n"] if measure is None else (group["sums"][measure] or 0)


def key_figures(seen: dict[str, Any]) -> list[dict[str, Any]]:
    figures = []
    for m in seen["aggregates"]["measures"]:
        tag = (m["hashtag"] or "#").split("+")[0][1:]
        if tag in KEY_FIGURES and m["sum"] is not None:
            figures.append(
                {
                    "label": m["header"] or m["hashtag"],
                    "header": m["header"],
                    "hashtag": m["hashtag"],
                    "value": m["sum"],
                    "inferred": bool(m.get("inferred")),
                }
            )
    figures.sort(key=lambda f: KEY_FIGURES.index(f["hashtag"].split("+")[0][1:]))
    return figures


def bars(seen: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    agg = seen["aggregates"]
    measure, label = _measure(agg)
    charts = []
    for by in agg["by"][:BAR_CHARTS]:
        groups = sorted(by["groups"], key=lambda g: -_value(g, measure))[:BARS]
        if not groups:
            continue
        top = max(_value(g, measure) for g in groups) or 1
        items = [
            {
                "key": g["key"],
                "label": names.get(str(g["key"]).upper(), g["key"]) if by["type"] == "code" else g["key"],
                "value": _value(g, measure),
                "share": round(100 * _value(g, measure) / top, 1),
            }
            for g in groups
        ]
        charts.append(
            {
                "by": by["hashtag"] or by["header"],
                "header": by["header"],
                "measure": label,
                "items": items,
                "suppressed": by.get("suppressed", 0),
                **_columns(agg, by),
            }
        )
    return charts


def timeline(seen: dict[str, Any]) -> dict[str, Any] | None:
    agg = seen["aggregates"]
    months = agg.get("months")
    if not months or len(months["groups"]) < 2:
        return None
    measure, label = _measure(agg)
    points = sorted(months["groups"], key=lambda g: g["key"])
    values = [_value(g, measure) for g in points]
    top = max(values) or 1
    width, height = TIMELINE_WIDTH, TIMELINE_HEIGHT
    step = width / (len(points) - 1)
    coords = [(round(i * step, 1), round(height - height * v / top, 1)) for i, v in enumerate(values)]
    every = max(1, math.ceil(len(points) / PERIOD_LABELS))
    return {
        "measure": label,
        "by": months["hashtag"] or months["header"],
        "points": [
            {"label": str(g["key"])[:7], "key": g["key"], "value": v, "x": x, "y": y, "labelled": i % every == 0}
            for i, (g, v, (x, y)) in enumerate(zip(points, values, coords, strict=True))
        ],
        "polyline": " ".join(f"{x},{y}" for x, y in coords),
        "max": top,
        "ticks": [{"value": top * i / 4, "y": round(height - height * i / 4, 1)} for i in range(5)],
        "width": width,
        "height": height,
        "suppressed": months.get("suppressed", 0),
        **_columns(agg, months),
    }


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return geometry["coordinates"]
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def choropleth(seen: dict[str, Any], places: Places) -> dict[str, Any] | None:
    """The measure per admin unit (the deepest level whose units have
    boundaries), joined to the gazetteer by P-code, as SVG paths."""
    agg = seen["aggregates"]
    measure, label = _measure(agg)
    code_dims = [b for b in agg["by"] if b["type"] == "code" and (b["tag"] or "").startswith(("adm", "country"))]
    for by in sorted(code_dims, key=lambda b: -(int(b["tag"][3:]) if b["tag"].startswith("adm") else 0)):
        values = {str(g["key"]).upper(): _value(g, measure) for g in by["groups"] if g["key"]}
        found = places(list(values), geometry=True) if values else None
        if not found:
            continue
        shapes = {c: u for c, u in found.items() if u.get("geometry")}
        if not shapes:
            continue
        return _draw(agg, by, label, values, shapes)
    return None


def _draw(
    agg: dict[str, Any], by: dict[str, Any], label: str, values: dict[str, float], shapes: dict[str, Any]
) -> dict[str, Any]:
    rings = {code: _rings(unit["geometry"]) for code, unit in shapes.items()}
    points = [p for rs in rings.values() for ring in rs for p in ring]
    minx, maxx = min(p[0] for p in points), max(p[0] for p in points)
    miny, maxy = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((miny + maxy) / 2))
    span_x, span_y = max((maxx - minx) * squeeze, 1e-9), max(maxy - miny, 1e-9)
    scale = min(MAP_WIDTH / span_x, MAP_HEIGHT / span_y)

    def xy(p: list[float]) -> str:
        return f"{(p[0] - minx) * squeeze * scale:.1f},{(maxy - p[1]) * scale:.1f}"

    top = max(values[c] for c in shapes) or 1
    breaks = [top * (i + 1) / len(COLOURS) for i in range(len(COLOURS))]
    units = []
    for code, unit in sorted(shapes.items()):
        value = values[code]
        band = next(i for i, b in enumerate(breaks) if value <= b or i == len(breaks) - 1)
        path = " ".join("M" + " L".join(xy(p) for p in ring) + " Z" for ring in rings[code])
        units.append({"pcode": code, "name": unit["name"], "value": value, "colour": COLOURS[band], "path": path})
    return {
        "by": by["hashtag"] or by["header"],
        "level": by["tag"],
        "measure": label,
        "width": round(span_x * scale, 1),
        "height": round(span_y * scale, 1),
        "units": units,
        "legend": [
            {"colour": c, "upto": round(b, 1), "from": round(breaks[i - 1], 1) if i else 0}
            for i, (c, b) in enumerate(zip(COLOURS, breaks, strict=True))
        ],
        "unmatched": sorted(set(values) - set(shapes))[:20],
        "suppressed": by.get("suppressed", 0),
        **_columns(agg, by),
    }


def build(seen: dict[str, Any], places: Places) -> dict[str, Any]:
    """Every chart for a profile as the caller sees it."""
    if not seen.get("aggregates"):
        return {"key_figures": [], "bars": [], "timeline": None, "map": None}
    codes = [
        str(g["key"]).upper() for b in seen["aggregates"]["by"] if b["type"] == "code" for g in b["groups"] if g["key"]
    ]
    known = (places(codes) or {}) if codes else {}
    names = {c: u["name"] for c, u in known.items()}
    return {
        "key_figures": key_figures(seen),
        "bars": bars(seen, names),
        "timeline": timeline(seen),
        "map": choropleth(seen, places),
    }
