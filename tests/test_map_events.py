"""Click handling of the map, as plain functions (AppTest cannot drive st_folium)."""
import pytest

from sia.app.map_events import event_key, ward_from_click
from sia.dataset.store import open_dataset


@pytest.fixture(scope="module")
def wards(real_data_dir):
    return open_dataset(real_data_dir).wards


def test_a_clicked_polygon_names_its_ward(wards):
    event = {"last_active_drawing": {"properties": {"ward_name": "Normanton", "ward_code": "E05001780"}},
             "last_clicked": {"lat": 0, "lng": 0}}
    assert ward_from_click(event, wards) == "Normanton"


def test_a_clicked_point_is_placed_in_its_ward(wards):
    point = wards.set_index("ward_name").loc["Arboretum"].geometry.representative_point()
    assert ward_from_click({"last_clicked": {"lat": point.y, "lng": point.x}}, wards) == "Arboretum"


@pytest.mark.parametrize("event", [None, {}, {"last_clicked": None}, {"last_clicked": {"lat": "x"}},
                                   {"last_clicked": {"lat": 51.5, "lng": -0.12}},
                                   {"last_active_drawing": {"properties": {"ward_name": "Atlantis"}}}])
def test_clicks_outside_the_wards_or_malformed_select_nothing(wards, event):
    assert ward_from_click(event, wards) is None


def test_event_key_tells_clicks_apart():
    a = {"last_clicked": {"lat": 52.9, "lng": -1.4}}
    b = {"last_clicked": {"lat": 52.91, "lng": -1.4}}
    assert event_key(a) == event_key(dict(a)) and event_key(a) != event_key(b)
    assert event_key(None) == ()
