"""What the police.uk data says for each priority with an open-data indicator.

Per year: incidents of the priority's categories, months covered, per month and per
1,000 residents a year (counted exactly as ``python -m sia counts`` counts). Two years are
compared on matched months (the months of the year both cover) when there are any,
otherwise per month over all months covered, and the result says which; each year's
figures beside the change are on the same months as the change. Wards are ranked by rate
(per month without populations), so that "named in the document" can be set against
"found in the data".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sia.analysis.change import RateChange, rate_change
from sia.analysis.filters import ASB, CRIME, Filters
from sia.analysis.measures import (
    comparable,
    comparison_basis,
    has_residents,
    matched_months,
    months_counted,
    per_1000_a_year,
    select,
    ward_measures,
)
from sia.analysis.priorities.register import INDICATORS, SECOND_INDICATORS, Priority, Register
from sia.analysis.stops import WEAPONS, YOUNG, StopFilters, count_stops
from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.dataset.denominators import population_column
from sia.periods import fy_months, period_text


def indicator_filters(priority: Priority, fys: tuple[str, ...], like_for_like: bool = True,
                      measure: str = "count") -> Filters:
    """The dashboard's filters that select a priority's categories (ASB apart from crime)."""
    if priority.categories == (ANTI_SOCIAL_BEHAVIOUR,):
        return Filters(fys=fys, incident_type=ASB, like_for_like=like_for_like, measure=measure)
    return Filters(fys=fys, incident_type=CRIME, crime_types=priority.categories,
                   like_for_like=like_for_like, measure=measure)


def volumes(incidents: pd.DataFrame, wards: pd.DataFrame | None, priority: Priority,
            fys: tuple[str, ...], like_for_like: bool = True) -> pd.DataFrame:
    """Per year: fy, months, count, per_month, population, rate (per 1,000 a year; NaN
    without ward populations); two years on matched months unless ``like_for_like`` is
    off (as ``months_counted`` counts them)."""
    selection = select(incidents, indicator_filters(priority, fys, like_for_like))
    counts = selection.rows.groupby("fy", observed=False).size()
    rows = []
    for fy, months in selection.months.items():
        column = population_column(fy)
        population = wards[column].sum(min_count=1) if wards is not None and column in wards else np.nan
        count = int(counts.get(fy, 0))
        per_month = count / len(months) if months else np.nan
        rows.append({"fy": fy, "months": len(months), "period": period_text(months), "count": count,
                     "per_month": per_month, "population": population,
                     "rate": per_1000_a_year(per_month, population)})
    return pd.DataFrame(rows, columns=["fy", "months", "period", "count", "per_month", "population", "rate"])


@dataclass(frozen=True)
class PriorityChange:
    change: RateChange
    like_for_like: bool  # on matched months (the months of the year both years hold)
    months: dict[str, tuple[str, ...]]  # the months each year was counted over

    def basis(self) -> str:
        return comparison_basis(self.months, self.like_for_like)


def change_between(incidents: pd.DataFrame, priority: Priority, available: list[str],
                   fys: tuple[str, str]) -> PriorityChange | None:
    """The change from fys[0] to fys[1], or None when a year has no months of data."""
    filters = comparable(indicator_filters(priority, fys), available)
    if filters is None:
        return None
    months = months_counted(available, filters)
    table = volumes(incidents, None, priority, fys)
    like_for_like = matched_months(available, filters)
    before, after = table.iloc[0], table.iloc[1]
    return PriorityChange(rate_change(int(before["count"]), int(after["count"]),
                                      before["months"], after["months"]),
                          like_for_like=like_for_like, months=months)


def ward_ranking(incidents: pd.DataFrame, wards: pd.DataFrame, priority: Priority,
                 fy: str) -> pd.DataFrame:
    """Wards ranked (1 = highest) by rate per 1,000 residents a year, or per month when the
    dataset has no population for the year. Columns as ward_measures, plus 'measure'."""
    measure = "rate" if has_residents(wards, (fy,)) else "per_month"
    table = ward_measures(select(incidents, indicator_filters(priority, (fy,), measure=measure)), wards)
    return table.assign(measure=measure)


def named_against_found(ranking: pd.DataFrame, named: tuple[str, ...]) -> pd.DataFrame:
    """The wards a document names beside the wards the data ranks highest (as many as it
    names, at least five): ward, named, rank, value, in_top."""
    top_n = max(len(named), 5)
    top = ranking[ranking["rank"] <= top_n]["ward_name"].tolist()
    wards = list(dict.fromkeys([*named, *top]))
    table = ranking.set_index("ward_name").reindex(wards)
    return pd.DataFrame({"ward": wards, "named": [w in named for w in wards],
                         "rank": table["rank"].to_numpy(), "value": table["value"].to_numpy(),
                         "in_top": [w in top for w in wards]}).sort_values("rank").reset_index(drop=True)


def evidence_table(register: Register, incidents: pd.DataFrame, wards: pd.DataFrame,
                   available: list[str], fys: tuple[str, ...],
                   sets: tuple[str, ...] | None = None, stops: pd.DataFrame | None = None,
                   stop_months: list[str] = ()) -> pd.DataFrame:
    """One row per measurable priority (of the given sets, else all) and year: volumes,
    and the change from the first to the last year repeated on each row; with ``stops``, a
    priority's second indicator (count, rate per 1,000 residents of the ages searched, the
    months counted) in columns of its own, as the Priorities page shows it."""
    rows = []
    for p in register.priorities.values():
        if not p.measurable or (sets is not None and p.set not in sets):
            continue
        found = change_between(incidents, p, available, (fys[0], fys[-1])) if len(fys) > 1 else None
        change = found.change if found else None
        second = second_indicator(p, stops, list(stop_months), wards, None, fys, fys[-1]) if stops is not None \
            else None
        by_year = second.years.set_index("fy") if second is not None and not second.missing else None
        for row in volumes(incidents, wards, p, fys).to_dict("records"):
            if second is not None:
                held = by_year is not None and row["fy"] in by_year.index
                row |= {"second_indicator": second.name,
                        "second_count": by_year.loc[row["fy"], "count"] if held else np.nan,
                        "second_period": by_year.loc[row["fy"], "period"] if held else "",
                        "second_per_1000_a_year": by_year.loc[row["fy"], "per_1000_a_year"] if held else np.nan}
            rows.append({"priority": p.id, "set": p.set, "rank": p.rank, "title": p.title,
                         "indicator": INDICATORS[p.indicator], "categories": "; ".join(p.categories),
                         **row,
                         "change": change.direction() if change else "",
                         "rate_ratio": change.rate_ratio if change else np.nan,
                         "ci_low": change.ci_low if change else np.nan,
                         "ci_high": change.ci_high if change else np.nan,
                         "p_value": change.p_value if change else np.nan,
                         "significant": change.significant if change else False,
                         "change_basis": found.basis() if found else ""})
    table = pd.DataFrame(rows)
    if "second_count" in table:  # a count, blank where a priority has no second indicator
        table["second_count"] = table["second_count"].astype("Int64")
    return table


@dataclass(frozen=True)
class SecondIndicator:
    """A priority's second indicator (see SECOND_INDICATORS) in the years asked for that
    the dataset covers: per year (``years``: fy, count, months, residents, per_1000_a_year,
    the arrest and find rates with their intervals, linked_recorded, nfa_marked_linked) and
    per ward in ``ranking_fy`` (``wards``, the most searched first); or, in ``missing``, why
    there are no figures."""

    name: str
    note: str
    years: pd.DataFrame
    wards: pd.DataFrame
    ranking_fy: str | None
    missing: str = ""


def second_indicator(priority: Priority, stops: pd.DataFrame | None, stop_months: list[str],
                     wards: pd.DataFrame | None, lsoas: pd.DataFrame | None, fys: tuple[str, ...],
                     ranking_fy: str) -> SecondIndicator | None:
    """The priority's second indicator (weapons searches of 10 to 24 year olds, counted as
    'sia stops --object weapons --age 10-17 --age 18-24' counts them, two years on the months
    of the year both cover); None when it has none."""
    if priority.second_indicator is None:
        return None
    name = SECOND_INDICATORS[priority.second_indicator]
    empty = pd.DataFrame()
    if stops is None:
        return SecondIndicator(name, priority.second_indicator_note, empty, empty, None,
                               "this dataset holds no stop-and-search files: a data steward can add the force's "
                               "YYYY-MM-<force>-stop-and-search.csv files with its street files")
    held = tuple(fy for fy in fys if set(fy_months(fy)) & set(stop_months))
    if not held:
        return SecondIndicator(name, priority.second_indicator_note, empty, empty, None,
                               f"the dataset's stop-and-search files cover none of {' and '.join(fys)}")
    # Years compared on the months of the year each covers, as the priority's crimes are.
    counted = months_counted(stop_months, Filters(fys=held))
    months = [m for ms in counted.values() for m in ms]
    young_weapons = StopFilters(fys=held, objects=(WEAPONS,), ages=YOUNG)
    years = count_stops(stops, ["fy"], young_weapons, months, wards, lsoas, rates=True)
    years["period"] = [period_text(list(counted[fy])) for fy in years["fy"]]
    ranked_fy = ranking_fy if ranking_fy in held else held[-1]
    by_ward = count_stops(stops, ["ward"], StopFilters(fys=(ranked_fy,), objects=(WEAPONS,), ages=YOUNG),
                          list(counted[ranked_fy]), wards, lsoas, rates=True)
    by_ward = by_ward.sort_values(["count", "ward"], ascending=[False, True]).reset_index(drop=True)
    return SecondIndicator(name, priority.second_indicator_note, years, by_ward, ranked_fy)
