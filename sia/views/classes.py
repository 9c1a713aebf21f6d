"""Classes for shading a map: natural breaks (Fisher-Jenks, by mapclassify), their labels and
colours.

A legend must place every value, one exactly on a break too: classes never share an end.
Between two classes the break is the roundest number in the gap between them (above the
lower class's highest value, at most the upper class's lowest), so the classes are
exactly Fisher-Jenks' and the labels read easily. Whole numbers (counts) get closed
ranges ("40 to 59", "60 to 109"); other values half-open ones ("4.5 to under 6",
"6 to under 10"), the last closed ("10 to 12.4")."""
from __future__ import annotations

import warnings

import mapclassify
import numpy as np
import pandas as pd

# ColorBrewer YlOrRd, 5 classes: sequential and colour-blind safe.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
NO_DATA_COLOUR = "#d9d9d9"

FISHER_JENKS_AT_MOST = 300  # values classified exactly (5 s for 1,361 grid cells, 0.1 s for 300)


def classify(values: pd.Series, k: int = 5) -> tuple[pd.Series, list[str]]:
    """Class (0..k-1, -1 for no data) of each value by Fisher-Jenks natural breaks, and
    a legend label for each class. Beyond FISHER_JENKS_AT_MOST values, the breaks are those
    of that many evenly spaced quantiles of the values."""
    valid = values.dropna()
    classes = pd.Series(-1, index=values.index)
    if valid.empty:
        return classes, []
    k = max(1, min(k, valid.nunique()))
    if k == 1:
        classes[valid.index] = 0
        return classes, [_number(valid.iloc[0])]
    values_ = valid.to_numpy(dtype=float)
    with warnings.catch_warnings():  # 17 wards: the pure Python path (no numba) is instant
        warnings.filterwarnings("ignore", message="Numba not installed")
        if len(values_) <= FISHER_JENKS_AT_MOST:
            scheme = mapclassify.FisherJenks(values_, k=k)
        else:  # its time grows with the square of the values: find the breaks on evenly spaced quantiles
            sample = np.quantile(values_, np.linspace(0, 1, FISHER_JENKS_AT_MOST))
            breaks = mapclassify.FisherJenks(sample, k=k).bins
            if np.all(values_ == np.round(values_)):  # counts: breaks at whole numbers
                breaks = np.unique(np.floor(breaks))
            scheme = mapclassify.UserDefined(values_, bins=list(breaks[:-1]) + [values_.max()])
    groups = [values_[scheme.yb == c] for c in np.unique(scheme.yb)]  # the classes holding values
    breaks = [_round_break(below.max(), above.min()) for below, above in zip(groups, groups[1:])]
    # A value on a break belongs to the class above it: the class the label "from" reads.
    classes[valid.index] = np.searchsorted(breaks, values_, side="right")
    return classes, _labels(values_.min(), values_.max(), breaks, whole=bool(np.all(values_ == np.round(values_))))


def _round_break(highest_below: float, lowest_above: float) -> float:
    """The roundest number above ``highest_below`` and at most ``lowest_above``: the
    multiple of the largest power of ten (down to a millionth) that lies between."""
    top = max(abs(highest_below), abs(lowest_above), 1e-6)
    for exponent in range(int(np.floor(np.log10(top))) + 1, -7, -1):
        step = 10.0 ** exponent
        candidate = round((np.floor(highest_below / step + 1e-9) + 1) * step, max(0, -exponent))
        if highest_below < candidate <= lowest_above:
            return candidate
    return lowest_above


def _labels(lowest: float, highest: float, breaks: list[float], whole: bool) -> list[str]:
    """Legend labels of the classes between ``breaks``, from ``lowest`` to ``highest``."""
    starts, ends = [lowest] + breaks, breaks + [highest]
    if whole:  # whole numbers: each class from its break to one below the next
        ends = [end - 1 for end in breaks] + [highest]
        return [_number(lo) if lo == hi else f"{_number(lo)} to {_number(hi)}" for lo, hi in zip(starts, ends)]
    # The outer ends as _number shows them, rounded outwards so that they hold every value.
    starts[0], ends[-1] = _rounded(lowest, np.floor), _rounded(highest, np.ceil)
    return [f"{_break(lo)} to under {_break(hi)}" for lo, hi in zip(starts[:-1], ends[:-1])] + [
        f"{_break(starts[-1])} to {_break(ends[-1])}"]


def _rounded(x: float, direction) -> float:
    scale = 1 if abs(x) >= 100 else 10
    return float(direction(round(x * scale, 9)) / scale)  # 31.3 * 10 is 313.00000000000006


def _break(x: float) -> str:
    """A class's end as written: as many decimals as it has (55, 4.5, 0.25)."""
    text = f"{x:,.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.1f}"
