"""Folium maps: the ward choropleth or the Gi* hotspot classes, the kernel density layer
and clustered incident points.

Pure builders: data in, folium.Map out. Everything that comes from data is HTML-escaped
before it reaches a tooltip, label or popup. With no tile server configured the map draws
the wards on a plain background, which needs no internet.
"""
from __future__ import annotations

import html
import os

import folium
import geopandas as gpd
import pandas as pd
from folium.plugins import FastMarkerCluster

from sia.dataset.geography import BNG, WGS84
from sia.views.classes import NO_DATA_COLOUR, PALETTE, classify
from sia.views.geojson import feature_collection
from sia.views.hotspot_layers import (
    ClassLayer,
    DensityLayer,
    HotspotLayer,
    MeasureLayer,
    UnitLayer,
    add_density_layer,
    add_unit_layer,
    class_legend,
    density_legend_note,
    hotspot_legend,
    measure_legend,
)
from sia.views.labels import WEB_MERCATOR, leaflet_metres_per_pixel, spread_labels
from sia.views.shown_text import template_inert
from sia.views.wording import NO_POPULATION, rank_text, rate_text

MAX_POINTS = 20_000  # clustered incident points drawn at most; the rest are said to be left out
MAP_BOX = (720, 600)  # the smallest map box (pixels) the page shows: its labels are laid out for it
LABEL_PX = 12  # the ward labels' font size; larger on a projector


def web_wards(wards: gpd.GeoDataFrame, tolerance_m: float = 15.0) -> gpd.GeoDataFrame:
    """Ward polygons light enough for a browser: simplified in metres (shared edges kept
    together), coordinates rounded to about a metre."""
    simple = wards[["ward_code", "ward_name", "geometry"]].to_crs(BNG)
    simple["geometry"] = simple.geometry.simplify_coverage(tolerance_m)
    simple = simple.to_crs(WGS84)
    simple["geometry"] = simple.geometry.set_precision(1e-5)
    return simple


def _tooltip(row: pd.Series, measure_label: str, change: float | None, fy: str) -> str:
    e = html.escape
    lines = [f"<b>{e(str(row['ward_name']))}</b> ({e(fy)})",
             f"Incidents: {row['count']:,.0f}",
             f"Per month: {row['per_month']:,.1f}",
             f"Per 1,000 residents a year: {rate_text(row['rate'])}",
             f"Rank by {e(measure_label.lower())}: {rank_text(row)}" if "ranked" in row else ""]
    if change is not None and pd.notna(change):
        lines.append(f"Change per month since the earlier year: {change:+.0f}%")
    return "<br>".join(line for line in lines if line)


TILES_VARIABLE, TILES_ATTRIBUTION_VARIABLE = "SIA_TILES_URL", "SIA_TILES_ATTRIBUTION"


def tiles_from_environment() -> tuple[str, str] | None:
    """A base map's tile URL template and attribution, when $SIA_TILES_URL names a tile
    server the network can reach; None: the wards on a plain background (no internet)."""
    url = os.environ.get(TILES_VARIABLE, "").strip()
    return (url, os.environ.get(TILES_ATTRIBUTION_VARIABLE, "")) if url else None


