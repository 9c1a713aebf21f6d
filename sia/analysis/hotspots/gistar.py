"""Hotspot statistics: counts and rates per unit, Getis-Ord Gi*, kernel density, and
hotspot patterns across periods.

One family of small functions in the spirit of sfhotspot, sharing one validation step
whose messages say what is wrong, where, and what to do (``InputError``):

- ``incident_points``: incidents as points in British National Grid (metres);
- ``count_by_polygons`` / ``count_by_grid``: counts per ward, LSOA or grid cell, 0 where
  nothing was recorded; ``add_rates``: per 1,000 residents a year where a population exists;
- ``spatial_weights``: contiguity for polygons (with a small tolerance, because generalised
  boundaries need not share vertices), a distance band for grid cells;
- ``hotspots_gistar``: Gi* z-scores with analytic and permutation p-values (PySAL esda),
  a named multiple-testing correction and hot/cold classes at 99/95/90%;
- ``kernel_density``: a Gaussian kernel surface on the grid with a stated bandwidth rule;
- ``hotspot_classify`` / ``hotspots_by_period``: persistent, emerging, former and
  intermittent hot and cold spots across months or years.
"""
from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats
from scipy.spatial import cKDTree

from sia.errors import InputError, Problem
from sia.dataset.geography import BNG, check_polygons, place_in_wards, read_boundaries
from sia.analysis.hotspots.grid import cell_of_points, make_grid
from sia.analysis.measures import per_1000_a_year

CONTIGUITY_TOLERANCE_M = 5.0  # polygons closer than this are neighbours (generalised edges)
PERMUTATIONS = 999
# Each permutation reshuffles every unit's neighbours: beyond this a run takes minutes and
# the pseudo p-values gain nothing (their resolution is already 1 in 10,000).
MAX_PERMUTATIONS = 9_999
SEED = 20_140_401  # fixed, so a rerun gives the same pseudo p-values
CORRECTIONS = {
    "fdr_bh": "Benjamini-Hochberg false discovery rate",
    "fdr_by": "Benjamini-Yekutieli false discovery rate",
    "holm": "Holm family-wise error rate",
    "none": "no correction for multiple testing",
}
CONFIDENCE = ((0.01, "99%"), (0.05, "95%"), (0.10, "90%"))
NOT_SIGNIFICANT = "not significant"
NO_NEIGHBOURS = "no neighbours"
HOT_CLASSES = tuple(f"hot {c}" for _, c in CONFIDENCE)
COLD_CLASSES = tuple(f"cold {c}" for _, c in CONFIDENCE)
GI_CLASSES = (*HOT_CLASSES, NOT_SIGNIFICANT, *reversed(COLD_CLASSES), NO_NEIGHBOURS)

LSOA_CODE_FIELD = re.compile(r"^LSOA[0-9]{2}CD$", re.IGNORECASE)
LSOA_NAME_FIELD = re.compile(r"^LSOA[0-9]{2}NM$", re.IGNORECASE)


# --- validation shared by the family ----------------------------------------------------

def check_points(points: gpd.GeoDataFrame, what: str = "incidents") -> None:
    if len(points) == 0:
        raise InputError(Problem(f"there are no {what} to analyse", "the selection",
                                 "choose another financial year or more crime types"))
    kinds = set(points.geom_type.dropna())
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
        raise InputError(Problem(
            f"{name} is missing for {missing.sum()} area(s) ({', '.join(map(str, ids[:5]))}"
            f"{', ...' if len(ids) > 5 else ''})", name,
            "use counts, or give a population for every area" if name == "rate" else
            "fill areas without incidents with 0"))
    if array.sum() <= 0:
        raise InputError(Problem(f"every area has {name} 0: there is nothing to test", "the selection",
                                 "choose another financial year or more crime types"))
    return array


# --- points and units ---------------------------------------------------------------------

def incident_points(incidents: pd.DataFrame) -> gpd.GeoDataFrame:
    """Incidents as points in British National Grid, keeping their columns."""
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


