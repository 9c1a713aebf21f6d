"""Map layers drawn over the wards: a measure by small unit (LSOA, grid square, hexagon),
Gi* classes by any unit, and the kernel density surface. Pure builders: results in,
folium layers and legend HTML out."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from sia.analysis.hotspots import (
    COLD_CLASSES,
    HOT_CLASSES,
    NO_NEIGHBOURS,
    NOT_SIGNIFICANT,
    distinct_places,
    grid_units,
    incident_points,
    kernel_density,
)
from sia.analysis.hotspots.runs import GRIDS, UNIT_NAMES, HotspotRun
from sia.dataset.geography import WGS84
from sia.views.classes import NO_DATA_COLOUR, PALETTE, classify

# ColorBrewer RdBu, diverging and colour-blind safe: red hot, blue cold, darker = surer.
CLASS_COLOURS = dict(zip(HOT_CLASSES, ("#b2182b", "#ef8a62", "#fddbc7")))
CLASS_COLOURS.update(zip(COLD_CLASSES, ("#2166ac", "#67a9cf", "#d1e5f0")))
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
class DensityLayer:
    bands: gpd.GeoDataFrame  # WGS84: band, fill, geometry (one dissolved shape per band)
    labels: list[str]
    note: str


def hotspot_layer(run: HotspotRun) -> HotspotLayer:
    table = run.gistar.table
    units = run.units[["unit_id", "geometry"]].merge(table, on="unit_id")
    grid = run.unit in GRIDS
    if grid:  # a grid has many cells: draw the significant ones over the wards
        units = units[units["class"].isin(CLASS_COLOURS)]
    units = units.to_crs(WGS84)
    units["geometry"] = units.geometry.set_precision(1e-5)
    units["fill"] = units["class"].map(CLASS_COLOURS).fillna("")
    e = html.escape
    units["tip"] = [
        f"<b>{e(str(r.unit_name))}</b><br>{e(str(r['class']))}<br>Incidents: {r['count']:,.0f}"
        + ("" if r["class"] == NO_NEIGHBOURS else
           f"<br>Gi* z = {r.gi_z:+.2f}; adjusted p = {r.p_adjusted:.3g}")
        for _, r in units.iterrows()]
    label = (f"{run.units.attrs['cell_size']:g} m {'grid cells' if run.unit == 'grid' else 'hexagons'}"
             if grid else UNIT_NAMES[run.unit])
    counts = table["class"].value_counts().to_dict()
    return HotspotLayer(units=units[["unit_name", "class", "fill", "tip", "geometry"]],
                        method=run.gistar.method(), unit_label=label, counts=counts)


def measure_layer(units: gpd.GeoDataFrame, column: str, measure_label: str, unit_label: str) -> MeasureLayer:
    """``units`` (BNG, from unit_measures_for_filters) shaded by ``column`` in natural-breaks
    classes; only units with incidents are drawn (a grid has many empty cells)."""
    shown = units[units["count"] > 0].copy()
    classes, labels = classify(shown[column])
    shown = shown.to_crs(WGS84)
    shown["geometry"] = shown.geometry.set_precision(1e-5)
    shown["fill"] = [PALETTE[c] if c >= 0 else NO_DATA_COLOUR for c in classes]
    e = html.escape
    shown["tip"] = [
        f"<b>{e(str(r.unit_name))}</b>" + (f" {e(str(r.unit_id))}" if r.unit_id != r.unit_name else "")
        + (f"<br>Ward: {e(str(r.ward))}" if "ward" in shown and pd.notna(r.ward) else "")
        + f"<br>Incidents: {r['count']:,.0f}<br>Per month: {r.per_month:,.1f}"
        + (f"<br>Per 1,000 residents a year: {r.rate:,.1f}" if pd.notna(r.rate) else "")
        for _, r in shown.iterrows()]
    return MeasureLayer(units=shown[["unit_name", "fill", "tip", "geometry"]], unit_label=unit_label,
                        measure_label=measure_label, labels=labels, colours=PALETTE[:len(labels)],
                        units_shown=len(shown), units_in_all=len(units))


def measure_legend(layer: MeasureLayer, fy: str) -> str:
    e = html.escape
    rows = "".join(f'<div><span class="sia-swatch" style="background:{c}"></span>{e(label)}</div>'
                   for c, label in zip(layer.colours, layer.labels))
    return (f'<div class="sia-legend" role="img" aria-label="Map legend"><b>{e(layer.measure_label)}, {e(fy)}: '
            f'{e(layer.unit_label)}</b>{rows}<div><span class="sia-swatch" style="background:#fff"></span>'
            f'no incidents ({layer.units_in_all - layer.units_shown:,} of {layer.units_in_all:,})</div>'
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
    labels = [f"{_per_km2(lo)} to {_per_km2(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
    note = (f"Gaussian kernel, bandwidth {surface.attrs['bandwidth']:,.0f} m (normal-reference "
            f"rule, both axes averaged), on a {surface.attrs['cell_size']:g} m grid")
    return DensityLayer(bands=bands, labels=labels, note=note)


def _per_km2(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:,.1f}"


def add_unit_layer(m: folium.Map, layer: HotspotLayer | MeasureLayer) -> None:
    """Gi* classes or a measure by unit, over the plain wards."""
    name = (f"Hotspots (Gi*), {layer.unit_label}" if isinstance(layer, HotspotLayer)
            else f"{layer.measure_label}, {layer.unit_label}")
    folium.GeoJson(
        json.loads(layer.units.to_json()), name=name,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"] or "#ffffff",
            "fillOpacity": 0.8 if f["properties"]["fill"] else 0.0,
            "color": "#333333", "weight": 0.6},
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    ).add_to(m)


def add_density_layer(m: folium.Map, layer: DensityLayer, show: bool = False) -> None:
    folium.GeoJson(
        json.loads(layer.bands.to_json()), name="Incident density (kernel)", show=show,
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
                 f'{e(n.replace("hot", "Hotspot").replace("cold", "Coldspot"))} ({layer.counts[n]})</div>'
                 for n in present]
        if not present:
            rows.append(f"<div>No significant {kind}</div>")
    rows.append(f'<div><span class="sia-swatch" style="background:#fff"></span>Not significant'
                f' ({layer.counts.get(NOT_SIGNIFICANT, 0)})</div>')
    if layer.counts.get(NO_NEIGHBOURS):
        rows.append(f"<div>No neighbours, not tested ({layer.counts[NO_NEIGHBOURS]})</div>")
    return (f'<div class="sia-legend" role="img" aria-label="Map legend"><b>Hotspots, {e(fy)}: '
            f'{e(layer.unit_label)}</b>{"".join(rows)}'
            f'<div class="sia-note">{e(layer.method)}</div></div>')


def density_legend_note(layer: DensityLayer) -> str:
    """A line for the legend: what the density layer is (it is off until switched on)."""
    return (f"<div class='sia-note'>Density layer (incidents per km²): "
            f"{html.escape(layer.note)}</div>")

