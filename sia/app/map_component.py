"""The folium map as streamlit-folium sends it to the browser, made once per view.

st_folium renders the whole folium map on every run of the page: each element's script is
rendered, then compiled again as a Jinja template (branca's way), the leaflet script is
assembled and every coordinate walked for the bounds. That was half the map page's server
work on every rerun, though the map only changes with its data and settings. Here
st_folium itself runs once per map, with a recorder in place of its frontend component;
what it would have sent is kept (in a cache, by the caller) and sent as it is on later runs.

The component function is streamlit-folium's own (a private name: the version is pinned in
requirements.txt, and the tests compare what is sent with what st_folium sends).
"""
from __future__ import annotations

import threading
from unittest import mock

import folium
import streamlit_folium

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


def show_map(arguments: dict):
    """Draw the map ``component_arguments`` recorded; returns what st_folium returns (the
    last click, as asked for by its returned_objects)."""
    return streamlit_folium._component_func(**arguments)
