"""What a click on the map means, from what the map frame returns (st_folium's shape).

Kept apart from Streamlit so it can be tested: AppTest cannot drive the map's frame.
"""
from __future__ import annotations

import numpy as np

from sia.dataset.geography import BNG, place_in_wards

# What the map sends back, as st_folium's returned_objects name it: clicks only, so panning and
# zooming cause no rerun (the app's frame sends these two and nothing else).
RETURNED_OBJECTS = ["last_active_drawing", "last_clicked"]


def ward_from_click(event: dict | None, wards) -> str | None:
    """The ward a click selected: the clicked polygon's ward_name when the event carries
    one, else the ward under the clicked point (no snapping), else None."""
    if not event:
        return None
    names = set(wards["ward_name"])
    drawing = event.get("last_active_drawing") or {}
    name = (drawing.get("properties") or {}).get("ward_name")
    if name in names:
        return name
    clicked = event.get("last_clicked") or {}
    try:
        lat, lng = float(clicked["lat"]), float(clicked["lng"])
    except (KeyError, TypeError, ValueError):
        return None
    ward, _ = place_in_wards(np.array([lng]), np.array([lat]), wards.to_crs(BNG), snap_distance=0)
    return str(wards["ward_name"].iloc[ward[0]]) if ward[0] >= 0 else None


def event_key(event: dict | None) -> tuple:
    """Identifies a click, so the same event seen again on a rerun is not acted on twice."""
    if not event:
        return ()
    clicked = event.get("last_clicked") or {}
    drawing = (event.get("last_active_drawing") or {}).get("properties") or {}
    return (clicked.get("lat"), clicked.get("lng"), drawing.get("ward_name"))


