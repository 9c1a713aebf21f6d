"""The one validation the hotspot family shares: points, units, their CRS and overlap, the
values tested; messages say what is wrong, where, and what to do."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sia.dataset.geography import BNG, check_polygons
from sia.errors import InputError, Problem


def check_points(points: gpd.GeoDataFrame, what: str = "incidents") -> None:
    if len(points) == 0:
        raise InputError(Problem(f"there are no {what} to analyse", "the selection",
                                 "choose another financial year or more crime types"))
    # The kinds of geometry found, named from one of each (naming a million points takes a while).
    ids, first = np.unique(shapely.get_type_id(points.geometry.to_numpy()), return_index=True)
    kinds = set(points.geometry.iloc[first[ids >= 0]].geom_type)
    if kinds != {"Point"}:
        raise InputError(Problem(f"{what} must be points, found {', '.join(sorted(kinds)) or 'no geometry'}",
                                 what, "give one point per incident"))

def check_units(units: gpd.GeoDataFrame, where: str) -> None:
    """Polygons with an id, in a projected CRS in metres."""
    if len(units) == 0:
        raise InputError(Problem("there are no areas", where, "give the polygons of the areas"))
    check_polygons(units, where, "areas", "the areas", "give area boundaries, not points or lines")
    if not units.crs.is_projected or units.crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise InputError(Problem(f"the areas are in {units.crs.to_string()}, not in metres", where,
                                 f"reproject them first, e.g. .to_crs('{BNG}')"))
    if units["unit_id"].duplicated().any():
        dupes = units["unit_id"][units["unit_id"].duplicated()].unique()[:3]
        raise InputError(Problem(f"area id(s) {', '.join(map(str, dupes))} appear more than once",
                                 where, "give one feature per area, or dissolve them first"))

def check_same_crs(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, where: str) -> None:
    if points.crs != units.crs:
        raise InputError(Problem(
            f"CRS mismatch: the points are in {points.crs.to_string() if points.crs else 'no CRS'}, "
            f"the areas in {units.crs.to_string() if units.crs else 'no CRS'}", where,
            "reproject one to the other's CRS (e.g. both to EPSG:27700) before counting"))

def check_overlap(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, where: str) -> None:
    px0, py0, px1, py1 = points.total_bounds
    ux0, uy0, ux1, uy1 = units.total_bounds
    if px1 < ux0 or px0 > ux1 or py1 < uy0 or py0 > uy1:
        raise InputError(Problem(
            f"no point falls in the areas: points span E {px0:,.0f}-{px1:,.0f}, N {py0:,.0f}-{py1:,.0f}; "
            f"areas span E {ux0:,.0f}-{ux1:,.0f}, N {uy0:,.0f}-{uy1:,.0f}", where,
            "check that both cover the same place and that the file's CRS is the one its "
            "coordinates are in"))

def check_values(values: pd.Series, units: pd.DataFrame, name: str) -> np.ndarray:
    """Finite values for every unit: esda turns a single NaN into NaN everywhere."""
    array = np.asarray(values, dtype=float)
    missing = ~np.isfinite(array)
    if missing.any():
        ids = units["unit_id"].to_numpy()[missing]
        names = units["unit_name"].to_numpy()[missing] if "unit_name" in units else ids
        shown = [str(i) if str(i) == str(n) else f"{n} ({i})" for i, n in zip(ids, names)]
        raise InputError(Problem(
            f"{name} is missing for {missing.sum()} area(s) ({', '.join(shown[:5])}"
            f"{', ...' if len(ids) > 5 else ''})" + (": no population, so no rate" if name == "rate" else ""), name,
            "use counts, or give a population for every area" if name == "rate" else
            "fill areas without incidents with 0"))
    if array.sum() <= 0:
        raise InputError(Problem(f"every area has {name} 0: there is nothing to test", "the selection",
                                 "choose another financial year or more crime types"))
    return array
