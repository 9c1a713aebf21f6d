"""Regular grids in British National Grid, square or hexagonal, and the cell of a point.

Cells are aligned to a lattice anchored at the grid's origin (so the same cell keeps its
id across datasets) and kept whole where they touch the study area. With no cell size
given, the grid has about 50 cells on the shorter side of the area's bounding box (as
sfhotspot does), rounded to a round number of metres.

A hexagon of cell size s has the area of an s x s square (s squared), so counts on the two
grids compare: pointy-topped, with sides of s x sqrt(2 / (3 sqrt 3)) (0.620 s) and 1.075 s
between opposite sides. ``attrs`` hold ``cell_size``, ``grid_type`` (square | hex) and
``neighbour_distance``: how far apart the centres of neighbouring cells are at most (the 8
around a square, as sfhotspot; the 6 around a hexagon).
"""
from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from sia.dataset.geography import BNG
from sia.errors import InputError, Problem

MAX_CELLS = 100_000  # Gi* and the map stay quick well below this
MIN_CELL_M = 1.0
CELLS_ON_SHORTER_SIDE = 50


def round_metres(x: float, up: bool = False) -> float:
    """A round number of metres near x: multiples of half its power of ten (230 -> 250,
    37 -> 35, or 40 rounding up)."""
    step = 10 ** math.floor(math.log10(x)) / 2
    return max(step, (math.ceil if up else round)(x / step) * step)


def default_cell_size(area: gpd.GeoDataFrame) -> float:
    minx, miny, maxx, maxy = area.total_bounds
    return round_metres(min(maxx - minx, maxy - miny) / CELLS_ON_SHORTER_SIDE)


def check_cell_size(cell_size: float, area: gpd.GeoDataFrame, max_cells: int = MAX_CELLS) -> None:
    """A positive cell size that gives at most ``max_cells`` cells over the area's box."""
    if not (cell_size > 0 and math.isfinite(cell_size)):
        raise InputError(Problem(f"cell size {cell_size:g} m is not a positive number of metres",
                                 "--cell-size", "give a cell size such as 250"))
    if cell_size < MIN_CELL_M:  # police.uk's points are anonymised to streets anyway
        raise InputError(Problem(f"cell size {cell_size:g} m is smaller than {MIN_CELL_M:g} m",
                                 "--cell-size", "give a cell size such as 250"))
    minx, miny, maxx, maxy = area.total_bounds
    if cell_size > min(maxx - minx, maxy - miny) / 3:  # Gi* needs cells with neighbours
        raise InputError(Problem(
            f"cell size {cell_size:g} m is too large for the area ({(maxx - minx) / 1000:.1f} km by "
            f"{(maxy - miny) / 1000:.1f} km): there would be too few cells to test", "--cell-size",
            f"use --cell-size {round_metres(min(maxx - minx, maxy - miny) / 3):g} or smaller"))
    cells = math.ceil((maxx - minx) / cell_size + 1) * math.ceil((maxy - miny) / cell_size + 1)
    if cells > max_cells:
        smallest = round_metres(math.sqrt((maxx - minx) * (maxy - miny) / max_cells), up=True)
        raise InputError(Problem(
            f"a {cell_size:g} m grid over the area ({(maxx - minx) / 1000:.1f} km by "
            f"{(maxy - miny) / 1000:.1f} km) would have {cells:,} cells; the limit is {max_cells:,}",
            "--cell-size", f"use --cell-size {smallest:g} or larger"))