def read_lsoa_units(path: Path) -> gpd.GeoDataFrame:
    """LSOA polygons (ONS fields LSOA11CD/LSOA11NM, any year) as units in BNG."""
    label = str(path)
    gdf = read_boundaries(path, "LSOA")
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    code = next((c for c in columns if LSOA_CODE_FIELD.match(c)), None)
    name = next((c for c in columns if LSOA_NAME_FIELD.match(c)), code)
    if code is None:
        raise InputError(Problem(f"no LSOA code field (such as LSOA11CD); fields are {', '.join(columns)}",
                                 label, "give the LSOA boundaries as ONS publish them"))
    if gdf.crs is None:
        raise InputError(Problem("the LSOA file has no coordinate reference system", label,
                                 "save it with its CRS (ONS files are EPSG:4326 or EPSG:27700)"))
    minx, miny, maxx, maxy = gdf.total_bounds
    if gdf.crs.is_geographic and not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InputError(Problem(
            f"the coordinates (x {minx:,.0f} to {maxx:,.0f}) are not longitude and latitude, "
            f"though the file says its CRS is {gdf.crs.to_string()}", label,
            "save the file with the CRS its coordinates are in (e.g. EPSG:27700)"))
    units = gpd.GeoDataFrame({"unit_id": gdf[code].astype(str).str.strip(),
                              "unit_name": gdf[name].astype(str).str.strip()},
                             geometry=gdf.geometry.values, crs=gdf.crs)
    if len(units) and set(units.geom_type.dropna()) <= {"Polygon", "MultiPolygon"}:
        units = units.to_crs(BNG)
        units["geometry"] = shapely.make_valid(units.geometry.values)
    check_units(units, label)
    return units.sort_values("unit_id").reset_index(drop=True)


def grid_units(area: gpd.GeoDataFrame, cell_size: float | None = None) -> gpd.GeoDataFrame:
    """Grid cells over the area (e.g. the wards) in BNG; ``attrs['cell_size']`` in metres."""
    return make_grid(area.to_crs(BNG), cell_size)


# --- counts and rates ----------------------------------------------------------------------

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
    lonlat = points.geometry.to_crs("EPSG:4326")
    return place_in_wards(lonlat.x.to_numpy(), lonlat.y.to_numpy(), units.to_crs(BNG))[0]


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


# --- spatial weights -----------------------------------------------------------------------

def spatial_weights(units: gpd.GeoDataFrame, tolerance_m: float = CONTIGUITY_TOLERANCE_M):
    """Binary weights: for grid cells (``attrs['cell_size']``), the cells whose centres are
    within cell size x sqrt(2) (the 8 around a cell, as sfhotspot); for polygons, queen
    contiguity with a tolerance: polygons whose edges come within ``tolerance_m`` metres
    are neighbours. Generalised boundaries such as ONS's clipped LSOAs do not share
    vertices, so exact queen contiguity finds no neighbours at all there.
    """
    from libpysal.weights import DistanceBand, fuzzy_contiguity

    with warnings.catch_warnings():  # islands are reported by the caller, not warned about
        warnings.simplefilter("ignore")
        if "cell_size" in units.attrs:
            centres = shapely.get_coordinates(units.geometry.centroid.values)
            return DistanceBand(centres, threshold=units.attrs["cell_size"] * math.sqrt(2) * 1.001,
                                binary=True, ids=list(units["unit_id"]))
        if tolerance_m < 0:
            raise InputError(Problem(f"contiguity tolerance {tolerance_m:g} m is negative", "tolerance",
                                     "give 0 or a few metres"))
        # Each polygon grows by half the tolerance, so edges up to tolerance_m apart meet.
        return fuzzy_contiguity(units.set_index("unit_id"), buffering=tolerance_m > 0,
                                buffer=tolerance_m / 2 or None)


# --- Getis-Ord Gi* -------------------------------------------------------------------------

@dataclass(frozen=True)
class GiStar:
    """Gi* results: one row per unit, and the method that made them."""
    table: pd.DataFrame  # unit_id, unit_name, value, neighbours, gi_z, p_value, p_sim, p_adjusted, class
    variable: str
    correction: str
    inference: str
    permutations: int
    seed: int
    weights: str
    islands: tuple[str, ...] = field(default_factory=tuple)

    @property
    def correction_label(self) -> str:
        return CORRECTIONS[self.correction]

    def method(self) -> str:
        """The method in one sentence, for legends, CSV headers and the ward profile."""
        basis = ("analytic (normal) p-values" if self.inference == "analytic" else
                 f"permutation p-values ({self.permutations:,} permutations)")
        return (f"Getis-Ord Gi* on {self.variable}s, {self.weights}; {basis}, "
                f"{self.correction_label} ({self.correction})")


