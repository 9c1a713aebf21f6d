"""The strategic assessment of a year: every category and every ward side by side, as the
partnership's analysts set them out before proposing priorities.

For each crime category (anti-social behaviour apart: shown, never scored with crime) and
each ward (all crime):

- **volume**: incidents over the months the year holds (as ``sia counts`` counts them), per
  month, and per 1,000 residents a year;
- **change** against another year (by default the latest held before it, else the first
  after it) on the months of the year both hold, from the earlier year to the later, with
  the exact Poisson test (as ``sia change`` tests it); a rise into the year assessed scores;
- **trend** over the year's months: the Mann-Kendall test (pymannkendall) of the monthly
  counts, with Kendall's tau (needs four months);
- **concentration**: the share of LSOAs that hold half the incidents (smaller: more
  concentrated), over the area's LSOAs (a ward's own, for a ward);
- **no suspect**: the share of the crimes whose latest outcome is in the outcome group of the
  role "no_suspect" (data/outcomes.toml);
- **covered**: the priorities of the register's city set for the year that cover it (by their
  categories; a ward, by the wards they name).

The **score** sets them on one scale the analyst can see and change: each column's rank
among the crime categories (or wards) as a share from 0 to 1 (the largest volume, rate,
rise, trend, concentration or no-suspect share highest), weighted (``weights``, 1 each by
default; 0 leaves a column out), averaged, and multiplied by a harm weight per category
(``harm``, 1 each by default: none is assumed). A column that cannot be measured (no
population, one year, too few months) counts at the middle, 0.5.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pymannkendall

from sia.analysis.change import change_columns
from sia.analysis.concentration import share_of_units_for_half
from sia.analysis.filters import ASB, CRIME, Filters
from sia.analysis.measures import comparison_basis, matched_months, per_1000_a_year, select, ward_change, ward_measures
from sia.analysis.outcomes import OutcomeGroups
from sia.analysis.priorities.register import CITY, Priority, Register
from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CRIME_CATEGORIES
from sia.dataset.denominators import population_column
from sia.errors import InputError, Problem
from sia.periods import fy_months, require_held

WEIGHTED = ("volume", "rate", "change", "trend", "concentration", "no_suspect")
# Each weighted column, and the figure it ranks (higher: of more concern).
_RANKED = {"volume": "count", "rate": "rate", "change": "rate_ratio", "trend": "trend_tau",
           "concentration": "concentration", "no_suspect": "no_suspect_share"}
MIN_TREND_MONTHS = 4
NOT_COMPARED = ""  # as ``against``: no other year (None: the default year)
NAMED = 5  # how many of the highest scores are named when no priority covers them


@dataclass(frozen=True)
class Assessment:
    fy: str
    against: str | None
    basis: str  # the months the change compares ('' without another year)
    categories: pd.DataFrame  # a row per crime category, then ASB; by score
    wards: pd.DataFrame  # a row per ward (all crime); by score
    uncovered: list[str] = field(default_factory=list)  # high scorers no priority covers (categories, wards)
    unsupported: list[str] = field(default_factory=list)  # priorities the data does not bear out, and why
    unmeasurable: list[str] = field(default_factory=list)  # priorities open data cannot measure
    has_set: bool = True  # whether the register holds a city set for the year


def check_weights(weights: dict[str, float] | None, harm: dict[str, float] | None) -> tuple[dict, dict]:
    """The column weights (every column, 1 unless given) and harm weights (every crime
    category, 1 unless given), each a finite number from 0 to 100."""
    given = dict(weights or {})
    wrong = [k for k in given if k not in WEIGHTED]
    if wrong:
        raise InputError(Problem(f"{', '.join(map(repr, wrong))} is not a column of the assessment", "--weight",
                                 f"weight {', '.join(WEIGHTED)}"))
    harms = dict(harm or {})
    wrong = [k for k in harms if k not in CRIME_CATEGORIES]
    if wrong:
        raise InputError(Problem(f"{', '.join(map(repr, wrong))} is not a crime category", "--harm",
                                 "use police.uk's crime categories (anti-social behaviour is not scored)"))
    for name, value in [*given.items(), *harms.items()]:
        if not (isinstance(value, (int, float)) and np.isfinite(value) and 0 <= value <= 100):
            raise InputError(Problem(f"the weight of {name!r} is {value!r}, not a number from 0 to 100",
                                     "--weight/--harm", "give weights from 0 to 100"))
    if given and not any(given.get(k, 1.0) > 0 for k in WEIGHTED):
        raise InputError(Problem("every column's weight is 0", "--weight", "give at least one column a weight"))
    return {k: float(given.get(k, 1.0)) for k in WEIGHTED}, {c: float(harms.get(c, 1.0)) for c in CRIME_CATEGORIES}


def assess(incidents: pd.DataFrame, wards: pd.DataFrame, lsoas: pd.DataFrame | None, months: list[str],
           register: Register, groups: OutcomeGroups, fy: str, against: str | None = None,
           weights: dict[str, float] | None = None, harm: dict[str, float] | None = None) -> Assessment:
    """The assessment of ``fy`` (see the module's notes), its changes against ``against``."""
    held = sorted({str(f) for f in incidents["fy"].cat.categories})
    require_held([fy] + ([against] if against else []), held)
    against = default_against(fy, held) if against is None else (against or None)
    if against == fy:
        raise InputError(Problem(f"--against is {fy}, the year assessed", "--against", "compare with another year"))
    weights, harm = check_weights(weights, harm)
    year = incidents[(incidents["fy"] == fy).to_numpy()]
    pair = tuple(sorted((fy, against))) if against else None
    no_suspect = groups.classify(year["outcome"])["outcome_group"].astype(str) == groups.by_role("no_suspect").id
    area_lsoas = (list(lsoas["lsoa_code"]) if lsoas is not None
                  else sorted(c for c in year["lsoa_code"].astype(str).unique() if c))
    year_months = [m for m in fy_months(fy) if m in months]
    n = len(year_months)

    population = wards[population_column(fy)].sum(min_count=1) if population_column(fy) in wards else np.nan
    rows = []
    for category in (*CRIME_CATEGORIES, ANTI_SOCIAL_BEHAVIOUR):
        mine = (year["category"] == category).to_numpy()
        rows.append({"category": category, "count": int(mine.sum()), "months": n,
                     **_trend(year[mine], year_months), "concentration": _concentration(year[mine], area_lsoas),
                     "no_suspect_share": (float(no_suspect[mine].mean()) if mine.any() and category !=
                                          ANTI_SOCIAL_BEHAVIOUR else np.nan)})
    categories = pd.DataFrame(rows)
    categories["per_month"] = categories["count"] / max(n, 1)
    categories["rate"] = per_1000_a_year(categories["per_month"], np.full(len(categories), population))
    basis = ""
    if pair:
        tested, basis = _category_change(incidents, months, pair)
        categories = categories.merge(tested, on="category", how="left")
    year_set = _year_priorities(register, fy)
    covering = _covering(year_set or [], "categories")
    categories["covered_by"] = categories["category"].map(lambda c: "; ".join(covering.get(c, [])))
    crime = categories["category"] != ANTI_SOCIAL_BEHAVIOUR
    categories["harm"] = categories["category"].map(harm)
    rising = pair is not None and pair[1] == fy  # a ratio above 1 is a rise into the year assessed
    categories.loc[crime, "score"] = _score(categories[crime], weights, pair is not None, rising) \
        * categories.loc[crime, "harm"]
    categories.loc[crime & (categories["count"] == 0), "score"] = 0.0  # nothing recorded: nothing to rank
    categories["rank"] = categories["score"].rank(ascending=False, method="min").astype("Int64")
    categories = _ordered(categories.sort_values(["rank", "category"], na_position="last").reset_index(drop=True),
                          "category")

    by_ward = _wards(incidents, year, wards, months, year_months, lsoas, no_suspect, fy, pair)
    named = _covering(year_set or [], "wards")
    by_ward["covered_by"] = by_ward["ward"].map(lambda w: "; ".join(named.get(w, [])))
    by_ward["score"] = _score(by_ward, weights, pair is not None, pair is not None and pair[1] == fy)
    by_ward["rank"] = by_ward["score"].rank(ascending=False, method="min").astype("Int64")
    by_ward = _ordered(by_ward.sort_values(["rank", "ward"]).reset_index(drop=True), "ward")

    has_set = year_set is not None
    uncovered = ([f"{r.category} (#{r.rank})" for r in categories.head(NAMED).itertuples()
                  if not r.covered_by and r.count > 0]
                 + [f"{r.ward} (#{r.rank} of the wards)" for r in by_ward.head(NAMED).itertuples()
                    if not r.covered_by and r.count > 0]) if has_set else []
    unsupported, unmeasurable = _priorities_against(year_set, categories) if has_set else ([], [])
    return Assessment(fy, against, basis, categories, by_ward, uncovered, unsupported, unmeasurable, has_set)


def default_against(fy: str, held: list[str]) -> str | None:
    """The year a year's changes are measured against by default: the latest held before it,
    else the earliest after it (none when the data holds one year)."""
    before = [f for f in held if f < fy]
    after = [f for f in held if f > fy]
    return before[-1] if before else after[0] if after else None


def _ordered(table: pd.DataFrame, first: str) -> pd.DataFrame:
    """The columns as a reader takes them: what, rank and score, volume, change, the rest."""
    leading = [first, "rank", "score", "count", "months", "per_month", "rate"]
    change = [c for c in table.columns if c.startswith("count_")] + [
        c for c in ("matched_months", "rate_ratio", "ci_low", "ci_high", "p_value", "significant", "direction")
        if c in table]
    rest = ["trend", "trend_tau", "trend_p", "concentration", "no_suspect_share", "covered_by"] + (
        ["harm"] if "harm" in table else [])
    return table[leading + change + rest]


def _trend(rows: pd.DataFrame, year_months: list[str]) -> dict:
    """The Mann-Kendall test of the monthly counts (NaN with fewer than MIN_TREND_MONTHS)."""
    if len(year_months) < MIN_TREND_MONTHS:
        return {"trend": "", "trend_tau": np.nan, "trend_p": np.nan}
    series = rows["month"].astype(str).value_counts().reindex(year_months, fill_value=0).to_numpy()
    if (series == series[0]).all():
        return {"trend": "no trend", "trend_tau": 0.0, "trend_p": 1.0}
    test = pymannkendall.original_test(series)
    return {"trend": test.trend, "trend_tau": float(test.Tau), "trend_p": float(test.p)}


def _concentration(rows: pd.DataFrame, lsoas: list[str]) -> float:
    """1 - the share of LSOAs holding half the incidents (higher: more concentrated)."""
    if not lsoas or rows.empty:
        return np.nan
    counts = rows["lsoa_code"].astype(str).value_counts().reindex(lsoas, fill_value=0)
    return 1.0 - share_of_units_for_half(counts.to_numpy()) if counts.sum() else np.nan


def _category_change(incidents: pd.DataFrame, months: list[str], pair: tuple[str, str]) -> tuple[pd.DataFrame, str]:
    """Per category, the counts of the two years on matched months and the tested change,
    as 'sia change' counts and tests them (ASB on its own)."""
    out = []
    basis = ""
    for kind, categories in ((CRIME, CRIME_CATEGORIES), (ASB, (ANTI_SOCIAL_BEHAVIOUR,))):
        filters = Filters(fys=pair, incident_type=kind, crime_types=CRIME_CATEGORIES, like_for_like=True)
        selection = select(incidents, filters)
        counts = selection.rows.groupby(["category", "fy"], observed=False).size()
        before = pd.Series([int(counts.get((c, pair[0]), 0)) for c in categories], index=list(categories))
        after = pd.Series([int(counts.get((c, pair[1]), 0)) for c in categories], index=list(categories))
        tested = change_columns(before, after, len(selection.months[pair[0]]), len(selection.months[pair[1]]))
        out.append(pd.DataFrame({"category": list(categories), f"count_{pair[0]}": before.to_numpy(),
                                 f"count_{pair[1]}": after.to_numpy(), "matched_months": len(selection.months[pair[1]]),
                                 **{c: tested[c].to_numpy() for c in ("rate_ratio", "ci_low", "ci_high", "p_value",
                                                                       "significant", "direction")}}))
        basis = comparison_basis(selection.months, matched_months(months, filters))
    return pd.concat(out, ignore_index=True), basis


def _wards(incidents, year, wards, months, year_months, lsoas, no_suspect, fy, pair) -> pd.DataFrame:
    """Per ward, all crime: the same columns as the categories'."""
    crime = (year["category"] != ANTI_SOCIAL_BEHAVIOUR).to_numpy()
    measures = ward_measures(select(incidents, Filters(fys=(fy,), incident_type=CRIME, like_for_like=False)), wards)
    table = pd.DataFrame({"ward": measures["ward_name"], "count": measures["count"].fillna(0).astype(int),
                          "months": len(year_months), "per_month": measures["per_month"],
                          "rate": measures["rate"]})
    lsoa_ward = (lsoas.set_index("lsoa_code")["ward_name"] if lsoas is not None and "ward_name" in lsoas else None)
    extra = []
    for ward in table["ward"]:
        mine = crime & (year["ward_name"] == ward).to_numpy()
        own = sorted(lsoa_ward.index[lsoa_ward == ward]) if lsoa_ward is not None else \
            sorted(c for c in year.loc[mine, "lsoa_code"].astype(str).unique() if c)
        extra.append({**_trend(year[mine], year_months), "concentration": _concentration(year[mine], own),
                      "no_suspect_share": float(no_suspect[mine].mean()) if mine.any() else np.nan})
    table = pd.concat([table, pd.DataFrame(extra)], axis=1)
    if pair:
        selection = select(incidents, Filters(fys=pair, incident_type=CRIME, like_for_like=True))
        change = ward_change(ward_measures(selection, wards), pair).reset_index().rename(columns={
            "ward_name": "ward", "count_before": f"count_{pair[0]}", "count_after": f"count_{pair[1]}"})
        table = table.merge(change[["ward", f"count_{pair[0]}", f"count_{pair[1]}", "rate_ratio", "ci_low",
                                    "ci_high", "p_value", "significant", "direction"]], on="ward", how="left")
    return table


def _score(table: pd.DataFrame, weights: dict[str, float], compared: bool, rising: bool = True) -> pd.Series:
    """The weighted mean of each column's rank as a share (0 lowest, 1 highest); 0.5 where a
    column has no figure. ``rising``: the year assessed is the later of the two compared (else
    a fall into it is what ranks high: its ratio is turned over)."""
    total = pd.Series(0.0, index=table.index)
    weight_sum = 0.0
    for column, figure in _RANKED.items():
        w = weights[column]
        if w <= 0:
            continue
        values = table[figure] if figure in table and (compared or column != "change") else \
            pd.Series(np.nan, index=table.index)
        if column == "change" and not rising:
            values = 1 / values
        share = values.rank(pct=True, method="average")
        share = (share - share.min()) / (share.max() - share.min()) if share.notna().sum() > 1 else share * np.nan
        total += w * share.fillna(0.5)
        weight_sum += w
    return total / weight_sum


def _year_priorities(register: Register, fy: str) -> list[Priority] | None:
    """The priorities of the register's city set for the year; None when it has no such set."""
    found = next((s for s in register.sets.values() if s.kind == CITY and s.fy == fy), None)
    return register.in_set(found.id) if found else None


def _covering(priorities: list[Priority], field: str) -> dict[str, list[str]]:
    """Each category (``field`` 'categories') or ward ('wards') -> the ids of the priorities
    that hold or name it."""
    out: dict[str, list[str]] = {}
    for p in priorities:
        for value in getattr(p, field):
            out.setdefault(value, []).append(p.id)
    return out


def _priorities_against(priorities: list[Priority], categories: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The year's priorities the data does not bear out (every category they hold ranks in
    the lower half and none rose significantly), and those it cannot measure."""
    by_category = categories.set_index("category")
    half = (categories["rank"].notna()).sum() / 2
    unsupported, unmeasurable = [], []
    for p in priorities:
        if not p.measurable:
            unmeasurable.append(f"{p.title} ({p.id}): no police.uk indicator")
            continue
        crimes = [c for c in p.categories if c != ANTI_SOCIAL_BEHAVIOUR]
        if not crimes:
            continue
        ranks = [by_category.loc[c, "rank"] for c in crimes]
        rising = any(bool(by_category.loc[c, "significant"]) and str(by_category.loc[c, "direction"]).startswith("up")
                     for c in crimes) if "significant" in by_category else False
        if all(pd.notna(r) and r > half for r in ranks) and not rising:
            best = min(int(r) for r in ranks)
            unsupported.append(f"{p.title} ({p.id}): its categories rank no higher than #{best} of "
                               f"{int(categories['rank'].notna().sum())}, and none rose significantly")
    return unsupported, unmeasurable
