"""The quick hack the hotspot map races against (benchmarks/map_race.py): a one-file
Streamlit + folium page as an analyst would write it in an afternoon. It knows nothing of
the ``sia`` package: it reads a dataset build's Parquet files with pandas and geopandas
(the build that the data folder's CURRENT names, as sia.dataset.store.open_dataset finds
it), counts incidents per ward for a year, and draws the wards shaded by their counts
(folium GeoJson; a Choropleth's legend would make streamlit-folium load d3 from the
internet) with st_folium; the sidebar chooses the year and the crime type. Leaflet and folium's other files are
written to its static/ folder from the folium-offline package and the map is pointed at
them (as sia.app.map_assets.localise does for the app), so it draws without internet.

st_folium is called with its defaults, as the quick hack would: it returns the map's bounds
and zoom, so the page runs once more after the map is first drawn.

Run by map_race.py with NAIVE_DATA_DIR set, from a folder whose .streamlit/config.toml turns
static serving on (``streamlit run`` serves ./static at /app/static/).
"""
import hashlib
import json
import os
from pathlib import Path

import branca
import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from offlinefolium.elements import _res as CDN_FILES
from streamlit_folium import st_folium

DATA = Path(os.environ["NAIVE_DATA_DIR"])
STATIC = Path(__file__).parent / "static" / "map"

st.set_page_config(page_title="Derby crime by ward", layout="wide")


@st.cache_data
def load_incidents():
    build = DATA / "builds" / (DATA / "CURRENT").read_text().strip()
    return pd.read_parquet(build / "incidents.parquet", columns=["fy", "category", "ward_name"])


@st.cache_data
def load_wards():
    build = DATA / "builds" / (DATA / "CURRENT").read_text().strip()
    wards = gpd.read_parquet(build / "wards.parquet").to_crs(4326)
    return wards[["ward_code", "ward_name", "geometry"]].to_json()


def offline(m):
    """Point every script and style sheet of the map at a copy in static/map."""
    STATIC.mkdir(parents=True, exist_ok=True)
    todo = [m]
    while todo:
        element = todo.pop()
        todo.extend(getattr(element, "_children", {}).values())
        for attribute in ("default_js", "default_css"):
            local = []
            for name, url in getattr(element, attribute, None) or []:
                file = STATIC / f"{hashlib.sha256(url.encode()).hexdigest()[:8]}-{url.rsplit('/', 1)[-1]}"
                if not file.exists():
                    file.write_text(CDN_FILES[url], encoding="utf-8")
                local.append((name, f"/app/static/map/{file.name}"))
            if local:
                setattr(element, attribute, local)
    return m


incidents = load_incidents()
years = sorted(incidents["fy"].unique())
st.sidebar.header("Filters")
year = st.sidebar.selectbox("Financial year", years, index=len(years) - 1)
types = sorted(c for c in incidents["category"].unique() if c != "Anti-social behaviour")
crime = st.sidebar.selectbox("Crime type", ["All crime", "Anti-social behaviour", *types])

st.title("Derby crime by ward")
rows = incidents[incidents["fy"] == year]
if crime == "All crime":
    rows = rows[rows["category"] != "Anti-social behaviour"]
else:
    rows = rows[rows["category"] == crime]
counts = rows.groupby("ward_name", observed=False).size().rename("incidents").reset_index()
counts["ward_name"] = counts["ward_name"].astype(str)
st.write(f"{crime}, {year}: {len(rows):,} incidents")

m = folium.Map(location=[52.92, -1.47], zoom_start=12, tiles=None)
wards = json.loads(load_wards())
by_ward = counts.set_index("ward_name")["incidents"]
for feature in wards["features"]:
    feature["properties"]["incidents"] = int(by_ward.get(feature["properties"]["ward_name"], 0))
colours = branca.colormap.linear.YlOrRd_09.scale(by_ward.min(), max(by_ward.max(), by_ward.min() + 1))
folium.GeoJson(
    wards, name="Wards",
    style_function=lambda f: {"fillColor": colours(f["properties"]["incidents"]), "fillOpacity": 0.7,
                              "color": "#555", "weight": 1},
    highlight_function=lambda f: {"weight": 3},
    tooltip=folium.GeoJsonTooltip(fields=["ward_name", "incidents"], aliases=["Ward", "Incidents"]),
).add_to(m)
st_folium(offline(m), use_container_width=True, height=600)
st.caption(f"Yellow: {by_ward.min():,} incidents; dark red: {by_ward.max():,}.")