def adjust_p_values(p: np.ndarray, correction: str = "fdr_bh") -> np.ndarray:
    """p-values adjusted for testing many units at once (NaN stays NaN, outside the family)."""
    if correction not in CORRECTIONS:
        raise InputError(Problem(f"unknown correction {correction!r}", "--correction",
                                 f"use one of {', '.join(CORRECTIONS)}"))
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    tested = np.isfinite(p)
    if not tested.any() or correction == "none":
        out[tested] = p[tested]
        return out
    if correction in ("fdr_bh", "fdr_by"):
        out[tested] = stats.false_discovery_control(p[tested], method=correction[-2:])
    else:
        # Holm's step-down; scipy has no family-wise corrections (statsmodels would be a
        # large dependency for four lines).
        q = p[tested]
        order = np.argsort(q)
        stepped = np.maximum.accumulate((len(q) - np.arange(len(q))) * q[order])
        adjusted = np.empty_like(q)
        adjusted[order] = np.minimum(stepped, 1.0)
        out[tested] = adjusted
    return out


def gi_class(z: np.ndarray, p_adjusted: np.ndarray) -> np.ndarray:
    """'hot 99%' ... 'cold 90%' by the adjusted p-value and the sign of z; 'not
    significant' above 0.10; 'no neighbours' where nothing was tested."""
    out = np.full(len(z), NOT_SIGNIFICANT, dtype=object)
    for alpha, level in reversed(CONFIDENCE):  # strictest last, so it wins
        significant = p_adjusted < alpha
        out[significant & (z > 0)] = f"hot {level}"
        out[significant & (z < 0)] = f"cold {level}"
    out[~np.isfinite(p_adjusted)] = NO_NEIGHBOURS
    return out


def hotspots_gistar(units: gpd.GeoDataFrame, variable: str = "count", *, weights=None,
                    permutations: int = PERMUTATIONS, seed: int = SEED, correction: str = "fdr_bh",
                    inference: str = "analytic") -> GiStar:
    """Getis-Ord Gi* for every unit (PySAL esda ``G_Local`` with ``star=True`` and binary
    weights, the unit itself included in its neighbourhood).

    - ``gi_z``: the analytic z-score; ``p_value``: its two-sided normal p-value;
    - ``p_sim``: esda's permutation pseudo p-value (one-sided, in the direction observed:
      the share of ``permutations`` conditional permutations at least as extreme, seeded);
    - ``p_adjusted``: the p-value chosen by ``inference`` ('analytic': ``p_value``;
      'permutation': 2 x ``p_sim``, capped at 1) adjusted by ``correction`` over the
      units that have neighbours;
    - ``class``: hot/cold at 99/95/90% from ``p_adjusted``.

    Units without neighbours (islands) get no z-score and the class 'no neighbours': Gi*
    there would only compare the unit with itself.
    """
    if variable not in units:
        raise InputError(Problem(f"no column {variable!r} to test", "variable", "use count or rate"))
    if not 0 <= permutations <= MAX_PERMUTATIONS:
        raise InputError(Problem(f"{permutations} permutations", "--permutations",
                                 f"give 0 to {MAX_PERMUTATIONS:,}, e.g. 999"))
    if inference not in ("analytic", "permutation") or (inference == "permutation" and not permutations):
        raise InputError(Problem(f"inference {inference!r} cannot be used here", "--inference",
                                 "use analytic, or permutation with at least 99 permutations"))
    if correction not in CORRECTIONS:
        raise InputError(Problem(f"unknown correction {correction!r}", "--correction",
                                 f"use one of {', '.join(CORRECTIONS)}"))
    y = check_values(units[variable], units, variable)
    if len(units) < 3:
        raise InputError(Problem(f"only {len(units)} area(s)", "the areas", "Gi* needs at least 3 areas"))
    if np.ptp(y) == 0:
        raise InputError(Problem(f"every area has the same {variable}: there is no pattern to test",
                                 "the selection", "choose more data or a finer unit"))
    from esda.getisord import G_Local

    w = weights if weights is not None else spatial_weights(units)
    neighbours = np.array([w.cardinalities[i] for i in w.id_order])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands: handled below
        # n_jobs=1: a pool of worker processes costs more than it saves at this size.
        g = G_Local(y, w, transform="B", star=True, permutations=permutations, seed=seed,
                    n_jobs=1, keep_simulations=False)
    island = neighbours == 0
    z = np.where(island, np.nan, g.Zs)
    p_value = 2 * stats.norm.sf(np.abs(z))
    p_sim = np.where(island, np.nan, g.p_sim) if permutations else np.full(len(y), np.nan)
    chosen = p_value if inference == "analytic" else np.minimum(2 * p_sim, 1.0)
    p_adjusted = adjust_p_values(chosen, correction)
    table = pd.DataFrame({"unit_id": units["unit_id"].to_numpy(), "unit_name": units["unit_name"].to_numpy()})
    for column in ("count", "population", "rate"):
        if column in units:
            table[column] = units[column].to_numpy()
    table["neighbours"] = neighbours
    table["gi_z"] = z
    table["p_value"] = p_value
    table["p_sim"] = p_sim
    table["p_adjusted"] = p_adjusted
    table["class"] = gi_class(z, p_adjusted)
    if "cell_size" in units.attrs:
        described = (f"{units.attrs['cell_size']:g} m grid, neighbours within "
                     f"{units.attrs['cell_size'] * math.sqrt(2):,.0f} m (the 8 adjacent cells)")
    else:
        described = f"queen contiguity ({CONTIGUITY_TOLERANCE_M:g} m tolerance)"
    return GiStar(table=table, variable=variable, correction=correction, inference=inference,
                  permutations=permutations, seed=seed, weights=described,
                  islands=tuple(table["unit_id"][island]))


