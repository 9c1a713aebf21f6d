"""Emerging hot spot analysis, after ArcGIS Pro's Emerging Hot Spot Analysis (EHSA): each
unit's Gi* in every period (:func:`sia.analysis.hotspots.patterns.gistar_by_period`, the
loop the sfhotspot-like patterns use too), a Mann-Kendall trend test of its Gi* z-scores
in time order (the maintained ``pymannkendall`` package, never a hand-written test), and
one of Esri's sixteen hot and cold spot patterns, or 'no pattern'.

Each pattern's rule is the docstring of its test below (``_new`` ... ``_historical``),
written for hot spots; a cold spot pattern is the same rule with hot and cold swapped and
a falling trend for a rising one (a cold spot intensifies as its z-scores fall).
``{share}`` in a rule stands for :attr:`EhsaRules.share`. :func:`ehsa_rules` renders every
rule, and the About page and the README show that text, so the wording lives here only.

Where Esri's wording would let one unit fit two patterns, the rules settle it, so that
every unit gets exactly one (the tests check this on every sequence of a few periods):

- a unit hot in at least the share of periods but not in the last is historical, whatever
  its trend, and a unit that is so for hot spots is never also a cold spot pattern;
- a unit that was ever a significant cold spot before its last (hot) period is
  oscillating, never new, consecutive or sporadic.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pymannkendall

from sia.analysis.hotspots.gistar import SEED
from sia.analysis.hotspots.patterns import gistar_by_period
from sia.errors import InputError, Problem
from sia.words import plural

NO_PATTERN = "no pattern"


@dataclass(frozen=True)
class EhsaRules:
    """The thresholds of the patterns.

    - ``alpha``: a unit is a significant hot (cold) spot in a period when its adjusted Gi*
      p-value is below this and its z-score positive (negative). 0.05, 95% confidence, as
      for the sfhotspot patterns: Esri's pattern definitions say "statistically
      significant" without naming a level;
    - ``trend_alpha``: the Mann-Kendall trend of its z-scores is significant below this (0.05);
    - ``share``: Esri's "at least 90 percent of the periods" of the intensifying,
      persistent, diminishing and historical patterns, and its "less than 90 percent" of
      consecutive, sporadic and oscillating (0.9). Over a half and at most 1, so that no
      unit is a hot spot and a cold spot in that share of the periods.
    """
    alpha: float = 0.05
    trend_alpha: float = 0.05
    share: float = 0.9

    def check(self) -> None:
        for name, low, high in (("alpha", 0.0, 1.0), ("trend_alpha", 0.0, 1.0), ("share", 0.5, 1.0)):
            value = getattr(self, name)
            if not (low < value < high or (name == "share" and value == high)):
                raise InputError(Problem(f"{name.replace('_', ' ')} {value:g} is not between {low:g} and {high:g}",
                                         "emerging hot spot rules",
                                         "give a share such as 0.9" if name == "share" else "give e.g. 0.05"))

    def fewest_periods(self) -> int:
        """The fewest periods in which a trend can be significant at all: in fewer, even a
        series rising in every period has a Mann-Kendall p-value of ``trend_alpha`` or more,
        so intensifying and diminishing could never be found (5 at 0.05)."""
        self.check()
        n = 3
        while pymannkendall.original_test(np.arange(n, dtype=float), alpha=self.trend_alpha).p >= self.trend_alpha:
            n += 1
        return n

    def percent(self) -> str:
        return f"{self.share * 100:g}%"


@dataclass(frozen=True)
class _Side:
    """One unit's periods (oldest first) seen for one kind of spot: ``own``, whether it is
    a significant spot of that kind in each; ``other``, of the opposite kind; ``trend``,
    +1 when its z-scores move significantly towards the kind (rising for hot), -1 away, 0
    no significant trend."""
    own: np.ndarray
    other: np.ndarray
    trend: int
    share: float

    @property
    def last(self) -> bool:
        return bool(self.own[-1])

    @property
    def mostly(self) -> bool:
        return self.own.mean() >= self.share

    @property
    def other_mostly(self) -> bool:
        return self.other.mean() >= self.share

    @property
    def before_own(self) -> bool:
        return bool(self.own[:-1].any())

    @property
    def before_other(self) -> bool:
        return bool(self.other[:-1].any())

    @property
    def one_final_run(self) -> bool:
        """Its periods of this kind are one unbroken run ending with the last."""
        if not self.last:
            return False
        first = int(np.flatnonzero(self.own)[0])
        return bool(self.own[first:].all())


def _new(s: _Side) -> bool:
    """A hot spot in the last period and never a significant hot or cold spot before it."""
    return s.last and not s.before_own and not s.before_other


def _consecutive(s: _Side) -> bool:
    """A hot spot in an unbroken run of two or more periods ending with the last, never a
    significant hot or cold spot before that run, and a hot spot in less than {share} of
    the periods."""
    return s.one_final_run and s.before_own and not s.before_other and not s.mostly


def _intensifying(s: _Side) -> bool:
    """A hot spot in at least {share} of the periods, the last among them, with its Gi*
    z-scores rising over time (a significant Mann-Kendall trend)."""
    return s.mostly and s.last and s.trend > 0


def _persistent(s: _Side) -> bool:
    """A hot spot in at least {share} of the periods, the last among them, with no
    significant trend in its Gi* z-scores."""
    return s.mostly and s.last and s.trend == 0


def _diminishing(s: _Side) -> bool:
    """A hot spot in at least {share} of the periods, the last among them, with its Gi*
    z-scores falling over time (a significant Mann-Kendall trend)."""
    return s.mostly and s.last and s.trend < 0


def _sporadic(s: _Side) -> bool:
    """A hot spot in the last period and on and off before it (not in one run ending with
    the last), a hot spot in less than {share} of the periods, and never a significant
    cold spot."""
    return (s.last and s.before_own and not s.one_final_run and not s.before_other
            and not s.mostly)


def _oscillating(s: _Side) -> bool:
    """A hot spot in the last period that was a significant cold spot in an earlier one,
    and neither a hot spot nor a cold spot in {share} of the periods or more."""
    return s.last and s.before_other and not s.mostly and not s.other_mostly


def _historical(s: _Side) -> bool:
    """A hot spot in at least {share} of the periods, but not in the last."""
    return s.mostly and not s.last


# Esri's order: new, consecutive, intensifying, persistent, diminishing, sporadic,
# oscillating, historical.
_TESTS: tuple[tuple[str, Callable[[_Side], bool]], ...] = (
    ("new", _new), ("consecutive", _consecutive), ("intensifying", _intensifying),
    ("persistent", _persistent), ("diminishing", _diminishing), ("sporadic", _sporadic),
    ("oscillating", _oscillating), ("historical", _historical))

EHSA_PATTERNS = (*(f"{name} hotspot" for name, _ in _TESTS), *(f"{name} coldspot" for name, _ in _TESTS),
                 NO_PATTERN)

_SWAPS = {"hot": "cold", "cold": "hot", "Hot": "Cold", "Cold": "Hot", "rising": "falling", "falling": "rising"}


def _words(doc: str, share: str, cold: bool) -> str:
    text = " ".join(doc.split()).replace("{share}", share)
    return re.sub("|".join(_SWAPS), lambda m: _SWAPS[m.group()], text) if cold else text


def ehsa_rules(rules: EhsaRules = EhsaRules()) -> tuple[tuple[str, str], ...]:
    """(pattern, its rule in words) for every pattern, 'no pattern' last, with the share of
    ``rules``: what the About page and the README show."""
    share = rules.percent()
    out = [(f"{name} {kind}spot", _words(test.__doc__, share, kind == "cold"))
           for kind in ("hot", "cold") for name, test in _TESTS]
    return (*out, (NO_PATTERN, "None of the above."))


def ehsa_pattern(hot, cold, trend: int, share: float = EhsaRules.share) -> str:
    """The pattern of one unit: ``hot`` and ``cold`` say in which periods (oldest first)
    it is a significant hot or cold spot, ``trend`` the direction of its significant
    Mann-Kendall trend (+1 rising z-scores, -1 falling, 0 none)."""
    hot, cold = np.asarray(hot, dtype=bool), np.asarray(cold, dtype=bool)
    if hot.shape != cold.shape or not len(hot) or (hot & cold).any():
        raise ValueError("hot and cold must be periods of one series, never both in one period")
    found = [f"{name} hotspot" for name, test in _TESTS if test(_Side(hot, cold, trend, share))]
    found += [f"{name} coldspot" for name, test in _TESTS if test(_Side(cold, hot, -trend, share))]
    if len(found) > 1:  # the rules are written to exclude each other: this would be a bug
        raise AssertionError(f"patterns overlap: {found}")
    return found[0] if found else NO_PATTERN


def z_trend(z: pd.DataFrame, trend_alpha: float = EhsaRules.trend_alpha) -> pd.DataFrame:
    """The Mann-Kendall trend test (``pymannkendall.original_test``) of each unit's Gi*
    z-scores (rows: units; columns: periods, oldest first): ``trend_tau`` (Kendall's tau),
    ``trend_p`` (two-sided) and ``trend`` (+1 rising, -1 falling at ``trend_alpha``, else
    0). Periods where a unit has no z-score (no neighbours) are skipped, as pymannkendall
    does; a unit with fewer than two z-scores has no trend (NaN, 0)."""
    rows = []
    for values in z.to_numpy(dtype=float):
        if np.isfinite(values).sum() < 2:
            rows.append((np.nan, np.nan, 0))
            continue
        result = pymannkendall.original_test(values, alpha=trend_alpha)
        direction = {"increasing": 1, "decreasing": -1}.get(result.trend, 0)
        rows.append((float(result.Tau), float(result.p), direction))
    return pd.DataFrame(rows, index=z.index, columns=["trend_tau", "trend_p", "trend"])


def _require_periods(n: int, rules: EhsaRules, periods: str) -> None:
    needed = rules.fewest_periods()
    if n < needed:
        fix = ("use --across month" if periods == "years" else
               "choose a year with more months of data, or --method sfhotspot")
        raise InputError(Problem(
            f"only {plural(n, periods.removesuffix('s'))} with incidents to test", "--method ehsa",
            f"emerging hot spot analysis needs at least {needed} (with fewer, no Mann-Kendall trend "
            f"can reach p < {rules.trend_alpha:g}); {fix}"))


def ehsa_classify(significance: pd.DataFrame, z: pd.DataFrame, rules: EhsaRules = EhsaRules(),
                  periods: str = "periods") -> pd.DataFrame:
    """The EHSA pattern of each unit, with the Mann-Kendall trend of its z-scores.

    ``significance`` holds +1 where a unit (row) is a significant hot spot in a period
    (column, oldest first), -1 a significant cold spot, 0 otherwise; ``z`` the Gi* z-scores
    on the same rows and columns. Returns ``pattern`` (one of :data:`EHSA_PATTERNS`),
    ``trend_tau`` and ``trend_p``, indexed as the rows (``attrs['periods']``: how many).
    ``periods`` names the periods in the message when there are too few ('months', 'years').
    """
    rules.check()
    if not (significance.index.equals(z.index) and significance.columns.equals(z.columns)):
        raise ValueError("significance and z-scores must have the same units and periods")
    n = significance.shape[1]
    _require_periods(n, rules, periods)
    trend = z_trend(z, rules.trend_alpha)
    hot_all = significance.to_numpy() > 0
    cold_all = significance.to_numpy() < 0
    patterns = [ehsa_pattern(hot, cold, direction, rules.share)
                for hot, cold, direction in zip(hot_all, cold_all, trend["trend"].to_numpy())]
    out = pd.DataFrame({"pattern": patterns, "trend_tau": trend["trend_tau"], "trend_p": trend["trend_p"]},
                       index=significance.index)
    out.attrs["periods"] = n
    return out


def emerging_hotspots(points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, period: str = "month", *,
                      rules: EhsaRules = EhsaRules(), correction: str = "fdr_bh", permutations: int = 0,
                      seed: int = SEED) -> pd.DataFrame:
    """Gi* in each period (a column of ``points``: 'month' or 'fy'; periods without
    incidents left out), then :func:`ehsa_classify`. Indexed by unit_id."""
    rules.check()
    periods = "months" if period == "month" else "years"
    if period in points:  # too few periods: said before any Gi* is computed
        _require_periods(int(points[period].nunique()), rules, periods)
    gistar = gistar_by_period(points, units, period, correction=correction, permutations=permutations, seed=seed)
    return ehsa_classify(gistar.significance(rules.alpha), gistar.z, rules, periods)
