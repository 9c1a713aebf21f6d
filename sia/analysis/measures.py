"""Counts, per-month figures, rates and ranks for what the filters select.

Years often cover different months (police.uk archives, gaps), so every figure knows the
months it was counted over: 'per month' divides by them, and the rate per 1,000 residents
is annualised from them (count / months x 12 / residents x 1,000). With like-for-like on,
each year is cut to the months of the year that every selected year covers.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sia.analysis.change import change_columns, rate_change
from sia.analysis.filters import Filters
from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CATEGORIES
from sia.dataset.denominators import population_column
from sia.periods import MONTH_ABBREVIATIONS, fy_months, months_in, months_of_year_text, period_text


def per_1000_a_year(per_month, residents):
    """The rate per 1,000 residents a year: incidents a month x 12 / residents x 1,000.
    NaN where the residents are unknown, or are no count a rate can be made from (none,
    fewer than none, infinite: a build checks its populations, an older or damaged one may
    not have). Works on numbers and on arrays alike."""
    if isinstance(residents, pd.Series):
        residents = residents.astype(float)
        usable = residents.where(np.isfinite(residents) & (residents > 0))
    else:
        values = np.asarray(residents, dtype=float)
        with np.errstate(invalid="ignore"):
            usable = np.where(np.isfinite(values) & (values > 0), values, np.nan)
        usable = float(usable) if usable.ndim == 0 else usable
    return per_month * 12 / usable * 1000


def has_residents(wards: pd.DataFrame, fys) -> bool:
    """Whether rates can be given for these years: the ward table holds each one's residents."""
    return all(population_column(fy) in wards for fy in fys)


def measures_for(wards: pd.DataFrame, fys) -> list[str]:
    """The measures these years can be shown in: rates only where every year has residents."""
    return ["count", "per_month", "rate"] if has_residents(wards, fys) else ["count", "per_month"]


def month_of_year(month: str) -> str:
    """'2014-04' -> 'Apr'."""
    return MONTH_ABBREVIATIONS[(int(month[5:7]) - 4) % 12]


@dataclass(frozen=True)
class Selection:
    rows: pd.DataFrame  # the incidents counted
    months: dict[str, tuple[str, ...]]  # financial year -> months counted
    filters: Filters

    def months_covered(self, fy: str) -> int:
        return len(self.months[fy])


def months_counted(available: list[str], filters: Filters) -> dict[str, tuple[str, ...]]:
    """Per selected year, the months with data that the filters keep: with two years on
    matched months (like_for_like, the default), only the months of the year both hold,
    where they share any (else all each holds; ``matched_months`` tells which)."""
    chosen = _months_held(available, filters)
    shared = _shared_months(chosen)
    if filters.like_for_like and len(filters.fys) > 1 and shared:
        chosen = {fy: [m for m in ms if month_of_year(m) in shared] for fy, ms in chosen.items()}
    return {fy: tuple(ms) for fy, ms in chosen.items()}


def _months_held(available: list[str], filters: Filters) -> dict[str, list[str]]:
    """Per selected year, its months with data among the months of the year the filters keep."""
    return {fy: [m for m in fy_months(fy) if m in available and month_of_year(m) in filters.months]
            for fy in filters.fys}


def _shared_months(chosen: dict[str, list[str]]) -> set[str]:
    return set.intersection(*({month_of_year(m) for m in ms} for ms in chosen.values())) if chosen else set()


def matched_months(available: list[str], filters: Filters) -> bool:
    """Whether two years are compared on the months of the year both hold: matched months
    are asked for and the years share some (they then cover the same months of the year)."""
    return filters.comparing and filters.like_for_like and bool(_shared_months(_months_held(available, filters)))


def years_without_months(available: list[str], filters: Filters) -> list[str]:
    """The selected years of which the filters keep no month with data (months of the year
    the year does not cover, or, like-for-like, months the years do not share)."""
    return [fy for fy, ms in months_counted(available, filters).items() if not ms]


def cover_different_months(available: list[str], filters: Filters) -> bool:
    """Whether the selected years, on all the months each covers, cover different months
    of the year (so a comparison mixes seasons unless cut to like-for-like months)."""
    covered = months_counted(available, replace(filters, like_for_like=False))
    return len({frozenset(map(month_of_year, ms)) for ms in covered.values()}) > 1


def comparable(filters: Filters, available: list[str]) -> Filters | None:
    """The filters as a comparison uses them (matched months where the years share some,
    as ``months_counted`` cuts them), or None when a year has no months at all."""
    return filters if all(months_counted(available, filters).values()) else None