# --- kernel density -------------------------------------------------------------------------

def distinct_places(x: np.ndarray, y: np.ndarray) -> int:
    """How many different map points (to 0.1 m) the incidents lie at."""
    return len(np.unique(np.column_stack([x, y]).round(1), axis=0))


def bandwidth_rule(x: np.ndarray, y: np.ndarray) -> float:
    """Normal-reference rule of thumb, per axis 1.06 x min(sd, IQR / 1.34) x n^(-1/5)
    (Silverman's robust spread, Scott's constant), averaged over the two axes (sfhotspot
    uses the same rule, through MASS::bandwidth.nrd)."""
    def axis(v: np.ndarray) -> float:
        q75, q25 = np.percentile(v, [75, 25])
        spread = min(np.std(v, ddof=1), (q75 - q25) / 1.34) or np.std(v, ddof=1)
        return 1.06 * spread * len(v) ** (-1 / 5)
    return float((axis(x) + axis(y)) / 2)


def kernel_density(points: gpd.GeoDataFrame, grid: gpd.GeoDataFrame, bandwidth: float | None = None,
                   adjust: float = 1.0) -> gpd.GeoDataFrame:
    """Grid cells with ``density``: incidents per square kilometre from a Gaussian kernel
    with standard deviation ``bandwidth`` metres (default: ``bandwidth_rule`` x
    ``adjust``), evaluated at each cell's centre; ``attrs['bandwidth']`` holds the one used.
    Kernels are cut at 4 bandwidths, where under 0.04% of their weight lies."""
    check_points(points)
    check_units(grid, "grid")
    check_same_crs(points, grid, "grid")
    check_overlap(points, grid, "grid")
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    if bandwidth is None:
        if distinct_places(x, y) < 2:
            raise InputError(Problem("the incidents lie at fewer than two places, too few to choose a "
                                     "bandwidth", "the selection", "give a bandwidth, or select more incidents"))
        bandwidth = bandwidth_rule(x, y) * adjust
    if not (bandwidth > 0 and math.isfinite(bandwidth)):
        raise InputError(Problem(f"bandwidth {bandwidth:g} m is not a positive number of metres",
                                 "--bandwidth", "give a bandwidth such as 300, or leave it to the rule"))
    # police.uk snaps incidents to shared points: one kernel per point, weighted.
    sites, weight = np.unique(np.column_stack([x, y]).round(1), axis=0, return_counts=True)
    centres = shapely.get_coordinates(grid.geometry.centroid.values)
    pairs = cKDTree(centres).sparse_distance_matrix(cKDTree(sites), 4 * bandwidth, output_type="coo_matrix")
    kernel = np.exp(-0.5 * (pairs.data / bandwidth) ** 2) / (2 * math.pi * bandwidth ** 2)
    density = np.bincount(pairs.row, weights=kernel * weight[pairs.col], minlength=len(grid))
    out = grid.copy()
    out["density"] = density * 1e6  # per m2 -> per km2
    out.attrs["bandwidth"] = float(bandwidth)
    return out


# --- patterns across periods -------------------------------------------------------------------

