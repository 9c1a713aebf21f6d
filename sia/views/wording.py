"""Small pieces of English shared by the pages, the CLI and the reports."""
import math

import pandas as pd

from sia.analysis.change import p_text
from sia.analysis.concentration import units_for_half
from sia.words import ordinal

# What a rate reads where it has no whole denominator: never 0, never inf.
NO_POPULATION = "no population"


def rate_text(rate: float) -> str:
    """A rate per 1,000 residents a year as shown: '143.6', or 'no population'."""
    return NO_POPULATION if pd.isna(rate) else f"{rate:,.1f}"


def rank_text(row, unit: str = "wards", by: str = "") -> str:
    """A row of measures.ward_measures' rank in words: '3rd of 17 wards' (and 'by ...'), or,
    for a ward the measure leaves without a value, 'not ranked (no population)'."""
    by = f" by {by}" if by else ""
    if pd.isna(row["rank"]):
        return f"not ranked{by} ({NO_POPULATION})" if pd.isna(row.get("rate")) else f"not ranked{by}"
    return f"{ordinal(int(row['rank']))} of {int(row['ranked'])}{' ' + unit if unit else ''}{by}"


def no_population_note(ward: str, fys: str | list[str]) -> str:
    """Why a ward has no rate in a year (or years): said beside the figure it leaves out."""
    years = " and ".join([fys] if isinstance(fys, str) else fys)
    return (f"{ward} has no residents in the {years} population figures (no LSOA of the area is assigned to it "
            "by the LSOA to ward lookup), so it has no rate per 1,000 residents and no rank by rate.")


def change_sentence(change, first: str, last: str) -> str:
    """A row of measures.ward_change in words: '12.3 incidents a month in 2014-15, 15.0 in
    2019-20: up 22%, significant (p = 0.003)'."""
    figures = f"{change['before']:,.1f} incidents a month in {first}, {change['after']:,.1f} in {last}"
    if not change["direction"]:
        return f"{figures}: no months to compare"
    return f"{figures}: {change['direction']}, {change['significance']}"


def significance_cell(significant: bool, p_value: float) -> str:
    """For a table column 'Significant?': 'yes (p < 0.001)', 'no (p = 0.312)', '–' untested."""
    if p_value is None or math.isnan(p_value):
        return "–"
    return f"{'yes' if significant else 'no'} (p {p_text(p_value)})"


# The attribution every output carries: the About page, briefing packs.
DATA_SOURCES = (
    "Street-level crime and anti-social behaviour: data.police.uk (Home Office and police forces).",
    "Ward and LSOA boundaries and lookups: Office for National Statistics; contains OS data "
    "© Crown copyright and database right.",
    "Population estimates: Office for National Statistics.",
    "English Indices of Deprivation 2015 and 2019: Ministry of Housing, Communities and Local Government.",
)
LICENCE = "Open Government Licence v3.0"  # every source above is under it


def percent(share: float) -> str:
    """0.0712 -> '7.1%', 0.25 -> '25%', 0 -> '0%': one decimal where it matters."""
    if share == 0:
        return "0%"
    return f"{share:.1%}" if share < 0.1 else f"{share:.0%}"


def concentration_sentence(c, subject: str, fy: str, unit_label: str) -> str:
    """'Half of all crime in 2019-20 was recorded in 7.1% of the 1,361 grid cells (97).'"""
    sentence = (f"Half of {subject} in {fy} was recorded in **{percent(c.share_of_units_for_half)}** of the "
                f"{c.units:,} {unit_label} ({units_for_half(c):,} of them); Gini {c.gini:.2f}")
    if c.sparse:
        return sentence + (f", or {c.generalised_gini:.2f} allowing for there being fewer incidents "
                           f"({c.incidents:,}) than {unit_label} (the generalised Gini).")
    return sentence + "."


def stability_sentence(s, unit_label: str) -> str:
    """The top units of the first year, and how much of the last year's incidents they held."""
    return (f"The busiest {percent(s.top_share)} of {unit_label} in {s.from_fy} ({len(s.top_units):,}, "
            f"{percent(s.area_share)} of the area) held **{percent(s.hit_rate)}** of {s.to_fy}'s incidents: "
            f"{s.pai:.1f} times their share of the area (Predictive Accuracy Index)"
            + ("" if s.spearman != s.spearman else
               f"; the two years' counts rank the {unit_label} alike with Spearman's ρ = {s.spearman:.2f}") + ".")
