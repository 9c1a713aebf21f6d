"""The map page sends what st_folium would send, from a recording made once per view, to its
own frame."""
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import streamlit_folium

from sia.analysis.filters import Filters
from sia.analysis.measures import select, ward_measures
from sia.app import map_component
from sia.app.map_assets import STATIC_URL, localise
from sia.app.map_component import component_arguments
from sia.dataset.store import open_dataset
from sia.views.maps import ward_map, web_wards

OPTIONS = {"key": "ward_map", "height": 600, "render": False, "use_container_width": True,
           "returned_objects": ["last_clicked"]}


@pytest.fixture(scope="module")
def wards_and_table(real_data_dir):
    dataset = open_dataset(real_data_dir)
    table = ward_measures(select(dataset.incidents, Filters(fys=("2019-20",))), dataset.wards)
    return web_wards(dataset.wards), table


def a_map(wards_and_table, selected=None):
    wards, table = wards_and_table
    return ward_map(wards, table, fy="2019-20", measure_label="Incidents", selected=selected)


def sent_by_st_folium(fig, **options) -> dict:
    sent = {}
    original = streamlit_folium._component_func
    streamlit_folium._component_func = lambda **arguments: sent.update(arguments)
    try:
        streamlit_folium.st_folium(fig, **options)
    finally:
        streamlit_folium._component_func = original
    return sent


def test_what_is_recorded_is_what_st_folium_sends(wards_and_table):
    recorded = component_arguments(a_map(wards_and_table), **OPTIONS)
    sent = sent_by_st_folium(a_map(wards_and_table), **OPTIONS)
    assert callable(sent.pop("on_change"))  # a closure, not kept: nothing reads it
    assert recorded == sent
    assert "Normanton" in recorded["script"] and recorded["height"] == 600
    assert recorded["returned_objects"] == ["last_clicked"]


def test_the_same_map_is_recorded_the_same_and_a_selection_changes_it(wards_and_table):
    # The component's key is a hash of the script: equal for equal maps (the browser keeps
    # its map across reruns), different when a ward is selected (drawn with a heavier edge).
    first = component_arguments(a_map(wards_and_table), **OPTIONS)
    again = component_arguments(a_map(wards_and_table), **OPTIONS)
    selected = component_arguments(a_map(wards_and_table, selected="Normanton"), **OPTIONS)
    assert first == again
    assert selected["key"] != first["key"] and selected["script"] != first["script"]


def test_the_component_is_put_back_even_when_st_folium_fails(wards_and_table):
    original = streamlit_folium._component_func
    with pytest.raises(AttributeError):  # a str has no render()
        component_arguments("not a map", **OPTIONS)
    assert streamlit_folium._component_func is original


def test_sessions_recording_at_once_each_get_their_own_map(wards_and_table):
    original = streamlit_folium._component_func
    selections = ["Normanton", "Arboretum", "Sinfin", "Darley"] * 2
    maps = [a_map(wards_and_table, selected=ward) for ward in selections]
    results = [None] * len(maps)

    def record(i):
        results[i] = component_arguments(maps[i], **OPTIONS)

    threads = [threading.Thread(target=record, args=(i,)) for i in range(len(maps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = {ward: component_arguments(a_map(wards_and_table, selected=ward), **OPTIONS)["key"]
                for ward in set(selections)}
    assert [r["key"] for r in results] == [expected[ward] for ward in selections]
    assert streamlit_folium._component_func is original


def test_the_frame_reads_only_what_it_is_sent(wards_and_table, monkeypatch):
    # The app's frame (sia/app/map_frame) is sent a recording's script, header, height and
    # links, and the token it answers once the map is drawn (sia.app.first_paint), under one
    # key for the page: it reads nothing else.
    frame_code = (Path(map_component.__file__).parent / "map_frame" / "frame.js").read_text()
    assert set(re.findall(r"args\.(\w+)", frame_code)) == {*map_component._SENT, "drawn"}
    sent = {}
    monkeypatch.setattr(map_component, "_frame", lambda **arguments: sent.update(arguments) or None)
    recorded = component_arguments(a_map(wards_and_table), **OPTIONS)
    assert map_component.show_map(recorded, drawn="ab" * 16) is None
    assert sent == {**{name: recorded[name] for name in map_component._SENT}, "drawn": "ab" * 16,
                    "key": "ward_map", "default": None}


def test_the_frame_asks_for_leaflet_with_its_page(wards_and_table, tmp_path):
    # The frame's page preloads the Leaflet files every map of the app loads (its script and
    # style sheet, under the names map_assets gives them), so they are not asked for only once
    # the map has been sent. A new folium (another Leaflet) changes the names: this says so.
    page = (Path(map_component.__file__).parent / "map_frame" / "index.html").read_text()
    preloaded = {urlsplit(href).path.removeprefix("../..")
                 for href in re.findall(r'rel="preload"[^>]*href="([^"]+)"', page)}
    recorded = component_arguments(localise(a_map(wards_and_table), tmp_path), **OPTIONS)
    assert preloaded == {*recorded["js_links"], *recorded["css_links"]}
    assert all(url.startswith(STATIC_URL) for url in preloaded)
