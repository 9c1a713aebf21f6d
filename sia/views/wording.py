"""Small pieces of English shared by the pages, the CLI and the reports."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from sia.analysis.change import p_text
from sia.analysis.concentration import units_for_half
from sia.words import ordinal

if TYPE_CHECKING:
    from sia.analysis.hotspots.runs import HotCount
    from sia.dataset.store import Dataset

# What a rate reads where it has no whole denominator: never 0, never inf.
NO_POPULATION = "no population"
# What a rank is by, in words after 'by': every rank says its measure.
RANKED_BY = {"count": "incidents", "per_month": "incidents a month", "rate": "rate per 1,000 residents"}


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
    """0.0712 -> '7.1%', 0.25 -> '25%', 0 -> '0%': one decimal where it matters; '–' for
    a share of nothing (NaN)."""
    if pd.isna(share):
        return "–"
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


def no_hotspot_sentence(shown: list[tuple[str, HotCount]],
                        small: list[tuple[str, HotCount | str]] | None) -> str:
    """Why the wards hold no significant hot spot, in one plain sentence, and what Gi* finds
    on the small areas where it has power. ``shown`` pairs what was tested ('all crime') with
    the wards' HotCount in a year; ``small`` gives the same pairs on the dataset's LSOAs (a
    NoTest's reason, as text, where none could be run), or is None when the dataset holds no
    LSOAs. '' when a ward is a hot spot in each pair, or the units are not wards."""
    quiet = [i for i, (_, count) in enumerate(shown) if count.unit == "ward" and not count.hot]
    if not quiet:
        return ""
    subjects = list(dict.fromkeys(shown[i][0] for i in quiet))
    years = list(dict.fromkeys(shown[i][1].fy for i in quiet))
    reason = (f"No ward is a significant hot spot for {' or '.join(subjects)} in {' or '.join(years)}: with "
              f"{shown[quiet[0]][1].units:,} wards, each compared with its neighbours, Gi* has little power, and a "
              "single very busy ward among quieter ones is not a cluster (the test finds clusters of "
              "neighbouring high values).")
    if small is None:
        return reason + (" This dataset holds no LSOAs (small areas of about 1,500 residents), where the test "
                         "has more power: a data steward can add them by rebuilding it with LSOA boundaries.")
    found = [(" ".join(([f"for {small[i][0]}"] if len(subjects) > 1 else [])
                        + ([f"in {shown[i][1].fy}"] if len(years) > 1 else [])) + ", ").lstrip(", ")
             + _small_area_finding(small[i][1]) for i in quiet]
    return reason + " On LSOAs, small areas of about 1,500 residents, it has more power: " + "; ".join(found) + "."


def _small_area_finding(count: HotCount | str) -> str:
    """'**9 of the 151 LSOAs were hot spots at 99%**', or why there is no such figure."""
    if isinstance(count, str):
        return f"no test could be run ({count})"
    if not count.hot:
        return f"none of the {count.units:,} LSOAs was a hot spot"
    present = [(level, n) for level, n in count.levels if n]
    at = (f"at {present[0][0]}" if len(present) == 1 else
          f"at {present[-1][0]} or more ({', '.join(f'{n:,} at {level}' for level, n in present)})")
    verb = "was a hot spot" if count.hot == 1 else "were hot spots"
    return f"**{count.hot:,} of the {count.units:,} LSOAs {verb} {at}**"


def force_title(force: str) -> str:
    """A police.uk force name in words: 'avon-and-somerset' -> 'Avon and Somerset'."""
    return " ".join(w if w == "and" else w.capitalize() for w in force.split("-"))


def what_it_shows(dataset: Dataset) -> str:
    """The About page's first sentence: the data, whose it is, and the wards it is placed in."""
    area = dataset.area
    forces = " and ".join(force_title(f) for f in area.forces)
    recorded = f"recorded by {forces} police" if forces else "recorded by the police"
    vintage = dataset.ward_set_label or (dataset.manifest.get("fetched") or {}).get("ward_vintage")
    wards = f"{area.name}'s {len(dataset.wards)} wards" + (f" ({vintage})" if isinstance(vintage, str) else "")
    others = [s for s in dataset.ward_sets if s["label"] != vintage and s["last_month"]]
    also = (f", and also in {' and '.join(s['label'] + ' (to ' + s['last_month'] + ')' for s in others)} for the "
            "months they were in force" if others and vintage == dataset.ward_sets[-1]["label"] else "")
    return (f"Street-level crime and anti-social behaviour (ASB) {recorded} and published on data.police.uk, "
            f"placed in {wards}{also}.")


def wards_sentence(dataset: Dataset) -> str:
    """'Wards: May 2023 wards (6), for every month, ...; the data also holds December 2019
    wards.': which wards the figures use, for a dataset of several ward sets ('' for one)."""
    label = dataset.ward_set_label
    if not label:
        return ""
    others = [s["label"] for s in dataset.ward_sets if s["label"] != label]
    latest = dataset.ward_sets[-1]["label"] == label
    span = "for every month, earlier months placed by their points" if latest else "over the months they were in force"
    return f"Wards: {label} ({len(dataset.wards)}), {span}; the data also holds {' and '.join(others)}."
