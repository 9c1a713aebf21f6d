"""Is a change between two periods real? Rate ratios with an exact Poisson test.

Two counts x0 (before) and x1 (after) observed over exposures t0 and t1 (months covered,
or resident-months) are compared as rates. Conditional on the total n = x0 + x1, x1 is
binomial with p = t1 / (t0 + t1) when the rates are equal, which gives an exact test
and, through the Clopper-Pearson interval for p, an exact confidence interval for the
rate ratio (the method of R's ``poisson.test`` for two samples).

Assumption: incidents arrive independently at a steady rate within each period. Crime
counts are often over-dispersed (repeat locations, sprees), which makes this test too
ready to call a change significant; the pages say so beside the verdict.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy.stats import binomtest

from sia.errors import InputError, Problem

SIGNIFICANCE_LEVEL = 0.05


@dataclass(frozen=True)
class RateChange:
    before: int
    after: int
    exposure_before: float
    exposure_after: float
    rate_ratio: float  # after / before, per unit of exposure; inf when before is 0
    ci_low: float
    ci_high: float
    p_value: float  # two-sided; NaN when there is nothing to compare
    confidence: float = 0.95

    @property
    def percent(self) -> float:
        return (self.rate_ratio - 1) * 100

    @property
    def testable(self) -> bool:
        return not math.isnan(self.p_value)

    @property
    def significant(self) -> bool:
        return self.testable and self.p_value < 1 - self.confidence

    def direction(self) -> str:
        """'up 40%', 'down 12%', 'no change', 'up from none'."""
        if not self.testable:
            return "no incidents in either period"
        if math.isinf(self.rate_ratio):
            return "up from none"
        if abs(self.percent) < 0.5:
            return "no change"
        return f"{'up' if self.percent > 0 else 'down'} {abs(self.percent):.0f}%"

    def significance(self) -> str:
        """'significant (p = 0.003)', 'not significant (p = 0.210)'."""
        if not self.testable:
            return "nothing to compare"
        return f"{'' if self.significant else 'not '}significant (p {p_text(self.p_value)})"

    def verdict(self) -> str:
        """In words, as a page says it: 'up 40%, significant (p = 0.003)'."""
        return f"{self.direction()}, {self.significance()}"

    def interval_text(self) -> str:
        high = "∞" if math.isinf(self.ci_high) else f"{self.ci_high:.2f}"
        return f"{self.confidence:.0%} CI {self.ci_low:.2f} to {high}"


def p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def rate_change(before: int, after: int, exposure_before: float, exposure_after: float,
                confidence: float = 0.95) -> RateChange:
    """Compare two Poisson counts over their exposures (e.g. months covered)."""
    problems = [Problem(f"{name} is {value!r}", fix="counts must be whole numbers of 0 or more")
                for name, value in (("the count before", before), ("the count after", after))
                if value < 0 or int(value) != value]
    problems += [Problem(f"{name} is {value!r}", fix="an exposure (months covered, residents) "
                                                     "must be greater than 0")
                 for name, value in (("the exposure before", exposure_before),
                                     ("the exposure after", exposure_after)) if not value > 0]
    if not 0 < confidence < 1:
        problems.append(Problem(f"confidence level {confidence!r}", fix="use a level such as 0.95"))
    if problems:
        raise InputError(problems)
    before, after = int(before), int(after)
    scale = exposure_before / exposure_after  # rate ratio = odds of p x this
    total = before + after
    if total == 0:
        nan = math.nan
        return RateChange(before, after, exposure_before, exposure_after, nan, nan, nan, nan,
                          confidence)
    test = binomtest(after, total, exposure_after / (exposure_before + exposure_after))
    interval = test.proportion_ci(confidence_level=confidence, method="exact")

    def ratio(p: float) -> float:
        return math.inf if p >= 1 else p / (1 - p) * scale

    return RateChange(before, after, exposure_before, exposure_after,
                      rate_ratio=ratio(after / total), ci_low=ratio(interval.low),
                      ci_high=ratio(interval.high), p_value=float(test.pvalue),
                      confidence=confidence)


def change_columns(before, after, exposure_before, exposure_after) -> pd.DataFrame:
    """The test applied row by row to aligned counts and exposures (Series or scalars, on
    the index of `before`): rate_ratio, ci_low, ci_high, p_value, significant, direction
    ('up 40%') and significance ('significant (p = 0.003)'). Rows with an exposure of 0 (no
    months covered) are left empty."""
    index = before.index
    frame = pd.DataFrame({"x0": before, "x1": after, "t0": exposure_before, "t1": exposure_after},
                         index=index)
    rows = []
    for x0, x1, t0, t1 in frame.itertuples(index=False):
        if not (t0 > 0 and t1 > 0) or pd.isna(x0) or pd.isna(x1):
            rows.append({"rate_ratio": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                         "p_value": math.nan, "significant": False, "direction": "",
                         "significance": ""})
            continue
        c = rate_change(int(x0), int(x1), float(t0), float(t1))
        rows.append({"rate_ratio": c.rate_ratio, "ci_low": c.ci_low, "ci_high": c.ci_high,
                     "p_value": c.p_value, "significant": c.significant, "direction": c.direction(),
                     "significance": c.significance()})
    return pd.DataFrame(rows, index=index)
