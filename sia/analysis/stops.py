"""Stop and search: counts of searches, and the Home Office's measures of them.

- **Searches per 1,000 residents a year**: searches / months covered x 12 / residents x
  1,000 (as crime rates are, see measures.per_1000_a_year); residents of the ages searched
  when the search is by age and the population has single years of age.
- **Arrest rate**: searches ending in arrest / searches.
- **Find rate**: searches whose outcome is other than no further action *and* marked as
  linked to the object of the search / searches. The linked field is blank in some forces'
  files and, in some, marked True on many no-further-action rows: every find rate comes with
  how often the field is given and how often a no-further-action search is marked linked.

Both rates come with Wilson 95% intervals (scipy's). Outcomes are counted in police.uk's
current wording: older files' wording (``Suspect arrested``, ``Nothing found - no further
action``, ...) is read as the outcome it became.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from sia.analysis.measures import per_1000_a_year
from sia.categories import CATEGORIES
from sia.dataset.denominators import age_population_column, population_column
from sia.dataset.police_csv import AGE_RANGES, SEARCH_TYPES
from sia.errors import InputError, Problem
from sia.periods import financial_year, parse_financial_year, require_held

# The most rows a table of searches may have: every combination of the groupings is listed,
# and nine groupings of a force's values would make hundreds of millions.
MAX_ROWS = 250_000
# Name a user groups by -> column of the searches table.
STOP_GROUPINGS = {"ward": "ward_name", "lsoa": "lsoa_code", "month": "month", "fy": "fy", "object": "object",
                  "age": "age", "outcome": "outcome", "legislation": "legislation", "type": "type"}

# 'weapons': the objects of a search for a weapon, and every section 60 search (a search for
# weapons in an area an officer authorised, often recorded with no object).
WEAPONS = "weapons"
WEAPON_OBJECTS = ("Offensive weapons", "Firearms", "Anything to threaten or harm anyone", "Crossbows")
SECTION_60 = "section 60)"  # 'Criminal Justice and Public Order Act 1994 (section 60)', not 60AA
YOUNG = ("10-17", "18-24")  # the ages the Serious Violence Duty looks at: 10 to 24

NO_FURTHER_ACTION = "A no further action disposal"
ARREST = "Arrest"
# Older police.uk wording of an outcome -> the current one (matched without regard to case).
OUTCOME_WORDING = {
    "nothing found - no further action": NO_FURTHER_ACTION,
    "suspect arrested": ARREST,
    "offender arrested": ARREST,
    "local resolution": "Community resolution",
    "offender cautioned": "Caution (simple or conditional)",
    "offender given penalty notice": "Penalty Notice for Disorder",
    "suspect summonsed to court": "Summons / charged by post",
    "offender given drugs possession warning": "Khat or Cannabis warning",
}
_CURRENT = {w.casefold(): w for w in (NO_FURTHER_ACTION, ARREST, "Community resolution",
                                       "Caution (simple or conditional)", "Penalty Notice for Disorder",
                                       "Summons / charged by post", "Khat or Cannabis warning")}

# The crimes the serious violence picture sets beside weapons searches.
SERIOUS_VIOLENCE = ("Violence and sexual offences", "Robbery", "Possession of weapons")
assert set(SERIOUS_VIOLENCE) <= set(CATEGORIES)


def current_outcome(outcome: pd.Series) -> pd.Series:
    """Each search's outcome in police.uk's current wording ('' where none is recorded)."""
    def reword(value: str) -> str:
        folded = str(value).strip().casefold()
        return OUTCOME_WORDING.get(folded) or _CURRENT.get(folded) or str(value).strip()
    text = outcome.astype(str)
    values = pd.unique(text)
    return text.map(dict(zip(values, (reword(v) for v in values))))


def is_weapons_search(stops: pd.DataFrame) -> np.ndarray:
    """Searches for a weapon: by their object, or made under section 60."""
    return (stops["object"].astype(str).isin(WEAPON_OBJECTS).to_numpy()
            | stops["legislation"].astype(str).str.casefold().str.contains(SECTION_60, regex=False).to_numpy())


def require_stops(stops: pd.DataFrame | None) -> pd.DataFrame:
    if stops is None:
        raise InputError(Problem("the dataset holds no stop-and-search files", "the dataset",
                                 "build it with the force's YYYY-MM-<force>-stop-and-search.csv files beside its "
                                 "street files (ingest and fetch take them from the same folders and archives)"))
    return stops


@dataclass(frozen=True)
class StopFilters:
    """Which searches: financial years (all held when empty), objects ('weapons' or police.uk's
    names, any of them) and age ranges (any of them)."""

    fys: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()


def check_ages(ages) -> tuple[str, ...]:
    wrong = [a for a in ages if a not in AGE_RANGES]
    if wrong:
        raise InputError(Problem(f"{', '.join(repr(a) for a in wrong)} is not an age range police.uk gives",
                                 "--age", f"use {', '.join(AGE_RANGES)}"))
    return tuple(dict.fromkeys(ages))


def select_stops(stops: pd.DataFrame, filters: StopFilters, months: list[str]) -> tuple[pd.DataFrame, dict]:
    """The searches of ``months`` (those the stop-and-search files cover, or fewer) the
    filters keep, and the months covered in each year they keep."""
    held = sorted({financial_year(m) for m in months})
    fys = [parse_financial_year(f) for f in filters.fys] if filters.fys else held
    require_held(fys, held)
    rows = stops[stops["fy"].astype(str).isin(fys).to_numpy() & stops["month"].astype(str).isin(months).to_numpy()]
    if filters.objects:
        rows = rows[_object_mask(rows, filters.objects, stops)]
    if filters.ages:
        rows = rows[rows["age"].astype(str).isin(check_ages(filters.ages)).to_numpy()]
    covered = {fy: [m for m in months if financial_year(m) == fy] for fy in fys}
    return rows, covered


def _object_mask(rows: pd.DataFrame, objects, stops: pd.DataFrame) -> np.ndarray:
    names = {str(o).casefold(): str(o) for o in stops["object"].cat.categories if str(o)}
    known = {o.casefold(): o for o in WEAPON_OBJECTS} | names
    mask = np.zeros(len(rows), dtype=bool)
    for given in objects:
        folded = given.strip().casefold()
        if folded == WEAPONS:
            mask |= is_weapons_search(rows)
        elif folded in known:
            mask |= (rows["object"].astype(str) == known[folded]).to_numpy()
        else:
            raise InputError(Problem(f"{given!r} is not an object of search in the data", "--object",
                                     f"use '{WEAPONS}' or one of: " + "; ".join(sorted(names.values()))))
    return mask


def count_stops(stops: pd.DataFrame, by: list[str], filters: StopFilters, months: list[str],
                wards: pd.DataFrame | None = None, lsoas: pd.DataFrame | None = None,
                rates: bool = False) -> pd.DataFrame:
    """Searches with a column per grouping (named as ``by`` names them) and ``count``; every
    ward, month, year, age range and type appears, with 0 where none was searched; objects,
    outcomes and legislation as they occur ('' where blank). ``rates`` adds the Home Office's
    measures (see the module's notes)."""
    bad = [b for b in by if b not in STOP_GROUPINGS]
    if bad:
        raise InputError(Problem(f"cannot group searches by {', '.join(bad)}", "--by",
                                 f"use {', '.join(STOP_GROUPINGS)}"))
    by = list(dict.fromkeys(by))
    rows, covered = select_stops(stops, filters, months)
    rows = rows.assign(outcome=current_outcome(rows["outcome"]))
    columns = [STOP_GROUPINGS[b] for b in by]
    frame = pd.DataFrame({c: rows[c].astype(str).to_numpy() for c in columns}, index=rows.index)
    frame["count"] = 1
    frame["arrests"] = (rows["outcome"] == ARREST).to_numpy(dtype=int)
    frame["finds"] = ((rows["outcome"] != NO_FURTHER_ACTION) & (rows["outcome"] != "")
                      & (rows["linked"].astype(str) == "True")).to_numpy(dtype=int)
    frame["linked_given"] = (rows["linked"].astype(str) != "").to_numpy(dtype=int)
    frame["nfa"] = (rows["outcome"] == NO_FURTHER_ACTION).to_numpy(dtype=int)
    frame["nfa_linked"] = ((rows["outcome"] == NO_FURTHER_ACTION)
                           & (rows["linked"].astype(str) == "True")).to_numpy(dtype=int)
    sums = ["count", "arrests", "finds", "linked_given", "nfa", "nfa_linked"]
    if columns:
        totals = frame.groupby(columns, observed=True)[sums].sum().reset_index()
        full = _levels(rows, by, covered, stops, wards, lsoas)
        out = full.merge(totals, on=columns, how="left")
        out[sums] = out[sums].fillna(0).astype("int64")
        out = out.rename(columns=dict(zip(columns, by)))
    else:
        out = pd.DataFrame({s: [int(frame[s].sum())] for s in sums})
    if rates:
        out = _with_rates(out, by, covered, filters, wards, lsoas)
    else:
        out = out[by + ["count"]]
    return out.reset_index(drop=True)


def _levels(rows: pd.DataFrame, by: list[str], covered: dict, stops: pd.DataFrame,
            wards: pd.DataFrame | None, lsoas: pd.DataFrame | None) -> pd.DataFrame:
    """Every combination to report, in the order of ``by``; months only within their year."""
    months = pd.DataFrame([(fy, m) for fy, ms in covered.items() for m in ms], columns=["fy", "month"])
    ward_names = sorted(map(str, (wards["ward_name"] if wards is not None else stops["ward_name"].cat.categories)))
    lsoa_codes = sorted(lsoas["lsoa_code"]) if lsoas is not None else sorted(
        str(c) for c in stops["lsoa_code"].cat.categories)
    if (rows["lsoa_code"].astype(str) == "").any():
        lsoa_codes.append("")
    ages = list(AGE_RANGES) + ([""] if (rows["age"].astype(str) == "").any() else [])
    levels = {"ward": ward_names, "lsoa": lsoa_codes, "age": ages, "type": list(SEARCH_TYPES),
              # As they occur, and only those asked for.
              **{b: sorted(rows[STOP_GROUPINGS[b]].astype(str).unique()) for b in ("object", "outcome", "legislation")
                 if b in by}}
    time = [STOP_GROUPINGS[b] for b in by if b in ("fy", "month")]
    size = int(np.prod([len(levels[b]) if b in levels else len(months[time].drop_duplicates()) if
                        STOP_GROUPINGS[b] == time[0] else 1 for b in by], dtype=float))
    if size > MAX_ROWS:
        raise InputError(Problem(f"grouping by {', '.join(by)} makes {size:,} rows, more than the {MAX_ROWS:,} a "
                                 "table may hold", "--by", "group by fewer, or filter with --fy, --object, --age"))
    full = pd.DataFrame({"_": [0]})
    for b in by:
        if b in levels:
            full = full.merge(pd.DataFrame({STOP_GROUPINGS[b]: levels[b]}), how="cross")
        elif STOP_GROUPINGS[b] == time[0]:
            full = full.merge(months[time].drop_duplicates(), how="cross")
    return full.drop(columns="_")[[STOP_GROUPINGS[b] for b in by]].astype(str)


def wilson(successes, trials) -> tuple[float, float]:
    """The Wilson 95% interval of a proportion; NaN for no trials."""
    if trials <= 0:
        return float("nan"), float("nan")
    interval = binomtest(int(successes), int(trials)).proportion_ci(0.95, method="wilson")
    return float(interval.low), float(interval.high)


def _with_rates(out: pd.DataFrame, by: list[str], covered: dict, filters: StopFilters,
                wards: pd.DataFrame | None, lsoas: pd.DataFrame | None) -> pd.DataFrame:
    n = out["count"].to_numpy()
    out["residents"] = _residents(out, by, covered, filters, wards, lsoas)
    out["months"] = _months(out, by, covered)
    per_month = np.where(out["months"] > 0, n / out["months"].clip(lower=1), np.nan)
    out["per_1000_a_year"] = per_1000_a_year(per_month, out["residents"].to_numpy(dtype=float))
    for name, k in (("arrest_rate", "arrests"), ("find_rate", "finds")):
        out[name] = np.where(n > 0, out[k] / np.maximum(n, 1), np.nan)
        bounds = [wilson(s, t) for s, t in zip(out[k], n)]
        out[f"{name}_low"] = [b[0] for b in bounds]
        out[f"{name}_high"] = [b[1] for b in bounds]
    out["linked_recorded"] = np.where(n > 0, out["linked_given"] / np.maximum(n, 1), np.nan)
    nfa = out["nfa"].to_numpy()
    out["nfa_marked_linked"] = np.where(nfa > 0, out["nfa_linked"] / np.maximum(nfa, 1), np.nan)
    return out[by + ["count", "months", "residents", "per_1000_a_year", "arrests", "arrest_rate", "arrest_rate_low",
                     "arrest_rate_high", "finds", "find_rate", "find_rate_low", "find_rate_high", "linked_recorded",
                     "nfa_marked_linked"]]


def _months(out: pd.DataFrame, by: list[str], covered: dict) -> np.ndarray:
    if "month" in by:
        return np.ones(len(out), dtype=int)
    if "fy" in by:
        return out["fy"].map(lambda fy: len(covered.get(fy, ()))).to_numpy(dtype=int)
    return np.full(len(out), sum(len(ms) for ms in covered.values()), dtype=int)


def _residents(out: pd.DataFrame, by: list[str], covered: dict, filters: StopFilters,
               wards: pd.DataFrame | None, lsoas: pd.DataFrame | None) -> np.ndarray:
    """Each row's residents: of its place (ward, LSOA, else the whole area), of its age range
    (by age) or of the ages asked for (--age), in its year's population."""
    if "fy" in by:
        years = out["fy"].astype(str)
    elif "month" in by:
        years = out["month"].astype(str).map(financial_year)
    elif len(covered) == 1:
        years = pd.Series(list(covered) * len(out), index=out.index)
    else:
        raise InputError(Problem(f"searches per 1,000 residents are a year's rate, and {len(covered)} years are "
                                 "selected", "--rates", "give one --fy, or add --by fy"))
    if "lsoa" in by:
        table, key, place = lsoas, "lsoa_code", out["lsoa"].astype(str)
    elif "ward" in by:
        table, key, place = wards, "ward_name", out["ward"].astype(str)
    else:
        table, key, place = wards, None, None
    if table is None:
        return np.full(len(out), np.nan)
    ages_of = (out["age"].astype(str).map(lambda a: (a,) if a else None) if "age" in by
               else pd.Series([check_ages(filters.ages)] * len(out), index=out.index))
    values = pd.Series(np.nan, index=out.index)
    indexed = table.set_index(key) if key else table
    # One lookup per year and ages (a few), not per row.
    for (fy, ages), rows in pd.DataFrame({"fy": years.to_numpy(), "ages": ages_of.to_numpy()},
                                          index=out.index).groupby(["fy", "ages"], dropna=True).groups.items():
        columns = [age_population_column(fy, a) for a in ages] if ages else [population_column(fy)]
        if not all(c in indexed for c in columns):
            continue  # no population of those ages (or none at all) that year
        residents = indexed[columns].astype(float).sum(axis=1, min_count=len(columns))
        if key is None:
            values[rows] = residents.sum() if residents.notna().all() else np.nan
        else:
            values[rows] = place[rows].map(residents).to_numpy(dtype=float)
    return values.to_numpy(dtype=float)


