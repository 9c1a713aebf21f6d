"""Map layers drawn over the wards: a measure by small unit (LSOA, grid square, hexagon),
Gi* classes by any unit, the space-time pattern of each unit over a year's months, the
years a unit was a hot spot in, and the kernel density surface. Pure builders: results in,
folium layers and legend HTML out."""
from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from sia.analysis.hotspots import (
    COLD_CLASSES,
    EHSA_PATTERNS,
    HOT_CLASSES,
    NO_NEIGHBOURS,
    NO_PATTERN,
    NOT_SIGNIFICANT,
    PATTERNS,
    SHIFT_LEVEL,
    SHIFTS,
    distinct_places,
    grid_units,
    incident_points,
    kernel_density,
)
from sia.analysis.hotspots.runs import GRIDS, UNIT_NAMES, HotspotRun, YearsCompared
from sia.dataset.geography import WGS84
from sia.views.classes import NO_DATA_COLOUR, PALETTE, classify
from sia.views.geojson import feature_collection

# ColorBrewer RdBu, diverging and colour-blind safe: red hot, blue cold, darker = surer.
CLASS_COLOURS = dict(zip(HOT_CLASSES, ("#b2182b", "#ef8a62", "#fddbc7")))
CLASS_COLOURS.update(zip(COLD_CLASSES, ("#2166ac", "#67a9cf", "#d1e5f0")))
# What the map can shade its units by ('layer' in its URL), as the map and About name it.
SHADINGS = {"measure": "The measure", "gistar": "Hotspots (Gi*)", "ehsa": "Trend over months (EHSA)",
            "sfhotspot": "Trend over months (sfhotspot)", "shift": "Hotspots in each year"}
# Space-time patterns: reds for hot, blues for cold, darker the more lasting or growing,
# paler the more faded (ColorBrewer Reds and Blues); every unit's pattern is in its tooltip.
_HOT_RAMP = ("#67000d", "#a50f15", "#cb181d", "#ef3b2c", "#fb6a4a", "#fc9272", "#fcbba1", "#fee0d2")
_COLD_RAMP = ("#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7")
_EHSA_ORDER = ("intensifying", "persistent", "consecutive", "new", "sporadic", "oscillating",
               "diminishing", "historical")
PATTERN_COLOURS = {f"{name} {kind}spot": ramp[i] for kind, ramp in (("hot", _HOT_RAMP), ("cold", _COLD_RAMP))
                   for i, name in enumerate(_EHSA_ORDER)}
PATTERN_COLOURS.update({f"{name} {kind}spot": ramp[i] for kind, ramp in (("hot", _HOT_RAMP), ("cold", _COLD_RAMP))
                        for name, i in (("persistent", 1), ("emerging", 3), ("intermittent", 4), ("former", 6))})
PATTERN_COLOURS["hot and cold"] = "#6a51a3"
# Hot in which year: colour-blind safe, and apart in lightness as well as hue.
SHIFT_COLOURS = dict(zip(SHIFTS[:3], ("#762a83", "#67a9cf", "#ef8a62")))
# ColorBrewer Purples for density bands, apart from the ward measure's YlOrRd.
DENSITY_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")


@dataclass(frozen=True)
class HotspotLayer:
    units: gpd.GeoDataFrame  # WGS84: unit_name, class, fill, tip, geometry (significant grid cells only)
    method: str
    unit_label: str
    counts: dict  # class -> units


@dataclass(frozen=True)
class MeasureLayer:
    units: gpd.GeoDataFrame  # WGS84: unit_name, fill, tip, geometry (units with incidents only)
    unit_label: str
    measure_label: str
    labels: list[str]  # the classes, lowest first
    colours: tuple[str, ...]
    units_shown: int
    units_in_all: int


@dataclass(frozen=True)
class ClassLayer:
    """Units coloured by a class of their own: a space-time pattern, or the years a unit
    was a hot spot in."""
    units: gpd.GeoDataFrame  # WGS84: unit_name, fill, tip, geometry
    name: str  # in the map's layer control
    title: str  # the legend's heading
    classes: tuple[tuple[str, str, int], ...]  # (label, colour, units) of the classes present, in order
    unshaded: tuple[str, int]  # the class left clear (no pattern, hot in neither year), and its units
    note: str
    none_shaded: str  # what the legend says when no unit is in a shaded class


@dataclass(frozen=True)
class DensityLayer:
    bands: gpd.GeoDataFrame  # WGS84: band, fill, geometry (one dissolved shape per band)
    labels: list[str]
    note: str


