"""Outcomes for a reader: the mix of outcome groups by year as a table, in sentences set
against the city, and the caution a large share still open calls for. Pure builders:
sia.analysis.outcomes.outcome_mix tables in, tables and text out."""
from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from sia.analysis.outcomes import OutcomeGroups
from sia.views.wording import percent

# A year with at least this share of its crimes still open (under investigation, awaiting
# court) gets the caution that its outcomes are not final: police.uk archives are cut soon
# after their last month, so the recent months' crimes are mostly open.
OPEN_CAUTION_SHARE = 0.2


class CityMix(NamedTuple):
    """The whole area's outcome mix, set beside a ward's, and the area's name ('Derby')."""

    name: str
    mix: pd.DataFrame


def _share(mix: pd.DataFrame, fy: str, group_id: str) -> float:
    found = mix[(mix["fy"] == fy) & (mix["outcome_group"] == group_id)]
    return float(found["share"].iloc[0]) if len(found) else float("nan")


def _crimes(mix: pd.DataFrame, fy: str) -> int:
    return int(mix.loc[mix["fy"] == fy, "count"].sum())


def _share_text(mix: pd.DataFrame, city: CityMix | None, fy: str, group_id: str) -> str:
    share = percent(_share(mix, fy, group_id))
    return share + (f" ({city.name}: {percent(_share(city.mix, fy, group_id))})" if city is not None else "")


def outcome_table(mix: pd.DataFrame, city: CityMix | None = None) -> pd.DataFrame:
    """One row per outcome group, for each year the crimes and their share (in %), and
    the city's share beside them when ``city`` (the same for the whole area) is given."""
    out = pd.DataFrame({"Outcome": mix.drop_duplicates("outcome_group")["group"].to_numpy()})
    for fy in dict.fromkeys(mix["fy"]):
        year = mix[mix["fy"] == fy]
        out[f"{fy} crimes"] = year["count"].to_numpy()
        out[f"{fy} %"] = (year["share"] * 100).round(1).to_numpy()
        if city is not None:
            out[f"{fy} {city.name} %"] = (city.mix[city.mix["fy"] == fy]["share"] * 100).round(1).to_numpy()
    return out


def outcome_sentences(mix: pd.DataFrame, groups: OutcomeGroups, where: str,
                      city: CityMix | None = None) -> list[str]:
    """For each year: the share of crimes with no suspect identified and the share charged
    or summonsed (or with a court result), with the city's when ``city`` is given, and, in
    the same sentence, the share still open where it is large enough to call the others
    provisional. ``where`` names the selection ('in Normanton', 'in Derby')."""
    no_suspect, charged, still_open = groups.by_role("no_suspect"), groups.by_role("charged"), groups.by_role("open")
    out = []
    for fy in dict.fromkeys(mix["fy"]):
        n = _crimes(mix, fy)
        if not n:
            out.append(f"{fy}: no crimes {where} to give outcomes for.")
            continue
        parts = [_share_text(mix, city, fy, group.id) for group in (no_suspect, charged)]
        out.append(f"Of the {n:,} crimes {where} in {fy}, no suspect was identified for **{parts[0]}**; "
                   f"**{parts[1]}** were charged or summonsed, or had a court result"
                   + _open_clause(mix, city, fy, still_open.id) + ".")
    return out


def _open_clause(mix: pd.DataFrame, city: CityMix | None, fy: str, open_id: str) -> str:
    """' — but **46% of 2019-20's crimes were still open** (Derby: 50%), ...': the caution,
    at the weight of the shares it qualifies, for a year with many crimes still open."""
    share = _share(mix, fy, open_id)
    if not share >= OPEN_CAUTION_SHARE:
        return ""
    beside = f" ({city.name}: {percent(_share(city.mix, fy, open_id))})" if city is not None else ""
    return (f" — but **{percent(share)} of {fy}'s crimes were still open**{beside}, under investigation or awaiting "
            "court when the data was published, so these shares are not final: the share charged can rise as "
            "those crimes are resolved")


def open_cautions(mix: pd.DataFrame, groups: OutcomeGroups) -> list[str]:
    """The caution for each year whose share still open is large."""
    still_open = groups.by_role("open")
    out = []
    for fy in dict.fromkeys(mix["fy"]):
        share = _share(mix, fy, still_open.id)
        if share >= OPEN_CAUTION_SHARE:
            out.append(f"{percent(share)} of {fy}'s crimes were still open (under investigation or awaiting "
                       "court) when the data was published: outcomes of recent months are not final, so a "
                       "lower share charged may be time, not policing")
    return out
