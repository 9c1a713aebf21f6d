"""The area against its police force: the force-wide street files hold every district of the
force, so each district's incidents (placed in its boundary at ingest, as incidents are in
wards) can be set beside the area's, per month and, where the districts' residents are
given (ONS mid-year estimates by district), per 1,000 residents a year. One method for every
district, the area included: its figure here is of the district boundaries, not the wards.
"""
from __future__ import annotations

import pandas as pd

from sia.analysis.filters import ASB, CRIME
from sia.analysis.measures import per_1000_a_year
from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.dataset.denominators import population_column
from sia.errors import InputError, Problem
from sia.periods import fy_months


def peer_table(peers: pd.DataFrame, districts: pd.DataFrame, area_districts: tuple[str, ...], fy: str,
               months: list[str], incident_type: str = CRIME) -> pd.DataFrame:
    """One row per district of the force: its incidents of ``incident_type`` in ``fy`` (the
    months of it the dataset holds), a month, per 1,000 residents a year (NaN without
    residents), its rank by the rate where every district has one, else by incidents a month,
    and whether it is (one of) the area's."""
    held = [m for m in fy_months(fy) if m in set(months)]
    if not held:
        raise InputError(Problem(f"no data for financial year {fy}", "--fy", "choose a year the dataset holds"))
    mine = peers[peers["month"].isin(held)]
    asb = mine["category"] == ANTI_SOCIAL_BEHAVIOUR
    mine = mine[asb] if incident_type == ASB else mine[~asb]
    counts = mine.groupby("district_code")["count"].sum()
    table = pd.DataFrame({"district": districts["district_name"].to_numpy(),
                          "district_code": districts["district_code"].to_numpy()})
    table["count"] = table["district_code"].map(counts).fillna(0).astype("int64")
    table["months"] = len(held)
    table["per_month"] = table["count"] / len(held)
    column = population_column(fy)
    table["population"] = districts[column].to_numpy(dtype=float) if column in districts else float("nan")
    table["rate"] = per_1000_a_year(table["per_month"], table["population"])
    by = "rate" if table["rate"].notna().all() else "per_month"
    table["ranked_by"] = by
    table["rank"] = table[by].rank(ascending=False, method="min").astype("int64")
    table["area"] = table["district_code"].isin(set(area_districts))
    return table.sort_values(["rank", "district"]).reset_index(drop=True)