def _web_units(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Units (BNG) for the browser: WGS84, coordinates rounded to about a metre."""
    units = units.to_crs(WGS84)
    units["geometry"] = units.geometry.set_precision(1e-5)
    return units


def _heading(r) -> str:
    """A tooltip's first lines: the unit's name, its code where that differs (an LSOA's),
    and the ward it lies in, where known."""
    e = html.escape
    return (f"<b>{e(str(r.unit_name))}</b>" + (f" {e(str(r.unit_id))}" if r.unit_id != r.unit_name else "")
            + (f"<br>Ward: {e(str(r.ward))}" if "ward" in r and pd.notna(r.ward) else ""))


def _layer_units_label(run: HotspotRun) -> str:
    if run.unit in GRIDS:
        return f"{run.units.attrs['cell_size']:g} m {'grid cells' if run.unit == 'grid' else 'hexagons'}"
    return UNIT_NAMES[run.unit]


def _with_places(run: HotspotRun, table: pd.DataFrame) -> gpd.GeoDataFrame:
    """``table`` (by unit_id) with each unit's geometry and, for LSOAs, its ward."""
    places = [c for c in ("unit_id", "ward", "geometry") if c in run.units]
    return run.units[places].merge(table, on="unit_id")


def hotspot_layer(run: HotspotRun) -> HotspotLayer:
    table = run.gistar.table
    units = _with_places(run, table)
    if run.unit in GRIDS:  # a grid has many cells: draw the significant ones over the wards
        units = units[units["class"].isin(CLASS_COLOURS)]
    units = _web_units(units)
    units["fill"] = units["class"].map(CLASS_COLOURS).fillna("")
    e = html.escape
    units["tip"] = [
        f"{_heading(r)}<br>{e(str(r['class']))}<br>Incidents: {r['count']:,.0f}"
        + ("" if r["class"] == NO_NEIGHBOURS else
           f"<br>Gi* z = {r.gi_z:+.2f}; adjusted p = {r.p_adjusted:.3g}")
        for _, r in units.iterrows()]
    counts = table["class"].value_counts().to_dict()
    return HotspotLayer(units=units[["unit_name", "class", "fill", "tip", "geometry"]],
                        method=run.gistar.method(), unit_label=_layer_units_label(run), counts=counts)


def _class_layer(units: gpd.GeoDataFrame, column: str, order, colours: dict, labels: dict, *, grid: bool,
                 name: str, title: str, note: str, none_shaded: str) -> ClassLayer:
    """``units`` (BNG, with ``column``, ``tip`` and the tooltip's fields) coloured by
    ``column``; a grid's unshaded cells are left out, so that the map stays light."""
    counts = units[column].value_counts()
    shaded = units[units[column].isin(colours)] if grid else units
    shaded = _web_units(shaded)
    shaded["fill"] = shaded[column].map(colours).fillna("")
    classes = tuple((labels.get(c, c[:1].upper() + c[1:]), colours[c], int(counts[c]))
                    for c in order if c in colours and counts.get(c))
    clear = next(c for c in order if c not in colours)
    return ClassLayer(units=shaded[["unit_name", "fill", "tip", "geometry"]], name=name, title=title,
                      classes=classes, unshaded=(labels.get(clear, clear), int(counts.get(clear, 0))), note=note,
                      none_shaded=none_shaded)


def pattern_layer(run: HotspotRun) -> ClassLayer:
    """Each unit's space-time pattern over the run's months (``run.patterns``: Esri's emerging
    hot spot classes with the Mann-Kendall trend, or the sfhotspot-like ones)."""
    table = run.table
    units = _with_places(run, table)
    ehsa = run.ehsa is not None
    e = html.escape
    units["tip"] = [
        f"{_heading(r)}<br>Pattern: {e(str(r.pattern))}<br>Incidents in {e(run.fy)}: {r['count']:,.0f}"
        + (f"<br>Trend of Gi* z: τ = {r.trend_tau:+.2f}, p = {r.trend_p:.2g}"
           if ehsa and pd.notna(r.trend_tau) else "")
        for _, r in units.iterrows()]
    months = f"{run.periods} month{'s' if run.periods != 1 else ''}"
    if ehsa:
        order, method = EHSA_PATTERNS, (
            f"Emerging hot spot analysis (Esri's classes): Gi* in each of {months}, a unit significant in a "
            f"month at adjusted p < {run.ehsa.alpha:g}, and the Mann-Kendall trend of its z-scores "
            f"(pymannkendall) at p < {run.ehsa.trend_alpha:g}. The rule for each pattern is on About.")
    else:
        order, method = PATTERNS, (
            f"sfhotspot-style patterns: Gi* in each of {months}, a unit significant in a month at 95% "
            "or more; persistent, emerging, former or intermittent by when it was. See About.")
    return _class_layer(units, "pattern", order, PATTERN_COLOURS, {NO_PATTERN: "No pattern"},
                        grid=run.unit in GRIDS, name=f"Space-time pattern, {_layer_units_label(run)}",
                        title=f"Space-time pattern, {run.fy}: {_layer_units_label(run)}",
                        note=f"{method} {run.gistar.method()}.", none_shaded="No unit has a hot or cold spot pattern")


def shift_layer(compared: YearsCompared) -> ClassLayer:
    """Where the hot spots were in each of two years: both, the earlier only, the later only."""
    earlier, later = compared.earlier, compared.later
    table = compared.table
    units = _with_places(earlier, table)
    e = html.escape
    units["tip"] = [
        f"{_heading(r)}<br>Hot spot ({SHIFT_LEVEL} or more) in: {e(str(r.hot_in))}"
        + "".join(f"<br>{e(run.fy)}: {r[f'count_{run.fy}']:,.0f} incidents, {e(str(r[f'class_{run.fy}']))}"
                  for run in (earlier, later))
        for _, r in units.iterrows()]
    labels = {SHIFTS[0]: f"Hot in both {earlier.fy} and {later.fy}", SHIFTS[1]: f"Hot in {earlier.fy} only",
              SHIFTS[2]: f"Hot in {later.fy} only", SHIFTS[3]: "Hot in neither year"}
    unit_label = _layer_units_label(earlier)
    return _class_layer(units, "hot_in", SHIFTS, SHIFT_COLOURS, labels, grid=earlier.unit in GRIDS,
                        name=f"Hotspots in each year, {unit_label}", title=f"Hotspots in each year: {unit_label}",
                        note=f"Each year tested on its own; a unit counts as hot at {SHIFT_LEVEL} confidence or "
                             f"more. {earlier.gistar.method()}.", none_shaded="No unit was a hot spot in either year")


def class_legend(layer: ClassLayer) -> str:
    e = html.escape
    rows = [f'<div><span class="sia-swatch" style="background:{colour}"></span>{e(label)} ({n:,})</div>'
            for label, colour, n in layer.classes]
    if not layer.classes:
        rows.append(f"<div>{e(layer.none_shaded)}</div>")
    rows.append(f'<div><span class="sia-swatch" style="background:#fff"></span>{e(layer.unshaded[0])}'
                f' ({layer.unshaded[1]:,})</div>')
    return (f'<div class="sia-legend" role="img" aria-label="Map legend"><b>{e(layer.title)}</b>{"".join(rows)}'
            f'<div class="sia-note">{e(layer.note)}</div></div>')


def measure_layer(units: gpd.GeoDataFrame, column: str, measure_label: str, unit_label: str) -> MeasureLayer:
    """``units`` (BNG, from unit_measures_for_filters) shaded by ``column`` in natural-breaks
    classes; only units with incidents are drawn (a grid has many empty cells)."""
    shown = units[units["count"] > 0].copy()
    classes, labels = classify(shown[column])
    shown = _web_units(shown)
    shown["fill"] = [PALETTE[c] if c >= 0 else NO_DATA_COLOUR for c in classes]
    shown["tip"] = [
        f"{_heading(r)}<br>Incidents: {r['count']:,.0f}<br>Per month: {r.per_month:,.1f}"
        + (f"<br>Per 1,000 residents a year: {r.rate:,.1f}" if pd.notna(r.rate) else "")
        for _, r in shown.iterrows()]
    return MeasureLayer(units=shown[["unit_name", "fill", "tip", "geometry"]], unit_label=unit_label,
                        measure_label=measure_label, labels=labels, colours=PALETTE[:len(labels)],
                        units_shown=len(shown), units_in_all=len(units))


def measure_legend(layer: MeasureLayer, fy: str) -> str:
    """The classes, and a swatch for the units left clear only when some have no incidents."""
    e = html.escape
    rows = "".join(f'<div><span class="sia-swatch" style="background:{c}"></span>{e(label)}</div>'
                   for c, label in zip(layer.colours, layer.labels))
    if layer.units_in_all > layer.units_shown:
        rows += (f'<div><span class="sia-swatch" style="background:#fff"></span>'
                 f'no incidents ({layer.units_in_all - layer.units_shown:,} of {layer.units_in_all:,})</div>')
    return (f'<div class="sia-legend" role="img" aria-label="Map legend"><b>{e(layer.measure_label)}, {e(fy)}: '
            f'{e(layer.unit_label)}</b>{rows}'
            "<div class='sia-note'>Classes: natural breaks (Fisher-Jenks)</div></div>")


def incident_density(rows: pd.DataFrame, wards: gpd.GeoDataFrame) -> DensityLayer | None:
    """The density layer of some incidents over the wards (default grid and bandwidth);
    None when they lie at fewer than two places (police.uk snaps incidents to shared map
    points), too few to choose a bandwidth."""
    points = incident_points(rows)
    if distinct_places(points.geometry.x.to_numpy(), points.geometry.y.to_numpy()) < 2:
        return None
    return density_layer(kernel_density(points, grid_units(wards)))


def density_layer(surface: gpd.GeoDataFrame, k: int = 5) -> DensityLayer:
    """Grid cells merged into ``k`` bands of equal density steps above a floor of a tenth
    of the peak (below it the surface is left clear), so the layer stays small."""
    density = surface["density"]
    peak = float(density.max())
    edges = np.linspace(peak / 10, peak, k + 1)
    band = np.clip(np.digitize(density, edges[1:-1]), 0, k - 1)
    shown = surface.assign(band=band)[density >= edges[0]]
    bands = shown.dissolve(by="band", as_index=False)[["band", "geometry"]].to_crs(WGS84)
    bands["geometry"] = bands.geometry.set_precision(1e-5)
    bands["fill"] = [DENSITY_COLOURS[b] for b in bands["band"]]
    # Each band holds its lower edge (np.digitize): no two share an end; the last holds the peak.
    labels = [f"{_per_km2(lo)} to under {_per_km2(hi)}" for lo, hi in zip(edges[:-2], edges[1:-1])]
    labels.append(f"{_per_km2(edges[-2])} to {_per_km2(edges[-1])}")
    note = (f"Gaussian kernel, bandwidth {surface.attrs['bandwidth']:,.0f} m (normal-reference "
            f"rule, both axes averaged), on a {surface.attrs['cell_size']:g} m grid")
    return DensityLayer(bands=bands, labels=labels, note=note)


def _per_km2(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:,.1f}"


UnitLayer = HotspotLayer | MeasureLayer | ClassLayer


def add_unit_layer(m: folium.Map, layer: UnitLayer) -> None:
    """Gi* classes, a measure or another class by unit, over the plain wards."""
    if isinstance(layer, ClassLayer):
        name = layer.name
    elif isinstance(layer, HotspotLayer):
        name = f"Hotspots (Gi*), {layer.unit_label}"
    else:
        name = f"{layer.measure_label}, {layer.unit_label}"
    folium.GeoJson(
        feature_collection(layer.units), name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"] or "#ffffff",
            "fillOpacity": 0.8 if f["properties"]["fill"] else 0.0,
            "color": "#333333", "weight": 0.6},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    ).add_to(m)


def add_density_layer(m: folium.Map, layer: DensityLayer, show: bool = False) -> None:
    folium.GeoJson(
        feature_collection(layer.bands), name="Incident density (kernel)", show=show,
        style_function=lambda f: {"fillColor": f["properties"]["fill"], "fillOpacity": 0.6,
                                  "stroke": False},
        interactive=False,
    ).add_to(m)


def hotspot_legend(layer: HotspotLayer, fy: str) -> str:
    """The classes the map shows (with how many units each), and the method in full."""
    e = html.escape
    rows = []
    for names, kind in ((HOT_CLASSES, "hotspots"), (tuple(reversed(COLD_CLASSES)), "coldspots")):
        present = [n for n in names if layer.counts.get(n)]
        rows += [f'<div><span class="sia-swatch" style="background:{CLASS_COLOURS[n]}"></span>'
                 f'{e(n.replace("hot", "Hotspot").replace("cold", "Coldspot"))} ({layer.counts[n]:,})</div>'
                 for n in present]
        if not present:
            rows.append(f"<div>No significant {kind}</div>")
    rows.append(f'<div><span class="sia-swatch" style="background:#fff"></span>Not significant'
                f' ({layer.counts.get(NOT_SIGNIFICANT, 0):,})</div>')
    if layer.counts.get(NO_NEIGHBOURS):
        rows.append(f"<div>No neighbours, not tested ({layer.counts[NO_NEIGHBOURS]:,})</div>")
    return (f'<div class="sia-legend" role="img" aria-label="Map legend"><b>Hotspots, {e(fy)}: '
            f'{e(layer.unit_label)}</b>{"".join(rows)}'
            f'<div class="sia-note">{e(layer.method)}</div></div>')


def density_legend_note(layer: DensityLayer) -> str:
    """A line for the legend: what the density layer is."""
    return (f"<div class='sia-note'>Density layer (incidents per km²): "
            f"{html.escape(layer.note)}</div>")

