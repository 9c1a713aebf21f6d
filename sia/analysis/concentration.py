"""How concentrated incidents are over places: the Lorenz curve, the Gini coefficient, the
generalised Gini of Bernasco and Steenbeek (2017) and the smallest share of places that
holds half of the incidents (the "law of crime concentration" figure).

The curve follows the crime-and-place convention: places with the most incidents first,
so it runs above the diagonal. The Gini is the ordinary (biased) one, as PySAL's
``inequality`` and R's ``DescTools::Gini(unbiased = FALSE)`` compute it. With fewer
incidents than places, even incidents spread as evenly as they can be leave most places
empty and the ordinary Gini near 1; the generalised Gini compares with that maximal
equality instead: G' = max(1, n / N) (G - 1) + 1 for n places and N incidents, equal to G
when N >= n.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sia.errors import InputError, Problem

LORENZ_POINTS = 1_001  # at most, evenly spaced over the units: enough to draw, small to send


@dataclass(frozen=True)
class Concentration:
    units: int
    incidents: int
    gini: float
    generalised_gini: float
    share_of_units_for_half: float  # the smallest share of units holding half the incidents
    lorenz: tuple[tuple[float, float], ...]  # (share of units, share of incidents), most first

    @property
    def sparse(self) -> bool:
        """Fewer incidents than units: the generalised Gini is the one to read."""
        return self.incidents < self.units

    def to_dict(self) -> dict:
        return {"units": self.units, "incidents": self.incidents, "gini": self.gini,
                "generalised_gini": self.generalised_gini,
                "share_of_units_for_half": self.share_of_units_for_half,
                "lorenz": [list(point) for point in self.lorenz]}


def _counts(counts) -> np.ndarray:
    values = np.asarray(counts, dtype=float)
    if values.ndim != 1 or len(values) == 0:
        raise InputError(Problem("there are no units to measure concentration over", "the units",
                                 "choose units that cover the area"))
    if not np.isfinite(values).all() or (values < 0).any():
        raise InputError(Problem("incident counts must be finite and not negative", "the counts",
                                 "count incidents per unit"))
    if values.sum() == 0:
        raise InputError(Problem("there are no incidents to measure concentration of", "the selection",
                                 "choose another year or more crime types"))
    return values


def gini(counts) -> float:
    """The ordinary Gini coefficient of the counts: 0 all equal, (n - 1) / n all in one."""
    x = np.sort(_counts(counts))
    n = len(x)
    return float(2 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum()) - (n + 1) / n)


def generalised_gini(counts) -> float:
    """Bernasco and Steenbeek's (2017) Gini against maximal equality given the incidents."""
    x = _counts(counts)
    return max(1.0, len(x) / x.sum()) * (gini(x) - 1) + 1


def lorenz_curve(counts) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative shares of units and of incidents, units with the most first, from (0, 0)."""
    x = np.sort(_counts(counts))[::-1]
    units = np.arange(len(x) + 1) / len(x)
    incidents = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    return units, incidents


def share_of_units_for_half(counts) -> float:
    """The smallest share of units that together hold at least half of the incidents."""
    units, incidents = lorenz_curve(counts)
    return float(units[np.argmax(incidents >= 0.5 - 1e-12)])


def concentration(counts) -> Concentration:
    x = _counts(counts)
    units, incidents = lorenz_curve(x)
    keep = np.unique(np.linspace(0, len(units) - 1, min(len(units), LORENZ_POINTS)).round().astype(int))
    return Concentration(
        units=len(x), incidents=int(x.sum()), gini=gini(x), generalised_gini=generalised_gini(x),
        share_of_units_for_half=share_of_units_for_half(x),
        lorenz=tuple((float(units[i]), float(incidents[i])) for i in keep))


def units_for_half(c: Concentration) -> int:
    """How many units the share for half is."""
    return round(c.share_of_units_for_half * c.units)
