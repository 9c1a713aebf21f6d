"""What hotspots are counted in: incidents as points in British National Grid, wards, LSOA
polygons, square and hexagonal grid cells as units, counts per unit (0 where none) and rates."""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from sia.analysis.hotspots.grid import cell_of_points, make_grid, make_hex_grid
from sia.analysis.hotspots.validation import (
    check_overlap,
    check_points,
    check_same_crs,
    check_units,
)
from sia.analysis.measures import per_1000_a_year
from sia.dataset.geography import BNG, place_in_wards_bng, read_lsoas
from sia.dataset.store import SERVED_BNG


def incident_points(incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    """Incidents as points in British National Grid, keeping their columns (the points the
    dashboard's server projected once, when it has them: sia.dataset.store.SERVED_BNG)."""
    if all(c in incidents for c in SERVED_BNG):
        geometry = gpd.points_from_xy(incidents[SERVED_BNG[0]], incidents[SERVED_BNG[1]], crs=BNG)
    else:
        geometry = gpd.points_from_xy(incidents["lon"], incidents["lat"], crs="EPSG:4326").to_crs(BNG)
    return gpd.GeoDataFrame(incidents.reset_index(drop=True), geometry=geometry, crs=BNG)

def ward_units(wards: gpd.GeoDataFrame, population: str | None = None) -> gpd.GeoDataFrame:
    """The dataset's wards as units (unit_id, unit_name, population, geometry) in BNG."""
    units = gpd.GeoDataFrame({"unit_id": wards["ward_code"].to_numpy(),
                              "unit_name": wards["ward_name"].to_numpy()},
                             geometry=wards.geometry.to_crs(BNG).values, crs=BNG)
    if population and population in wards:
        units["population"] = wards[population].to_numpy(dtype=float)
    return units

def lsoa_units(lsoas: gpd.GeoDataFrame, population: str | None = None) -> gpd.GeoDataFrame:
    """LSOAs (as ``read_lsoas`` gives them, or a dataset's LSOA table) as units (unit_id,
    unit_name, with ward and population where the table has them) in BNG."""
    units = gpd.GeoDataFrame({"unit_id": lsoas["lsoa_code"].to_numpy(),
                              "unit_name": lsoas["lsoa_name"].to_numpy()},
                             geometry=lsoas.geometry.to_crs(BNG).values, crs=BNG)
    if "ward_name" in lsoas:
        units["ward_code"] = lsoas["ward_code"].to_numpy()
        units["ward"] = lsoas["ward_name"].to_numpy()
    if population is not None:
        units["population"] = (lsoas[population].to_numpy(dtype=float) if population in lsoas
                               else np.full(len(lsoas), np.nan))
    return units

def read_lsoa_units(path: Path) -> gpd.GeoDataFrame:
    """LSOA polygons from a file (ONS fields LSOA11CD/LSOA11NM, any year) as units in BNG,
    checked as ingest checks them (``sia.dataset.geography.read_lsoas``)."""
    units = lsoa_units(read_lsoas(path))
    check_units(units, str(path))
    return units

def grid_units(area: gpd.GeoDataFrame, cell_size: float | None = None) -> gpd.GeoDataFrame:
    """Grid cells over the area (e.g. the wards) in BNG; ``attrs['cell_size']`` in metres."""
    return make_grid(area.to_crs(BNG), cell_size)

def hex_units(area: gpd.GeoDataFrame, cell_size: float | None = None) -> gpd.GeoDataFrame:
    """Hexagonal cells over the area in BNG, each of the area of a ``cell_size`` square."""
    return make_hex_grid(area.to_crs(BNG), cell_size)

def counts_from_placement(units: gpd.GeoDataFrame, index: np.ndarray) -> gpd.GeoDataFrame:
    """Units with a ``count`` from each point's unit row (-1: outside every unit, counted
    in ``attrs['outside']``)."""
    out = units.copy()
    out["count"] = np.bincount(index[index >= 0], minlength=len(units)).astype(np.int64)
    out.attrs["outside"] = int((index < 0).sum())
    return out

def place_in_polygons(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, where: str = "areas",
                      ) -> np.ndarray:
    """Row of ``units`` holding each point, -1 for none.

    The ingest rule for wards, applied to any polygons: point in polygon, and a point
    outside every polygon but within 100 m of one goes to the nearest (police.uk's
    anonymised points fall just outside generalised boundaries).
    """
    check_points(points)
    check_units(units, where)
    check_same_crs(points, units, where)
    check_overlap(points, units, where)
    return place_in_wards_bng(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(), units.to_crs(BNG))[0]

def count_by_polygons(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, where: str = "areas",
                      ) -> gpd.GeoDataFrame:
    """Units with a ``count`` of the points in each (0 for none); see ``place_in_polygons``."""
    return counts_from_placement(units, place_in_polygons(points, units, where))

def count_by_grid(points: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Grid cells with a ``count`` of the points in each (0 for none)."""
    check_points(points)
    check_units(grid, "grid")
    check_same_crs(points, grid, "grid")
    check_overlap(points, grid, "grid")
    return counts_from_placement(grid, cell_of_points(points.geometry.x.to_numpy(), points.geometry.y.to_numpy(), grid))

def add_rates(counts: gpd.GeoDataFrame, months: int) -> gpd.GeoDataFrame:
    """``rate``: incidents per 1,000 residents a year (annualised from ``months``), NaN
    where a unit has no population (or none is known)."""
    out = counts.copy()
    population = out["population"] if "population" in out else pd.Series(np.nan, index=out.index)
    population = population.where(population > 0)
    out["rate"] = per_1000_a_year(out["count"] / max(months, 1), population)
    return out
