"""Do one year's hotspots predict the next? Stability and predictive accuracy of places.

Take the top share of units by incidents in the earlier year (10% by default; ties at the
cut broken by unit id, and units with no incident never counted as top). Then, in the
later year:

- the hit rate: the share of the later year's incidents that fall in those units;
- the Predictive Accuracy Index (Chainey, Tompson and Uhlig 2008): hit rate / the
  share of the area those units cover; 1 is no better than chance, higher is better;
- Spearman's rank correlation of unit counts between the years (scipy), with its p-value.

With few incidents these figures swing on a handful of them; ``caution`` then says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sia.errors import InputError, Problem

TOP_SHARE = 0.1
# Below this many incidents in a year one incident moves the hit rate by over 3 points.
MIN_INCIDENTS = 30
MIN_UNITS_FOR_RANKS = 5


@dataclass(frozen=True)
class Stability:
    from_fy: str
    to_fy: str
    units: int
    top_share: float
    top_units: tuple[str, ...]
    incidents_from: int
    incidents_to: int
    hit_rate: float
    area_share: float
    pai: float
    spearman: float
    spearman_p: float
    caution: tuple[str, ...]

    def to_dict(self) -> dict:
        def number(x: float):
            return None if math.isnan(x) else x
        return {"from": self.from_fy, "to": self.to_fy, "units": self.units, "top_share": self.top_share,
                "top_units": list(self.top_units), "incidents_from": self.incidents_from,
                "incidents_to": self.incidents_to, "hit_rate": number(self.hit_rate),
                "area_share": number(self.area_share), "pai": number(self.pai),
                "spearman": number(self.spearman), "spearman_p": number(self.spearman_p),
                "caution": list(self.caution)}


def check_top_share(top_share: float) -> float:
    if not (isinstance(top_share, (int, float)) and 0 < top_share < 1):
        raise InputError(Problem(f"top share {top_share!r} is not a number between 0 and 1 (exclusive)",
                                 "--top-share", "give a share such as 0.1 for the top 10% of units"))
    return float(top_share)


def top_count(top_share: float, units: int) -> int:
    """How many units the top share asks for: at least one."""
    return max(1, round(check_top_share(top_share) * units))


def top_units(earlier: pd.Series, top_share: float) -> pd.Index:
    """The units with the most incidents, ``top_share`` of all units (at least one), leaving
    out units with none; ties at the cut go to the lower unit id."""
    n = top_count(top_share, len(earlier))
    ranked = earlier[earlier > 0].rename_axis("unit_id").reset_index(name="count")
    ranked = ranked.sort_values(["count", "unit_id"], ascending=[False, True])
    return pd.Index(ranked["unit_id"].head(n))


def stability(earlier: pd.Series, later: pd.Series, areas: pd.Series, from_fy: str, to_fy: str,
              top_share: float = TOP_SHARE) -> Stability:
    """``earlier``, ``later``: incidents per unit (indexed by unit_id, the same units);
    ``areas``: each unit's area (any unit, e.g. square metres in British National Grid)."""
    if from_fy == to_fy:
        raise InputError(Problem(f"stability compares two years, and {from_fy} was given for both",
                                 "--from/--to", "give an earlier and a later year, e.g. --from 2014-15 --to 2019-20"))
    if not (earlier.index.equals(later.index) and earlier.index.equals(areas.index)):
        raise InputError(Problem("the two years are counted on different units", "the units",
                                 "count both years on the same units"))
    for fy, counts in ((from_fy, earlier), (to_fy, later)):
        if counts.sum() == 0:
            raise InputError(Problem(f"there are no incidents in {fy} to compare", "the selection",
                                     "choose other years or more crime types"))
    top = top_units(earlier, top_share)
    hit_rate = float(later[top].sum() / later.sum())
    area_share = float(areas[top].sum() / areas.sum())
    caution = []
    for fy, counts in ((from_fy, earlier), (to_fy, later)):
        if counts.sum() < MIN_INCIDENTS:
            caution.append(f"only {int(counts.sum())} incidents in {fy} (fewer than {MIN_INCIDENTS}): "
                           "the hit rate and the PAI rest on a handful of incidents")
    wanted = top_count(top_share, len(earlier))
    if len(top) < wanted:
        caution.append(f"only {len(top)} units had an incident in {from_fy}, fewer than the "
                       f"{wanted} asked for by the top share")
    varied = (earlier > 0).sum() >= MIN_UNITS_FOR_RANKS and np.ptp(earlier) > 0 and np.ptp(later) > 0
    if varied:
        rho, p = spearmanr(earlier.to_numpy(), later.to_numpy())
    else:
        rho, p = math.nan, math.nan
        caution.append(f"fewer than {MIN_UNITS_FOR_RANKS} units with incidents, or counts all alike: "
                       "no rank correlation")
    return Stability(from_fy=from_fy, to_fy=to_fy, units=len(earlier), top_share=float(top_share),
                     top_units=tuple(top), incidents_from=int(earlier.sum()), incidents_to=int(later.sum()),
                     hit_rate=hit_rate, area_share=area_share,
                     pai=hit_rate / area_share if area_share > 0 else math.nan,
                     spearman=float(rho), spearman_p=float(p), caution=tuple(caution))
