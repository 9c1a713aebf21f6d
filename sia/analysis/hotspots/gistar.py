"""Getis-Ord Gi* (PySAL esda) on units: spatial weights, z-scores with analytic and
permutation p-values, a named multiple-testing correction and hot/cold classes."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats

from sia.analysis.hotspots.validation import check_values
from sia.errors import InputError, Problem

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

def spatial_weights(units: gpd.GeoDataFrame, tolerance_m: float = CONTIGUITY_TOLERANCE_M):
    """Binary weights: for grid cells (``attrs['neighbour_distance']``), the cells whose
    centres are no further apart (the 8 around a square, as sfhotspot; the 6 around a
    hexagon); for polygons, queen
    contiguity with a tolerance: polygons whose edges come within ``tolerance_m`` metres
    are neighbours. Generalised boundaries such as ONS's clipped LSOAs do not share
    vertices, so exact queen contiguity finds no neighbours at all there.
    """
    from libpysal.weights import DistanceBand, fuzzy_contiguity

    with warnings.catch_warnings():  # islands are reported by the caller, not warned about
        warnings.simplefilter("ignore")
        if "neighbour_distance" in units.attrs:
            centres = shapely.get_coordinates(units.geometry.centroid.values)
            return DistanceBand(centres, threshold=units.attrs["neighbour_distance"] * 1.001,
                                binary=True, ids=list(units["unit_id"]))
        if tolerance_m < 0:
            raise InputError(Problem(f"contiguity tolerance {tolerance_m:g} m is negative", "tolerance",
                                     "give 0 or a few metres"))
        # Each polygon grows by half the tolerance, so edges up to tolerance_m apart meet.
        return fuzzy_contiguity(units.set_index("unit_id"), buffering=tolerance_m > 0,
                                buffer=tolerance_m / 2 or None)

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
    if "neighbour_distance" in units.attrs:
        square = units.attrs["grid_type"] == "square"
        described = (f"{units.attrs['cell_size']:g} m {'grid' if square else 'hexagonal grid (cells of equal area)'}, "
                     f"neighbours within {units.attrs['neighbour_distance']:,.0f} m "
                     f"(the {8 if square else 6} adjacent cells)")
    else:
        described = f"queen contiguity ({CONTIGUITY_TOLERANCE_M:g} m tolerance)"
    return GiStar(table=table, variable=variable, correction=correction, inference=inference,
                  permutations=permutations, seed=seed, weights=described,
                  islands=tuple(table["unit_id"][island]))
