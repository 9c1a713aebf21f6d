"""Hotspot patterns across periods: the Gi* of every unit in each month or year (shared with
the emerging hot spot analysis of ``emerging.py``); sfhotspot-like classes from it
(persistent, emerging, former and intermittent hot and cold spots); and whether units are
hot spots in both of two years, one or neither."""
from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from sia.analysis.hotspots.gistar import CONFIDENCE, SEED, hotspots_gistar, spatial_weights
from sia.analysis.hotspots.units import count_by_grid, count_by_polygons
from sia.errors import InputError, Problem

PATTERN_METHODS = ("sfhotspot", "ehsa")  # the classes of PATTERNS below, or Esri's (emerging.py)

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

@dataclass(frozen=True)
class PeriodGiStar:
    """Gi* of every unit in each period: rows are units (``unit_id``), columns the periods
    with incidents, oldest first (month labels 'YYYY-MM' and years 'YYYY-YY' sort in time)."""
    z: pd.DataFrame  # the analytic z-score (NaN for a unit without neighbours)
    p_adjusted: pd.DataFrame  # the p-value adjusted over the units of that period
    period: str  # 'month' or 'fy'

    def significance(self, alpha: float) -> pd.DataFrame:
        """+1 where a unit is a significant hotspot (adjusted p below ``alpha``), -1 a
        significant coldspot, 0 otherwise."""
        significant = self.p_adjusted < alpha
        return pd.DataFrame(np.where(significant, np.sign(self.z.fillna(0)), 0).astype(int),
                            index=self.z.index, columns=self.z.columns)


def gistar_by_period(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, period: str = "month", *,
                     correction: str = "fdr_bh", permutations: int = 0, seed: int = SEED) -> PeriodGiStar:
    """Gi* in each period (a column of ``points``: 'month' or 'fy') on the same units and
    weights. Periods without incidents, or where every unit has the same count (nothing to
    test), are left out."""
    if period not in points:
        raise InputError(Problem(f"no period column {period!r}", "--across", "use month or fy"))
    grid = "cell_size" in units.attrs
    weights = spatial_weights(units)
    z, p = {}, {}
    for label, rows in points.groupby(points[period].astype(str), sort=True):
        if not len(rows):
            continue
        counted = count_by_grid(rows, units) if grid else count_by_polygons(rows, units)
        if counted["count"].sum() == 0 or np.ptp(counted["count"]) == 0:
            continue
        result = hotspots_gistar(counted, weights=weights, permutations=permutations, seed=seed,
                                 correction=correction).table
        z[label] = result["gi_z"].to_numpy()
        p[label] = result["p_adjusted"].to_numpy()
    index = pd.Index(units["unit_id"], name="unit_id")
    return PeriodGiStar(z=pd.DataFrame(z, index=index, dtype=float),
                        p_adjusted=pd.DataFrame(p, index=index, dtype=float), period=period)


def hotspots_by_period(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, period: str = "month", *,
                       alpha: float = 0.05, rules: PatternRules = PatternRules(),
                       correction: str = "fdr_bh", permutations: int = 0, seed: int = SEED,
                       ) -> tuple[pd.Series, pd.DataFrame]:
    """Gi* in each period (:func:`gistar_by_period`), then the sfhotspot-like pattern of
    each unit. A unit is significant in a period when its adjusted p-value is below
    ``alpha``. Returns the patterns (indexed by unit_id) and the per-period significance
    (+1 hot, -1 cold, 0)."""
    significance = gistar_by_period(points, units, period, correction=correction,
                                    permutations=permutations, seed=seed).significance(alpha)
    return hotspot_classify(significance, rules), significance


# Between two years, a unit is a hot spot in a year when its Gi* class is hot with an
# adjusted p-value below this: 'hot 95%' or 'hot 99%'.
SHIFT_ALPHA = 0.05

HOT_AT_LEVEL = tuple(f"hot {level}" for alpha, level in CONFIDENCE if alpha <= SHIFT_ALPHA)

SHIFT_LEVEL = f"{(1 - SHIFT_ALPHA) * 100:g}%"

SHIFTS = ("both years", "earlier year only", "later year only", "neither year")


def hotspot_shift(earlier: pd.Series, later: pd.Series) -> pd.Series:
    """Where the hot spots of two years are: for each unit (the same index in both), the
    Gi* class of the earlier and the later year (``gi_class``'s 'hot 99%' ... 'no
    neighbours') gives 'both years', 'earlier year only', 'later year only' or 'neither
    year', a unit counting as hot at 95% confidence or stricter (:data:`HOT_AT_LEVEL`)."""
    if not earlier.index.equals(later.index):
        raise ValueError("the two years must hold the same units")
    before, after = earlier.isin(HOT_AT_LEVEL), later.isin(HOT_AT_LEVEL)
    out = np.select([before & after, before, after], SHIFTS[:3], SHIFTS[3])
    return pd.Series(out, index=earlier.index, name="hot_in", dtype=object)