def ward_map(wards: gpd.GeoDataFrame, table: pd.DataFrame, *, fy: str, measure_label: str,
             change_pct: pd.Series | None = None, selected: str | None = None,
             density: DensityLayer | None = None, overlay: UnitLayer | None = None,
             incident_points: pd.DataFrame | None = None,
             tiles: tuple[str, str] | None = None, label_px: int = LABEL_PX,
             box: tuple[int, int] = MAP_BOX) -> folium.Map:
    """The ward choropleth for one year, or, given an ``overlay``, a measure, the Gi* classes
    or another class (a space-time pattern, the years hot) by unit over plain wards.

    ``table``: ward_measures rows of that year (ward_name, count, per_month, rate, value,
    rank). ``density``: the kernel density layer, drawn (and in the layer control).
    ``incident_points``: lat, lon, location, category, month (drawn clustered; at most
    MAX_POINTS). ``tiles``: (URL template, attribution) of a tile server, or None for a
    plain background. ``label_px``: the ward labels' font size; ``box``: the map's width
    and height in pixels (at least), for which the labels are spread so that none overlaps.
    """
    data = wards.merge(table.drop(columns=["ward_code"], errors="ignore"), on="ward_name", how="left")
    classes, _ = classify(data["value"])
    data["fill"] = [PALETTE[c] if c >= 0 else NO_DATA_COLOUR for c in classes]
    if overlay is not None:  # the units are the message: the wards stay plain beneath
        data["fill"] = "#f7f7f7"
    data["tip"] = [_tooltip(r, measure_label, None if change_pct is None else change_pct.get(r["ward_name"]), fy)
                   for _, r in data.iterrows()]  # 17 wards
    minx, miny, maxx, maxy = data.total_bounds
    m = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25, prefer_canvas=False)
    # Marker clustering needs the map's maximum zoom, which normally comes from a tile
    # layer; folium's max_zoom argument only reaches its default tiles, hence the option.
    m.options["max_zoom"] = 19
    # Leaflet alone: folium also loads jQuery, Bootstrap, Font Awesome and marker icon
    # styles, which these maps never use (labels are plain HTML, popups are Leaflet's).
    m.default_js = [a for a in m.default_js if a[0] == "leaflet"]
    m.default_css = [a for a in m.default_css if a[0] == "leaflet_css"]
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if tiles:
        folium.TileLayer(tiles=tiles[0], attr=tiles[1], name="Base map").add_to(m)

    columns = ["ward_code", "ward_name", "fill", "tip", "geometry"]
    folium.GeoJson(
        feature_collection(data[columns]),
        name="Wards",
        style_function=lambda f, sel=selected: {
            "fillColor": f["properties"]["fill"], "fillOpacity": 0.75,
            "color": "#08306b" if f["properties"]["ward_name"] == sel else "#4d4d4d",
            "weight": 4 if f["properties"]["ward_name"] == sel else 1},
        highlight_function=lambda f: {"weight": 3, "color": "#08306b"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False, sticky=True),
    ).add_to(m)

    # The labels are one layer of points, each given its own text through the style function:
    # one folium element to render, not two (a marker and its icon) for every ward.
    ranks = data["rank"] if "rank" in data and overlay is None else [pd.NA] * len(data)
    texts = [f'{name}{f" #{rank}" if pd.notna(rank) else ""}' for name, rank in zip(data["ward_name"], ranks)]
    # Each label at its ward's representative point, nudged apart where two would overlap
    # at the scale the map opens at (Abbey's and Arboretum's did).
    anchors = gpd.GeoSeries(data.geometry.representative_point().to_numpy(), crs=data.crs)
    scale = leaflet_metres_per_pixel(tuple(data.to_crs(WEB_MERCATOR).total_bounds), *box)
    labels = gpd.GeoDataFrame({"label": [f'<div class="sia-label">{html.escape(text)}</div>' for text in texts]},
                              geometry=spread_labels(anchors, texts, label_px, scale).to_numpy(), crs=data.crs)
    folium.GeoJson(
        feature_collection(labels), name="Ward names and ranks", show=True,
        # Not interactive: a click on a label must reach the ward under it. The icon is a
        # point: the label (as wide as its text) is centred on it by its style.
        marker=folium.Marker(interactive=False, keyboard=False,
                             icon=folium.DivIcon(icon_size=(0, 0), icon_anchor=(0, 0))),
        style_function=lambda f: {"html": f["properties"]["label"]},
    ).add_to(m)

    if density is not None and len(density.bands):
        add_density_layer(m, density, show=True)  # given only when asked for
    if overlay is not None:
        add_unit_layer(m, overlay)  # ward names stay on top: markers draw above shapes
    if incident_points is not None and len(incident_points):
        _add_clustered_points(m, incident_points)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().header.add_child(folium.Element(_MAP_CSS.replace("LABEL_PX", str(int(label_px)))))
    return m