def make_grid(area: gpd.GeoDataFrame, cell_size: float | None = None) -> gpd.GeoDataFrame:
    """Square cells (unit_id, unit_name, col, row, geometry) covering ``area`` (polygons in BNG).

    unit_id names the cell's south-west corner in metres, e.g. 'E435000N336250'.
    """
    cell_size = float(default_cell_size(area) if cell_size is None else cell_size)
    check_cell_size(cell_size, area)
    minx, miny, maxx, maxy = area.total_bounds
    x0, y0 = math.floor(minx / cell_size) * cell_size, math.floor(miny / cell_size) * cell_size
    xs = np.arange(x0, maxx, cell_size)
    ys = np.arange(y0, maxy, cell_size)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boxes = shapely.box(gx, gy, gx + cell_size, gy + cell_size)
    outline = shapely.union_all(area.geometry.values)
    shapely.prepare(outline)
    keep = shapely.intersects(outline, boxes)
    ids = [f"E{x:.0f}N{y:.0f}" for x, y in zip(gx[keep], gy[keep])]
    grid = gpd.GeoDataFrame({"unit_id": ids, "unit_name": ids,
                             "col": np.rint(gx[keep] / cell_size).astype(np.int64),
                             "row": np.rint(gy[keep] / cell_size).astype(np.int64)},
                            geometry=boxes[keep], crs=BNG)
    grid.attrs.update(cell_size=cell_size, grid_type="square", neighbour_distance=cell_size * math.sqrt(2))
    return grid


def hex_side(cell_size: float) -> float:
    """The side of a hexagon with the area of a square of ``cell_size``."""
    return cell_size * math.sqrt(2 / (3 * math.sqrt(3)))


def make_hex_grid(area: gpd.GeoDataFrame, cell_size: float | None = None) -> gpd.GeoDataFrame:
    """Pointy-topped hexagons (unit_id, unit_name, col, row, geometry) of area ``cell_size``
    squared covering ``area`` (polygons in BNG). Row r has centres at y = 1.5 a r and
    x = w (c + r/2 mod 1) for side a and width w = sqrt(3) a; unit_id names the centre in
    metres, e.g. 'HE435067N336288'."""
    cell_size = float(default_cell_size(area) if cell_size is None else cell_size)
    check_cell_size(cell_size, area)
    side = hex_side(cell_size)
    width, pitch = math.sqrt(3) * side, 1.5 * side
    minx, miny, maxx, maxy = area.total_bounds
    rows = np.arange(math.floor(miny / pitch) - 1, math.ceil(maxy / pitch) + 2)
    cols = np.arange(math.floor(minx / width) - 1, math.ceil(maxx / width) + 2)
    gc, gr = (a.ravel() for a in np.meshgrid(cols, rows))
    cx = width * (gc + (gr % 2) / 2)
    cy = pitch * gr
    angles = np.deg2rad(30 + 60 * np.arange(6))  # pointy top: corners at 30, 90, ... degrees
    rings = np.stack([cx[:, None] + side * np.cos(angles), cy[:, None] + side * np.sin(angles)], axis=-1)
    hexagons = shapely.polygons(rings)
    outline = shapely.union_all(area.geometry.values)
    shapely.prepare(outline)
    keep = shapely.intersects(outline, hexagons)
    ids = [f"HE{x:.0f}N{y:.0f}" for x, y in zip(cx[keep], cy[keep])]
    grid = gpd.GeoDataFrame({"unit_id": ids, "unit_name": ids, "col": gc[keep].astype(np.int64),
                             "row": gr[keep].astype(np.int64)}, geometry=hexagons[keep], crs=BNG)
    grid.attrs.update(cell_size=cell_size, grid_type="hex", neighbour_distance=width)
    return grid


def cell_of_points(x: np.ndarray, y: np.ndarray, grid: gpd.GeoDataFrame) -> np.ndarray:
    """Row of ``grid`` holding each point, -1 outside the grid. Square cells: arithmetic on
    the coordinates, and a point on a cell edge goes to the cell to its north-east.
    Hexagons: the spatial index; a point on an edge goes to the cell listed first."""
    if grid.attrs.get("grid_type") == "hex":
        points, cells = grid.sindex.query(shapely.points(x, y), predicate="intersects")
        index = np.full(len(x), len(grid), dtype=np.int64)
        np.minimum.at(index, points, cells)  # on an edge between two cells, the first listed
        return np.where(index == len(grid), -1, index)
    size = grid.attrs["cell_size"]
    lookup = {key: i for i, key in enumerate(zip(grid["col"].tolist(), grid["row"].tolist()))}
    col, row = np.floor(x / size).astype(np.int64), np.floor(y / size).astype(np.int64)
    return np.fromiter((lookup.get(key, -1) for key in zip(col.tolist(), row.tolist())),
                       dtype=np.int64, count=len(col))
