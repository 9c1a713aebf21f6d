"""Classes for shading a map: natural breaks (Fisher-Jenks, by mapclassify), their labels and
colours."""
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
    classes[valid.index] = scheme.yb
    lows = [valid.min()] + list(scheme.bins[:-1])
    labels = [f"{_number(lo)} to {_number(hi)}" for lo, hi in zip(lows, scheme.bins)]
    return classes, labels


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 or float(x).is_integer() else f"{x:,.1f}"
