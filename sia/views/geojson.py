"""GeoJSON of a table of shapes, for the map's layers."""
from __future__ import annotations

import json
import math

import geopandas as gpd
import pandas as pd
import shapely

from sia.views.shown_text import template_inert


def feature_collection(frame: gpd.GeoDataFrame) -> dict:
    """The FeatureCollection ``json.loads(frame.to_json())`` gives (ids from the index, the
    other columns as properties, missing values as null), with the geometries written by
    shapely's vectorised writer: geopandas goes feature by feature in Python, which for a
    map's few layers took a tenth of the map page's work on every view. Coordinates are
    written as they are: give the frame in WGS84. Text is made inert to folium's template
    rendering (shown_text.template_inert): a property is data, never template code."""
    names = [c for c in frame.columns if c != frame.geometry.name]
    columns = [[None if _missing(v) else template_inert(v) if isinstance(v, str) else v for v in frame[c].tolist()]
               for c in names]
    geometries = shapely.to_geojson(frame.geometry.to_numpy())
    return {"type": "FeatureCollection", "features": [
        {"id": str(i), "type": "Feature", "properties": dict(zip(names, values)),
         "geometry": None if g is None else json.loads(g)}
        for i, g, *values in zip(frame.index, geometries, *columns)]}


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))