def map_legend(table: pd.DataFrame, *, fy: str, measure_label: str, density: DensityLayer | None = None,
               overlay: UnitLayer | None = None) -> str:
    """The legend of ``ward_map`` with the same arguments, as HTML (with its style) to show
    beside the map: over it, it hid wards on a projector and tooltips near its corner."""
    if isinstance(overlay, HotspotLayer):
        legend = hotspot_legend(overlay, fy)
    elif isinstance(overlay, MeasureLayer):
        legend = measure_legend(overlay, fy)
    elif isinstance(overlay, ClassLayer):
        legend = class_legend(overlay)
    else:
        classes, labels = classify(table["value"])
        missing = int((classes < 0).sum())  # wards without a value: on rates, without a population
        legend = _legend(labels, measure_label, fy, missing,
                         NO_POPULATION if "rate" in table and table["value"].equals(table["rate"]) else "no data")
    if density is not None and len(density.bands):
        legend = legend[:-len("</div>")] + density_legend_note(density) + "</div>"
    return _LEGEND_CSS + legend


def _add_clustered_points(m: folium.Map, points: pd.DataFrame) -> None:
    points = points.head(MAX_POINTS)
    e = html.escape
    popups = (points["location"].astype(str).map(e) + "<br>" + points["category"].astype(str).map(e)
              + "<br>" + points["month"].astype(str).map(e)).map(template_inert)
    data = [[round(a, 5), round(b, 5), p] for a, b, p in zip(points["lat"], points["lon"], popups)]
    callback = """function (row) {
        var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: L.divIcon({
            className: 'sia-point', html: '', iconSize: [10, 10]})});
        marker.bindPopup(row[2]);
        return marker;
    };"""
    FastMarkerCluster(data, callback=callback, name="Incidents (clustered)").add_to(m)


def _legend(labels: list[str], measure_label: str, fy: str, missing: int, missing_label: str) -> str:
    """The classes, and a swatch for the ``missing`` wards without a value (a rate without a
    population: ``missing_label``) only when there are some."""
    e = html.escape
    rows = "".join(f'<div><span class="sia-swatch" style="background:{PALETTE[i]}"></span>{e(label)}</div>'
                   for i, label in enumerate(labels))
    if missing:
        rows += (f'<div><span class="sia-swatch" style="background:{NO_DATA_COLOUR}"></span>'
                 f'{e(missing_label)} ({missing:,})</div>')
    return (f'<div class="sia-legend" role="img" aria-label="Map legend"><b>{e(measure_label)}, {e(fy)}</b>'
            f'{rows}<div class=\'sia-note\'>Classes: natural breaks (Fisher-Jenks). #: each ward\'s rank by '
            f'{e(measure_label.lower())} ({e(fy)}; tied wards share a rank)</div></div>')


# In rem: the legend is in the page (not the map's frame), so it grows with the page's text
# in presentation mode.
_LEGEND_CSS = """<style>
.sia-legend {font: 0.875rem/1.6 sans-serif;}
.sia-swatch {display: inline-block; width: 1em; height: 0.75em; margin-right: 0.4em;
  border: 1px solid #666; vertical-align: middle;}
.sia-note {color: #444; font-size: 0.75rem; line-height: 1.35; margin-top: 0.25rem;}
</style>"""

# A label is dark text on a light, nearly opaque plate with a white outline: it reads on the
# darkest red (or any layer's colour) as on the palest; centred on its point, as wide as
# its text plus the 2 px either side that sia.views.labels allows for.
_MAP_CSS = """<style>
.sia-label {position: absolute; left: 0; top: 0; transform: translate(-50%, -50%);
  font: 700 LABEL_PXpx/1.25 sans-serif; color: #111; text-align: center; white-space: nowrap;
  padding: 0 2px; border-radius: 3px; background: rgba(255, 255, 255, 0.82);
  text-shadow: 1px 0 0 #fff, -1px 0 0 #fff, 0 1px 0 #fff, 0 -1px 0 #fff; pointer-events: none;}
.sia-point {background: #08306b; border: 2px solid #fff; border-radius: 50%;}
</style>"""
