"""What a dataset holds, as small tables: coverage of months, counts by year and category.

Partial years are common (police.uk archives, gaps), so every table that sets years side
by side also gives the months each year covers and a per-month figure.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sia.analysis.priorities.register import INDICATORS
from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CRIME_CATEGORIES
from sia.periods import MONTH_ABBREVIATIONS, fy_coverage, fy_months, months_in
from sia.views.wording import significance_cell
from sia.words import plural

ALL_CRIME = "All crime (excluding ASB)"


@dataclass
class EvidenceSummary:
    """The priorities page's table of what the data says, with what its caption needs."""

    table: pd.DataFrame  # SIA, Priority, Indicator, '<fy> a month'..., Change, Significant?
    months: dict[str, int]  # months each year is counted over (matched months, comparing two)
    periods: dict[str, str]  # those months in words: 'Sep 2019, 1 month'
    basis: str  # what the changes compare ('' with one year)


def evidence_summary(evidence: pd.DataFrame, register, fys: tuple[str, ...]) -> EvidenceSummary:
    """One row per measurable priority from sia.analysis.priorities.evidence.evidence_table (one row per
    priority and year), in register order: incidents a month each year and the tested change."""
    wide = evidence.pivot_table(index=["set", "rank", "priority", "title", "indicator"], columns="fy",
                                values=["per_month", "count", "months", "period"], aggfunc="first", sort=False)
    table = pd.DataFrame({
        "SIA": [f"{register.sets[s].fy} #{r}" for s, r in zip(wide.index.get_level_values("set"),
                                                             wide.index.get_level_values("rank"))],
        "Priority": wide.index.get_level_values("title"),
        "Indicator": [i.split()[0] for i in wide.index.get_level_values("indicator")]})
    for fy in fys:  # headed with the months counted: the columns beside a change are on its months
        table[f"{fy} a month ({wide[('period', fy)].iloc[0]})"] = wide[("per_month", fy)].to_numpy().round(1)
    first = evidence.drop_duplicates("priority").set_index("priority")
    basis = ""
    if len(fys) == 2:
        order = first.loc[wide.index.get_level_values("priority")]
        table["Change"] = order["change"].to_numpy()
        table["Significant?"] = [significance_cell(row.significant, row.p_value) for row in order.itertuples()]
        basis = first["change_basis"].iloc[0]
    return EvidenceSummary(table, {fy: int(wide[("months", fy)].iloc[0]) for fy in fys},
                           {fy: wide[("period", fy)].iloc[0] for fy in fys}, basis)


def set_table(register, set_id: str) -> pd.DataFrame:
    """A priority set as the Priorities page lists it: rank, title, the city priorities each
    feeds, and how open data measures it."""
    return pd.DataFrame([{
        "#": p.rank, "Priority": p.title,
        "Feeds the city priority": ", ".join(register.priorities[t].title for t in p.informs) or "–",
        "Indicator": INDICATORS[p.indicator]} for p in register.in_set(set_id)])


def named_against_found_table(against: pd.DataFrame, measure: str) -> pd.DataFrame:
    """named_against_found as the Priorities page shows it: ward, named (yes or no), rank and
    the ranking's value, headed by its ``measure`` ('rate' or 'per_month')."""
    return pd.DataFrame({
        "Ward": against["ward"], "Named": against["named"].map({True: "yes", False: "no"}),
        "Rank": against["rank"],
        "Per 1,000 a year" if measure == "rate" else "Per month": against["value"]})


def coverage_grid(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents per month: one row per financial year, one column per month (April
    first); empty (NA) where the year has no data for that month."""
    counts = incidents.groupby("month", observed=True).size()
    fys = list(incidents["fy"].cat.categories)
    grid = pd.DataFrame(index=pd.Index(fys, name="Financial year"), columns=list(MONTH_ABBREVIATIONS),
                        dtype="Int64")
    for fy in fys:
        for abbr, month in zip(MONTH_ABBREVIATIONS, fy_months(fy)):
            if month in counts.index:
                grid.loc[fy, abbr] = int(counts[month])
    return grid


def counts_by_year_and_category(incidents: pd.DataFrame) -> pd.DataFrame:
    """Rows: the 13 crime categories, then all crime, then anti-social behaviour (reported
    beside crime, never summed into it). Columns per year: count and mean per month."""
    coverage = fy_coverage(months_in(incidents))
    table = (incidents.groupby(["category", "fy"], observed=False).size()
             .unstack("fy").reindex(columns=coverage["fy"]).fillna(0).astype("int64"))
    crime = table.loc[list(CRIME_CATEGORIES)]
    ordered = pd.concat([crime, crime.sum().to_frame(ALL_CRIME).T,
                         table.loc[[ANTI_SOCIAL_BEHAVIOUR]]])
    out = pd.DataFrame(index=pd.Index(ordered.index, name="Category"))
    for fy, months in zip(coverage["fy"], coverage["months_covered"]):
        out[f"{fy} incidents"] = ordered[fy]
        out[f"{fy} per month ({plural(months, 'month')})"] = (ordered[fy] / months).round(1)
    return out


def counts_by_ward_and_year(incidents: pd.DataFrame) -> pd.DataFrame:
    """Crime and ASB per ward and year (per month, so partial years compare)."""
    coverage = fy_coverage(months_in(incidents)).set_index("fy")
    # A categorical kind, so that a dataset without ASB (or without crime) still gets zeros.
    kind = pd.Categorical((incidents["category"] == ANTI_SOCIAL_BEHAVIOUR).map({True: "ASB", False: "crime"}),
                          categories=["crime", "ASB"])
    table = incidents.groupby([incidents["ward_name"], incidents["fy"], kind], observed=False).size()
    out = pd.DataFrame(index=pd.Index(sorted(incidents["ward_name"].cat.categories), name="Ward"))
    for fy in coverage.index:
        for k in ("crime", "ASB"):
            per_month = table.xs((fy, k), level=(1, 2)) / coverage.loc[fy, "months_covered"]
            out[f"{fy} {k} per month"] = per_month.reindex(out.index).round(1)
    return out


def counts_by_force(incidents: pd.DataFrame) -> pd.DataFrame:
    """Incidents by the force that recorded them ('Falls within') and year: the area's force
    and, where its files were read, British Transport Police (stations and the railway)."""
    table = incidents.groupby(["force", "fy"], observed=True).size().unstack("fy").fillna(0).astype("int64")
    return table.rename_axis(index="Recorded by", columns=None).reset_index()


def peers_shown(table: pd.DataFrame) -> pd.DataFrame:
    """sia.analysis.peers.peer_table as the page shows it: the area's districts marked."""
    shown = pd.DataFrame({"District": table["district"] + table["area"].map({True: " (this area)", False: ""}),
                          "Rank": table["rank"], "Incidents": table["count"], "A month": table["per_month"].round(1)})
    if table["rate"].notna().any():
        shown["Residents"] = table["population"].round().astype("Int64")
        shown["Per 1,000 a year"] = table["rate"].round(1)
    return shown