def comparison_basis(months: dict[str, tuple[str, ...]], matched: bool) -> str:
    """What a change was measured over, in words: 'matched months (September only, the
    months of the year both years hold)' or, on all months held, each year's months and
    whether seasonality is then controlled."""
    if matched:
        return (f"matched months ({months_of_year_text(month_of_year(m) for m in next(iter(months.values())))}, "
                "the months of the year both years hold)")
    held = "; ".join(f"{fy}: {period_text(ms)}" for fy, ms in months.items())
    same = len({frozenset(map(month_of_year, ms)) for ms in months.values()}) == 1
    return (f"all months held ({held})" + ("" if same else "; the years cover different months of the year, "
                                           "so seasonality is not controlled"))


def select(incidents: pd.DataFrame, filters: Filters) -> Selection:
    months = months_counted(months_in(incidents), filters)
    wanted = [m for ms in months.values() for m in ms]
    rows = incidents[incidents["month"].isin(wanted) & incidents["category"].isin(filters.categories)]
    return Selection(rows=rows, months=months, filters=filters)


def ward_measures(selection: Selection, wards: pd.DataFrame) -> pd.DataFrame:
    """One row per ward and year: count, months, per_month, rate (per 1,000 residents a
    year; NaN without a population), value (the chosen measure), rank (1 = highest; none
    for a ward without a value, such as a rate without a population) and ranked (how many
    wards were ranked that year)."""
    counts = (selection.rows.groupby(["ward_name", "fy"], observed=False).size()
              .rename("count").reset_index())
    counts = counts[counts["fy"].isin(selection.filters.fys)]
    table = wards[["ward_code", "ward_name"]].merge(counts, on="ward_name", how="left")
    table["fy"] = table["fy"].astype(str)
    table["months"] = table["fy"].map(selection.months_covered)
    table["per_month"] = table["count"] / table["months"].replace(0, np.nan)
    population = pd.Series(np.nan, index=table.index)
    for fy in selection.filters.fys:
        column = population_column(fy)
        if column in wards:
            by_ward = wards.set_index("ward_name")[column]
            mine = table["fy"] == fy
            population[mine] = table.loc[mine, "ward_name"].map(by_ward)
    table["population"] = population
    table["rate"] = per_1000_a_year(table["per_month"], population)
    table["value"] = table[_measure_column(selection.filters.measure)]
    table["rank"] = table.groupby("fy")["value"].rank(ascending=False, method="min").astype("Int64")
    table["ranked"] = table.groupby("fy")["value"].transform("count").astype(int)
    return table.sort_values(["fy", "rank", "ward_name"]).reset_index(drop=True)


def _measure_column(measure: str) -> str:
    return {"count": "count", "per_month": "per_month", "rate": "rate"}[measure]


def ward_change(table: pd.DataFrame, fys: tuple[str, ...]) -> pd.DataFrame:
    """Per ward: per-month figures in the first and last year, the change and its percent
    (per month, so years covering different months compare), and the exact Poisson test of
    the counts over the months each year covers (sia.analysis.change.change_columns)."""
    return _before_after(table, "ward_name", fys[0], fys[-1])


def _before_after(table: pd.DataFrame, index, first: str, last: str) -> pd.DataFrame:
    """From a long table with count, months and per_month per fy: one row per `index`
    with before/after per month, change, change_pct and the tested change."""
    wide = table.pivot_table(index=index, columns="fy", values=["count", "months", "per_month"],
                             aggfunc="first", dropna=False, observed=True)
    out = pd.DataFrame({"count_before": wide[("count", first)], "count_after": wide[("count", last)],
                        "before": wide[("per_month", first)], "after": wide[("per_month", last)]})
    out["change"] = out["after"] - out["before"]
    out["change_pct"] = np.where(out["before"] > 0, out["change"] / out["before"] * 100, np.nan)
    tested = change_columns(out["count_before"], out["count_after"], wide[("months", first)],
                            wide[("months", last)])
    return out.join(tested)


def change_by_ward_and_category(selection: Selection) -> pd.DataFrame:
    """Per ward and category chosen: counts and per-month figures in the first and last
    year of the selection, and the tested change; zeros kept (a category that appears in
    one year only is a change too)."""
    first, last = selection.filters.fys[0], selection.filters.fys[-1]
    rows = selection.rows[selection.rows["fy"].isin([first, last])]
    counts = (rows.groupby(["ward_name", "category", "fy"], observed=False).size()
              .rename("count").reset_index())
    counts = counts[counts["fy"].isin([first, last]) &
                    counts["category"].isin(selection.filters.categories)].copy()
    counts["fy"] = counts["fy"].astype(str)
    counts["months"] = counts["fy"].map(selection.months_covered)
    counts["per_month"] = counts["count"] / counts["months"].replace(0, np.nan)
    out = _before_after(counts, ["ward_name", "category"], first, last)
    return out.reset_index()
