"""The serious violence picture: violence, robbery and weapons possession by place and over
time, beside weapons searches of 10 to 24 year olds, and whether the searches go where the
violence is.

Street and stop-and-search files may cover different months, so every figure that sets the
two side by side is counted on the months of the year both cover (``shared_months``).

Where the searches go against where the violence is: the units (LSOAs when the build has
them, else wards) are ordered by serious violence, most first (ties by code), and the fewest
that hold half of it are the violence's core; the share of weapons searches made in that
core says how far searching follows the violence. The reverse (the share of serious
violence in the fewest units holding half the searches) says how far the searches' core
lies where the violence is. Spearman's rank correlation (scipy) over every unit sums it up.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sia.analysis.measures import per_1000_a_year
from sia.analysis.stops import SERIOUS_VIOLENCE, YOUNG, is_weapons_search
from sia.dataset.denominators import age_population_column, population_column
from sia.periods import fy_months

SEARCHES_YOUNG = "weapons searches of people aged 10 to 24"
SERIES_SEARCHES = "Weapons searches, aged 10-24"  # the monthly series' name
SEARCHES_ALL = "weapons searches of people of any age"


def shared_months(months: list[str], stop_months: list[str], fy: str) -> list[str]:
    """The months of the year that both the street and the stop-and-search files cover."""
    return [m for m in fy_months(fy) if m in set(months) and m in set(stop_months)]


def serious_violence(incidents: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The serious violence crimes of those months."""
    return incidents[incidents["category"].isin(SERIOUS_VIOLENCE).to_numpy()
                     & incidents["month"].astype(str).isin(months).to_numpy()]


def weapons_searches(stops: pd.DataFrame, months: list[str], young: bool = True) -> pd.DataFrame:
    """Searches for weapons in those months (of 10 to 24 year olds when ``young``)."""
    keep = is_weapons_search(stops) & stops["month"].astype(str).isin(months).to_numpy()
    if young:
        keep &= stops["age"].astype(str).isin(YOUNG).to_numpy()
    return stops[keep]


def monthly(incidents: pd.DataFrame, stops: pd.DataFrame | None, months: list[str],
            stop_months: list[str]) -> pd.DataFrame:
    """Per month of ``months`` and series (each serious violence category, and weapons
    searches of 10 to 24 year olds in the months the stop-and-search files cover): month,
    series, count (0 where none)."""
    rows = serious_violence(incidents, months)
    counts = rows.groupby([rows["month"].astype(str), rows["category"].astype(str)]).size()
    out = [{"month": m, "series": c, "count": int(counts.get((m, c), 0))} for m in months for c in SERIOUS_VIOLENCE]
    if stops is not None:
        covered = [m for m in months if m in set(stop_months)]
        searched = weapons_searches(stops, covered)["month"].astype(str).value_counts()
        out += [{"month": m, "series": SERIES_SEARCHES, "count": int(searched.get(m, 0))} for m in covered]
    return pd.DataFrame(out, columns=["month", "series", "count"])


def by_ward(incidents: pd.DataFrame, stops: pd.DataFrame | None, wards: pd.DataFrame, fy: str,
            months: list[str]) -> pd.DataFrame:
    """Per ward over ``months`` of ``fy``: each serious violence category, their total and its
    rate per 1,000 residents a year; weapons searches of 10 to 24 year olds and their rate per
    1,000 residents of those ages a year (NaN without stop-and-search files or such residents)."""
    rows = serious_violence(incidents, months)
    table = pd.crosstab(rows["ward_name"].astype(str), rows["category"].astype(str))
    names = sorted(wards["ward_name"])
    table = table.reindex(index=names, columns=list(SERIOUS_VIOLENCE), fill_value=0)
    out = pd.DataFrame({"ward": names, **{c: table[c].to_numpy() for c in SERIOUS_VIOLENCE}})
    out["serious_violence"] = table.sum(axis=1).to_numpy()
    per_ward = wards.set_index("ward_name").reindex(names)
    residents = per_ward[population_column(fy)] if population_column(fy) in per_ward else np.nan
    n = max(len(months), 1)
    out["violence_per_1000_a_year"] = per_1000_a_year(out["serious_violence"].to_numpy() / n,
                                                      np.asarray(residents, dtype=float))
    if stops is None:
        out["weapons_searches_young"] = np.nan
        out["searches_per_1000_young_a_year"] = np.nan
        return out
    searched = weapons_searches(stops, months)["ward_name"].astype(str).value_counts()
    out["weapons_searches_young"] = [int(searched.get(w, 0)) for w in names]
    columns = [age_population_column(fy, a) for a in YOUNG]
    young = per_ward[columns].sum(axis=1, min_count=len(columns)) if all(c in per_ward for c in columns) \
        else pd.Series(np.nan, index=names)
    out["searches_per_1000_young_a_year"] = per_1000_a_year(out["weapons_searches_young"].to_numpy() / n,
                                                            young.to_numpy(dtype=float))
    return out


