"""Counting incidents by ward, crime type, financial year and month.

Every combination of the chosen groupings appears, with 0 where nothing was recorded, so
a ward with no robberies is a row that says 0, not a missing row.
"""
from __future__ import annotations

import pandas as pd

from sia.categories import (
    ANTI_SOCIAL_BEHAVIOUR,
    CATEGORIES,
    CRIME_CATEGORIES,
    canonical_category,
)
from sia.errors import InputError, Problem
from sia.periods import parse_financial_year, require_held

# Name a user groups by -> column of the incidents table.
GROUPINGS = {"ward": "ward_name", "crime_type": "category", "fy": "fy", "month": "month"}


def parse_crime_types(names: list[str]) -> list[str]:
    out, unknown = [], []
    for name in names:
        category = canonical_category(name)
        (out if category else unknown).append(category or name)
    if unknown:
        raise InputError(Problem(f"unknown crime type {', '.join(repr(u) for u in unknown)}",
                                 "--crime-type", "use one of: " + "; ".join(CATEGORIES)))
    return list(dict.fromkeys(out))


def crime_or_asb(names: list[str]) -> list[str]:
    """The categories a statistic is computed on: all crime when none are named, and
    anti-social behaviour only on its own, never added to crime."""
    categories = parse_crime_types(names) if names else list(CRIME_CATEGORIES)
    if ANTI_SOCIAL_BEHAVIOUR in categories and len(categories) > 1:
        raise InputError(Problem("anti-social behaviour is not added to crime", "--crime-type",
                                 "ask for 'Anti-social behaviour' on its own, or leave it out"))
    return categories


def count_incidents(incidents: pd.DataFrame, by: list[str], fy: list[str] | None = None,
                    crime_types: list[str] | None = None) -> pd.DataFrame:
    """Counts with columns ``by`` (named as given) and ``count``."""
    bad = [b for b in by if b not in GROUPINGS]
    if bad:
        raise InputError(Problem(f"cannot group by {', '.join(bad)}", "--by",
                                 f"use {', '.join(GROUPINGS)}"))
    by = list(dict.fromkeys(by))
    rows = incidents
    fys = list(incidents["fy"].cat.categories)
    if fy:
        wanted = [parse_financial_year(f) for f in fy]
        require_held(wanted, fys)
        fys = wanted
        rows = rows[rows["fy"].isin(fys)]
    categories = list(CATEGORIES)
    if crime_types:
        categories = parse_crime_types(crime_types)
        rows = rows[rows["category"].isin(categories)]

    columns = [GROUPINGS[b] for b in by]
    if not columns:
        return pd.DataFrame({"count": [len(rows)]})
    counts = rows.groupby(columns, observed=True).size().rename("count").reset_index()
    return with_every_combination(grouping_levels(incidents, by, fys, categories), counts, by, columns)


def with_every_combination(full: pd.DataFrame, counts: pd.DataFrame, by: list[str], columns: list[str],
                           ) -> pd.DataFrame:
    """``counts`` (``columns`` and ``count``) on every row of ``full`` (every combination
    to report), 0 where nothing was counted, the columns named as ``by`` names them."""
    out = full.merge(counts, on=columns, how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    out = out.rename(columns=dict(zip(columns, by)))
    for b in by:
        out[b] = out[b].astype(str)
    return out[by + ["count"]]


def grouping_levels(incidents: pd.DataFrame, by: list[str], fys: list[str], categories: list[str],
            ) -> pd.DataFrame:
    """Every combination to report, in the order of ``by``; months only within their year."""
    months = incidents[["fy", "month"]].drop_duplicates()
    months = months[months["fy"].isin(fys)].astype(str).sort_values("month")
    levels = {"ward": pd.DataFrame({"ward_name": sorted(incidents["ward_name"].cat.categories)}),
              "crime_type": pd.DataFrame({"category": categories})}
    full = pd.DataFrame({"_": [0]})
    time = [GROUPINGS[b] for b in by if b in ("fy", "month")]
    for b in by:
        if b in levels:
            full = full.merge(levels[b], how="cross")
        elif GROUPINGS[b] == time[0]:
            full = full.merge(months[time].drop_duplicates(), how="cross")
    return full.drop(columns="_")[[GROUPINGS[b] for b in by]]