def headline(incidents: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Per selected year: crime and ASB per month over the months counted (ASB is never in
    the crime figure), whatever incident type is selected, with the period counted and, for
    the later of two years, each one's change on the earlier (``<kind>_change``: a
    RateChange, as every change is measured; None for the first year)."""
    months = months_counted(months_in(incidents), filters)
    rows = []
    is_asb = incidents["category"] == ANTI_SOCIAL_BEHAVIOUR
    for fy, ms in months.items():
        mine = incidents["month"].isin(ms)  # a mask, not a copy of the rows
        total, asb = int(mine.sum()), int((mine & is_asb).sum())
        n = len(ms) or np.nan
        row = {"fy": fy, "months": len(ms), "period": period_text(ms), "crime": total - asb, "asb": asb,
               "crime_per_month": (total - asb) / n, "asb_per_month": asb / n}
        for kind in ("crime", "asb"):
            row[f"{kind}_change"] = (rate_change(rows[0][kind], row[kind], rows[0]["months"], len(ms))
                                     if rows and rows[0]["months"] and ms else None)
        rows.append(row)
    return pd.DataFrame(rows)


def monthly_series(selection: Selection, ward: str | None = None) -> pd.DataFrame:
    """Incidents per month (fy, month, month_of_year, count), zeros included; for one
    ward, or the city."""
    rows = selection.rows if ward is None else selection.rows[selection.rows["ward_name"] == ward]
    counts = rows.groupby("month", observed=True).size()
    out = [{"fy": fy, "month": m, "month_of_year": month_of_year(m), "count": int(counts.get(m, 0))}
           for fy, ms in selection.months.items() for m in ms]
    return pd.DataFrame(out, columns=["fy", "month", "month_of_year", "count"])


def category_mix(incidents: pd.DataFrame, filters: Filters, ward: str | None = None) -> pd.DataFrame:
    """Per year and category (all 14, ASB included but labelled): incidents per month, for
    a ward or the city."""
    months = months_counted(months_in(incidents), filters)
    rows = incidents if ward is None else incidents[incidents["ward_name"] == ward]
    out = []
    for fy, ms in months.items():
        counts = rows.loc[rows["month"].isin(ms), "category"].value_counts()
        for category in CATEGORIES:
            out.append({"fy": fy, "category": category, "count": int(counts.get(category, 0)),
                        "per_month": counts.get(category, 0) / (len(ms) or np.nan)})
    return pd.DataFrame(out)


def categories_against_city(incidents: pd.DataFrame, wards: pd.DataFrame, filters: Filters,
                            ward: str) -> pd.DataFrame:
    """Per category in the last selected year: the ward's rate per 1,000 residents a year
    beside the city's, and their ratio (>1: higher than the city)."""
    fy = filters.fys[-1]
    mix_ward = category_mix(incidents, filters, ward)
    mix_city = category_mix(incidents, filters)
    column = population_column(fy)
    ward_pop = wards.set_index("ward_name")[column].get(ward, np.nan) if column in wards else np.nan
    city_pop = wards[column].sum() if column in wards else np.nan
    out = pd.DataFrame({"category": list(CATEGORIES)})
    out["ward"] = per_1000_a_year(mix_ward[mix_ward["fy"] == fy]["per_month"].to_numpy(), ward_pop)
    out["city"] = per_1000_a_year(mix_city[mix_city["fy"] == fy]["per_month"].to_numpy(), city_pop)
    out["ratio"] = out["ward"] / out["city"].replace(0, np.nan)
    return out


def top_locations(selection: Selection, ward: str, n: int = 10) -> pd.DataFrame:
    """The places ('On or near ...') with most incidents in a ward, per selected year (a
    column each, headed with the year and the months counted: '2019-20 (Sep 2019, 1
    month)'), the busiest in the latest year first (then the earlier year's)."""
    rows = selection.rows[selection.rows["ward_name"] == ward]
    table = rows.groupby(["location", "fy"], observed=True).size().unstack("fy", fill_value=0)
    # The places as text: a categorical index would carry every place in the data with the ten.
    table.index = table.index.astype(str)
    fys = list(selection.filters.fys)
    table = table.reindex(columns=fys, fill_value=0)
    table = table.sort_values(fys[::-1], ascending=False).head(n)
    return table.rename(columns={fy: f"{fy} ({period_text(selection.months[fy])})" for fy in fys})