@dataclass(frozen=True)
class Alignment:
    """Whether searches go where the violence is (see the module's notes), for one kind of
    search over one unit."""

    searches: str  # SEARCHES_YOUNG or SEARCHES_ALL
    unit: str  # 'LSOA' or 'ward'
    units: int  # units of the area
    violence: int  # serious violence crimes counted
    searched: int  # searches counted
    violence_core: int  # the fewest units holding half the violence
    searches_in_violence_core: float  # share of the searches made there
    searches_core: int  # the fewest units holding half the searches
    violence_in_searches_core: float  # share of the violence there
    spearman: float  # rank correlation of the two counts over every unit (NaN when undefined)


def _core(counts: pd.Series) -> list[str]:
    """The fewest units holding at least half of ``counts`` (most first, ties by code)."""
    total = counts.sum()
    if total <= 0:
        return []
    ordered = counts.sort_index().sort_values(ascending=False, kind="stable")
    n = int(np.searchsorted(ordered.cumsum().to_numpy(), total / 2) + 1)
    return list(ordered.index[:n])


def alignment(incidents: pd.DataFrame, stops: pd.DataFrame, units: list[str], unit: str,
              months: list[str], young: bool) -> Alignment:
    """Searches against violence over ``units`` (LSOA codes or ward names, by ``unit``)."""
    column = "lsoa_code" if unit == "LSOA" else "ward_name"
    violence = serious_violence(incidents, months)[column].astype(str).value_counts().reindex(units, fill_value=0)
    searched = weapons_searches(stops, months, young)[column].astype(str).value_counts().reindex(units, fill_value=0)
    violence_core, searches_core = _core(violence), _core(searched)
    with np.errstate(invalid="ignore"):
        rho = spearmanr(violence.to_numpy(), searched.to_numpy()).statistic \
            if violence.nunique() > 1 and searched.nunique() > 1 else np.nan
    return Alignment(
        searches=SEARCHES_YOUNG if young else SEARCHES_ALL, unit=unit, units=len(units),
        violence=int(violence.sum()), searched=int(searched.sum()),
        violence_core=len(violence_core),
        searches_in_violence_core=float(searched[violence_core].sum() / searched.sum()) if searched.sum() else np.nan,
        searches_core=len(searches_core),
        violence_in_searches_core=float(violence[searches_core].sum() / violence.sum()) if violence.sum() else np.nan,
        spearman=float(rho))


def alignments(incidents: pd.DataFrame, stops: pd.DataFrame, wards: pd.DataFrame, lsoas: pd.DataFrame | None,
               months: list[str]) -> list[Alignment]:
    """Weapons searches of 10 to 24 year olds, then of all ages, against serious violence: by
    LSOA when the build has LSOAs, else by ward."""
    if lsoas is not None:
        units, unit = sorted(lsoas["lsoa_code"]), "LSOA"
    else:
        units, unit = sorted(wards["ward_name"]), "ward"
    return [alignment(incidents, stops, units, unit, months, young) for young in (True, False)]
