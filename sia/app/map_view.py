"""The hotspot map's figures and its folium map, as the map page (pages/map.py) shows them.

The map sent to the browser (``map_view``) is made by a worker process (sia.app.heavy): with
incident points, or thousands of grid squares and hexagons, building and rendering the folium
map takes seconds of the interpreter. Each view is made once and cached in the server.
"""
from __future__ import annotations

from pathlib import Path

from sia.analysis.filters import MEASURES
from sia.analysis.hotspots.runs import NoTest, unit_label
from sia.analysis.measures import select, ward_change
from sia.app.caching import cache_data, cache_resource
from sia.app.heavy import in_worker
from sia.app.loaders import dataset_of, hotspot_run, unit_measures, ward_table, without_ward, years_compared
from sia.app.map_assets import localise
from sia.app.map_component import component_arguments
from sia.app.map_events import RETURNED_OBJECTS
from sia.views.hotspot_layers import hotspot_layer, incident_density, measure_layer, pattern_layer, shift_layer
from sia.views.maps import LABEL_PX, MAP_BOX, MAX_POINTS, map_legend, ward_map, web_wards

STATIC = Path(__file__).resolve().parents[2] / "static"
# The map's height, and its ward labels' font size, on a screen and on a projector
# (presentation mode: the map the whole width, taller, larger names).
MAP_HEIGHT, PROJECTOR_MAP_HEIGHT = MAP_BOX[1], 680
PROJECTOR_LABEL_PX = 16


@cache_resource(max_entries=4)
def simplified_wards(key):
    return web_wards(dataset_of(key).wards)


@cache_data(max_entries=32)
def map_layers(key, filters, fy, show_points, show_density):
    """The data behind the map, computed once per view and ward selection aside: the
    incident points and the kernel density surface only when asked for (the density takes
    longer than the rest of the map)."""
    dataset, table = dataset_of(key), ward_table(key, filters)
    rows = select(dataset.incidents, filters).rows
    rows = rows[rows["fy"] == fy]
    change = ward_change(table, filters.fys)["change_pct"] if filters.comparing else None
    # Only the points drawn, their places as text: the server's places are one category of
    # every place in the data, which would go into the cache with them.
    points = (rows[["lat", "lon", "location", "category", "month"]].head(MAX_POINTS).astype({"location": str})
              if show_points else None)
    density = incident_density(rows, dataset.wards) if show_density else None
    return table[table["fy"] == fy], change, density, points


@cache_data(max_entries=32)
def hotspot_map_layer(key, filters, fy, unit, shading):
    """The Gi* classes (shading 'gistar') or the space-time patterns ('ehsa', 'sfhotspot')
    of the units in one year; NoTest, saying why, when they cannot be found."""
    run = hotspot_run(key, filters, fy, unit, None if shading == "gistar" else shading)
    if isinstance(run, NoTest):
        return run
    return hotspot_layer(run) if shading == "gistar" else pattern_layer(run)


@cache_data(max_entries=16)
def shift_map_layer(key, filters, unit):
    compared = years_compared(key, filters, unit)
    return compared if isinstance(compared, NoTest) else shift_layer(compared)


@cache_data(max_entries=32)
def unit_measure_layer(key, filters, fy, unit, column):
    units = unit_measures(key, filters, fy, unit)
    return measure_layer(units, column, MEASURES[column], unit_label(dataset_of(key), unit))


def chosen_overlay(key, unfiltered, fy, unit, layer, column):
    """What the map shades its units by over plain wards: a hotspot layer ('gistar', 'ehsa',
    'sfhotspot', 'shift'), which may be NoTest, saying why; the measure by unit (any unit but
    wards); or None, the ward choropleth."""
    if layer == "shift":
        return shift_map_layer(key, unfiltered, unit)
    if layer != "measure":
        return hotspot_map_layer(key, unfiltered, fy, unit, layer)
    return unit_measure_layer(key, unfiltered, fy, unit, column) if unit != "ward" else None


@cache_data(max_entries=32)
def map_view(key, filters, fy, show_points, show_density, unit, layer, column, tiles, projector=False):
    """What the map component is sent, and the legend beside it, once per view: the folium
    map is built and rendered by st_folium in a worker, not on every run (clicks rerun the
    page). ``projector``: taller, with ward names large enough for a projector."""
    return in_worker(_map_view, key, filters, fy, show_points, show_density, unit, layer, column, tiles, projector)


def _map_view(key, filters, fy, show_points, show_density, unit, layer, column, tiles, projector):
    overlay = chosen_overlay(key, without_ward(filters), fy, unit, layer, column)
    table, change, density, points = map_layers(key, without_ward(filters), fy, show_points, show_density)
    m = ward_map(simplified_wards(key), table, fy=fy, measure_label=MEASURES[filters.measure],
                 change_pct=change, selected=filters.ward, density=density, overlay=overlay,
                 incident_points=points, tiles=tiles, label_px=PROJECTOR_LABEL_PX if projector else LABEL_PX,
                 box=(MAP_BOX[0], PROJECTOR_MAP_HEIGHT if projector else MAP_HEIGHT))
    legend = map_legend(table, fy=fy, measure_label=MEASURES[filters.measure], density=density,
                        overlay=overlay)
    arguments = component_arguments(localise(m, STATIC), key="ward_map",
                                    height=PROJECTOR_MAP_HEIGHT if projector else MAP_HEIGHT, render=False,
                                    use_container_width=True, returned_objects=RETURNED_OBJECTS)
    return arguments, legend


