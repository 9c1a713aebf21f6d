"""The folium map as streamlit-folium sends it to the browser, made once per view.

st_folium renders the whole folium map on every run of the page: each element's script is
rendered, then compiled again as a Jinja template (branca's way), the leaflet script is
assembled and every coordinate walked for the bounds. That was half the map page's server
work on every rerun, though the map only changes with its data and settings. Here
st_folium itself runs once per map, with a recorder in place of its frontend component;
what it would have sent is kept (in a cache, by the caller) and sent as it is on later runs.

The map is drawn by the app's own frame (map_frame/, ``show_map``), not streamlit-folium's:
it loads Leaflet and nothing else before the map, and draws a new map in place of the old one
instead of opening a new frame for it. It is sent what streamlit-folium's frame is sent (the
recording; a private name of streamlit-folium's, whose version is pinned in requirements.txt)
and sends back the same click events, trimmed to the clicked feature's properties.
"""
from __future__ import annotations

import threading
from pathlib import Path
from unittest import mock

import folium
import streamlit_folium
from streamlit.components.v1 import declare_component

# st_folium is made to record by swapping its module's component function; the lock keeps
# two sessions building maps at once from seeing each other's recorder. This module is the
# only caller of st_folium in the app.
_RECORDING = threading.Lock()


def component_arguments(fig: folium.Map, **options) -> dict:
    """What ``st_folium(fig, **options)`` would send to its frontend: the map's script,
    header and HTML, its key (a hash of the script) and the rest. The map is rendered (and
    changed, as st_folium changes it): build a new one for each call."""
    recorded: dict = {}
    with _RECORDING, mock.patch.object(streamlit_folium, "_component_func",
                                       lambda **arguments: recorded.update(arguments)):
        streamlit_folium.st_folium(fig, **options)
    # A closure that copies the value under the caller's key; not kept (not picklable, and
    # nothing here reads the value from the session state).
    recorded.pop("on_change", None)
    return recorded


_frame = declare_component("ward_map", path=str(Path(__file__).parent / "map_frame"))
# The frame's name, as Streamlit names a component (its frame's title, in its address): the
# tests and benchmarks find the frame so.
MAP_FRAME_NAME = f"{__name__}.ward_map"
MAP_FRAME = f"iframe[title='{MAP_FRAME_NAME}']"
# What the frame is sent of a recording: the rest is for streamlit-folium's own frame.
_SENT = ("script", "header", "height", "js_links", "css_links")


def show_map(arguments: dict, key: str = "ward_map", drawn: str | None = None) -> dict | None:
    """Draw the map ``component_arguments`` recorded, in the page's one map frame (``key``),
    which stays across reruns: a new map is drawn in it in place of the old. ``drawn``: a
    token the frame sends back once the map is drawn (sia.app.first_paint). Returns the
    last click, as st_folium's returned_objects last_clicked and last_active_drawing give it
    (the drawing: the clicked feature's properties only), or None before any."""
    return _frame(**{name: arguments.get(name) for name in _SENT}, drawn=drawn, key=key, default=None)