PATTERNS = ("persistent hotspot", "emerging hotspot", "former hotspot", "intermittent hotspot",
            "persistent coldspot", "emerging coldspot", "former coldspot", "intermittent coldspot",
            "hot and cold", "no pattern")


@dataclass(frozen=True)
class PatternRules:
    """When a unit's run of significant periods makes it a hot (or cold) spot pattern.

    - ``hotspot_share``: a unit is a hotspot over a set of periods when significant in at
      least this share of them (default 0.1: any period of ten or fewer);
    - ``persistent_share``: persistent when significant in at least this share of all
      periods (default 0.8);
    - ``recent_share``: the last ``max(1, floor(recent_share x periods))`` periods are
      'recent' (default 0.2), the others 'earlier'.

    Emerging: a hotspot in the recent periods but not in the earlier ones. Former: the
    reverse. Intermittent: a hotspot over all periods, but none of the above. A unit
    that is both a hot and a cold spot pattern is 'hot and cold'.
    """
    hotspot_share: float = 0.1
    persistent_share: float = 0.8
    recent_share: float = 0.2

    def check(self) -> None:
        for name in ("hotspot_share", "persistent_share", "recent_share"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise InputError(Problem(f"{name.replace('_', ' ')} {value:g} is not between 0 and 1",
                                         f"--{name.replace('_', '-')}", "give a share such as 0.2"))

    def recent_periods(self, n: int) -> int:
        return max(1, math.floor(self.recent_share * n))


def hotspot_classify(significance: pd.DataFrame, rules: PatternRules = PatternRules()) -> pd.Series:
    """The pattern of each unit (row) over periods (columns, oldest first) whose cells say
    +1 for a significant hotspot, -1 for a significant coldspot, 0 otherwise."""
    rules.check()
    n = significance.shape[1]
    if n < 2:
        raise InputError(Problem(f"only {n} period(s) with incidents", "the periods",
                                 "patterns need two or more months or years"))
    recent = rules.recent_periods(n)
    if n - recent < 1:
        recent = n - 1

    def pattern(sig: pd.DataFrame, kind: str) -> pd.Series:
        share_all = sig.mean(axis=1)
        share_recent = sig.iloc[:, n - recent:].mean(axis=1)
        share_earlier = sig.iloc[:, :n - recent].mean(axis=1)
        out = pd.Series("no pattern", index=sig.index, dtype=object)
        out[share_all >= rules.hotspot_share] = f"intermittent {kind}"
        out[(share_earlier >= rules.hotspot_share) & (share_recent < rules.hotspot_share)] = f"former {kind}"
        out[(share_recent >= rules.hotspot_share) & (share_earlier < rules.hotspot_share)] = f"emerging {kind}"
        out[share_all >= rules.persistent_share] = f"persistent {kind}"
        return out

    hot = pattern(significance > 0, "hotspot")
    cold = pattern(significance < 0, "coldspot")
    return hot.where(cold == "no pattern", cold.where(hot == "no pattern", "hot and cold")).rename("pattern")


def hotspots_by_period(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, period: str = "month", *,
                       alpha: float = 0.05, rules: PatternRules = PatternRules(),
                       correction: str = "fdr_bh", permutations: int = 0, seed: int = SEED,
                       ) -> tuple[pd.Series, pd.DataFrame]:
    """Gi* in each period (a column of ``points``: 'month' or 'fy'), then the pattern of
    each unit. A unit is significant in a period when its adjusted p-value is below
    ``alpha``. Periods without incidents are left out. Returns the patterns (indexed by
    unit_id) and the per-period significance (+1 hot, -1 cold, 0)."""
    if period not in points:
        raise InputError(Problem(f"no period column {period!r}", "--across", "use month or fy"))
    grid = "cell_size" in units.attrs
    weights = spatial_weights(units)
    columns = {}
    for label, rows in points.groupby(points[period].astype(str), sort=True):
        if not len(rows):
            continue
        counted = count_by_grid(rows, units) if grid else count_by_polygons(rows, units)
        if counted["count"].sum() == 0 or np.ptp(counted["count"]) == 0:
            continue
        result = hotspots_gistar(counted, weights=weights, permutations=permutations, seed=seed,
                                 correction=correction).table
        significant = result["p_adjusted"] < alpha
        columns[label] = np.where(significant, np.sign(result["gi_z"]), 0).astype(int)
    significance = pd.DataFrame(columns, index=pd.Index(units["unit_id"], name="unit_id"))
    return hotspot_classify(significance, rules), significance
