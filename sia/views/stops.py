"""Stop-and-search figures as the pages and packs show them (made in sia.analysis.stops)."""
from __future__ import annotations

import pandas as pd

from sia.views.wording import NO_POPULATION, percent
from sia.words import plural

# What the linked field's quality means for a find rate, said wherever one is shown.
FIND_RATE_CAVEAT = ("A find is an outcome other than no further action marked as linked to the object of the "
                    "search. Forces fill that field unevenly (some leave it blank, some mark it on searches that "
                    "found nothing), so each find rate says how often the field was given (Linked given) and how "
                    "often a search with no further action was marked linked (NFA marked linked). Residents are those "
                    "of the ages searched.")


def share_with_interval(share: float, low: float, high: float) -> str:
    """'12% (8% to 17%)', the Wilson 95% interval in brackets; '–' with no searches."""
    return "–" if pd.isna(share) else f"{percent(share)} ({percent(low)} to {percent(high)})"


def search_rate_text(rate: float) -> str:
    """A rate of searches per 1,000 residents of the ages searched: 'no population of those
    ages' where the year's population file gives no single years of age (or there is none)."""
    return f"{NO_POPULATION} of those ages" if pd.isna(rate) else f"{rate:,.1f}"


def year_sentence(row, what: str) -> str:
    """A year of count_stops(..., rates=True) by fy in words; ``what``: the searches counted,
    e.g. 'weapons searches of people aged 10 to 24'."""
    rate = ("" if pd.isna(row["per_1000_a_year"]) else
            f", {row['per_1000_a_year']:,.1f} a year per 1,000 residents of those ages")
    period = row.get("period") or plural(int(row["months"]), "month")
    return (f"In {row['fy']} ({period} of stop-and-search files), "
            f"{int(row['count']):,} {what}{rate}; "
            f"{percent(row['arrest_rate'])} ended in arrest, and {percent(row['find_rate'])} found what was "
            f"searched for (the linked field filled in on {percent(row['linked_recorded'])}, and marked on "
            f"{percent(row['nfa_marked_linked'])} of the searches that found nothing).")


def years_table(years: pd.DataFrame) -> pd.DataFrame:
    """Per year: the searches and the Home Office's measures, for a table or a download."""
    return pd.DataFrame({
        "Year": years["fy"], "Months counted": years["period"] if "period" in years else years["months"],
        "Searches": years["count"],
        "Residents": _whole(years["residents"]),
        "Per 1,000 a year": years["per_1000_a_year"],
        "Arrest rate": [share_with_interval(r, lo, hi) for r, lo, hi in
                        zip(years["arrest_rate"], years["arrest_rate_low"], years["arrest_rate_high"])],
        "Find rate": [share_with_interval(r, lo, hi) for r, lo, hi in
                      zip(years["find_rate"], years["find_rate_low"], years["find_rate_high"])],
        "Linked given": [percent(s) for s in years["linked_recorded"]],
        "NFA marked linked": [percent(s) for s in years["nfa_marked_linked"]],
    })


def wards_table(wards: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """Per ward, the most searched first: searches, residents of those ages, the rate."""
    shown = wards if top is None else wards.head(top)
    return pd.DataFrame({"Ward": shown["ward"], "Searches": shown["count"],
                         "Residents": _whole(shown["residents"]),
                         "Per 1,000 a year": shown["per_1000_a_year"]}).reset_index(drop=True)


def _whole(residents: pd.Series) -> pd.Series:
    """Residents as whole numbers, blank where unknown."""
    return residents.round().astype("Int64")
