"""Hotspots for a dataset: what the ``hotspots``, ``concentration`` and ``stability``
commands and the app's hotspot layers ask.

Picks the incidents (one financial year, some crime types), builds the units (the
dataset's wards, its LSOAs or LSOA polygons from a file, or a square or hexagonal grid over
the wards),
counts, adds rates, runs Gi* and, if asked, the pattern across months or years; or
measures how concentrated the counts are, or how well one year's top units predict another's.

LSOAs are assigned by point in polygon on the polygons given (as wards are at ingest),
not by police.uk's own ``LSOA code``: the polygons are then the ones counted and tested,
whatever their vintage. How often the two agree is reported (about 96% on Derby 2014-15).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from sia.analysis.concentration import Concentration, concentration
from sia.analysis.counts import crime_or_asb
from sia.analysis.filters import Filters
from sia.analysis.hotspots import (
    CONFIDENCE,
    PATTERN_METHODS,
    PERMUTATIONS,
    SEED,
    SHIFT_LEVEL,
    SHIFTS,
    EhsaRules,
    GiStar,
    PatternRules,
    add_rates,
    check_units,
    count_by_grid,
    counts_from_placement,
    emerging_hotspots,
    grid_units,
    hex_units,
    hotspot_shift,
    hotspots_by_period,
    hotspots_gistar,
    incident_points,
    lsoa_units,
    place_in_polygons,
    read_lsoa_units,
    ward_units,
)
from sia.analysis.hotspots.grid import default_cell_size
from sia.analysis.measures import Selection, select
from sia.analysis.stability import TOP_SHARE, Stability, check_top_share, stability
from sia.dataset.denominators import lsoa_population, population_column
from sia.dataset.store import Dataset
from sia.errors import InputError, Problem
from sia.periods import require_held
from sia.words import plural

UNIT_NAMES = {"ward": "wards", "lsoa": "LSOAs", "grid": "grid cells", "hex": "hexagons"}
UNIT_SOURCES = {"ward": "the dataset's wards", "lsoa": "the dataset's LSOAs"}
GRIDS = ("grid", "hex")
OUTPUT_COLUMNS = ("unit_id", "unit_name", "count", "population", "rate", "neighbours", "gi_z",
                  "p_value", "p_sim", "p_adjusted", "class", "correction", "pattern", "trend_tau", "trend_p")


@dataclass(frozen=True)
class HotspotQuery:
    unit: str = "ward"  # ward | lsoa | grid | hex
    fy: str | None = None  # default: the latest year held
    crime_types: tuple[str, ...] = ()  # default: all crime (ASB is never mixed in silently)
    cell_size: float | None = None
    lsoas: Path | None = None  # LSOA polygons instead of the dataset's
    lsoa_population: Path | None = None  # residents by LSOA instead of the dataset's
    measure: str = "count"
    correction: str = "fdr_bh"
    inference: str = "analytic"
    permutations: int = PERMUTATIONS
    seed: int = SEED
    across: str | None = None  # month | fy
    method: str = "sfhotspot"  # the patterns across periods: sfhotspot | ehsa
    rules: PatternRules = field(default_factory=PatternRules)  # for sfhotspot
    ehsa: EhsaRules = field(default_factory=EhsaRules)  # for ehsa


@dataclass(frozen=True)
class HotCount:
    """How many of a run's units are hot spots, at each confidence level: the one figure
    the map, the ward profile and the packs word ('9 of the 151 LSOAs were hot spots at 99%')."""
    fy: str
    unit: str  # ward | lsoa | grid | hex
    units: int  # every unit of the run, tested or not
    levels: tuple[tuple[str, int], ...]  # (level, hot units at it), strictest first: ('99%', 9), ...

    @property
    def hot(self) -> int:
        """Hot spots at 90% or more."""
        return sum(n for _, n in self.levels)


@dataclass
class HotspotRun:
    gistar: GiStar
    units: gpd.GeoDataFrame  # BNG, with the counts (and density inputs) per unit
    fy: str
    months: int
    unit: str
    outside: int
    lsoa_agreement: float | None = None
    patterns: pd.Series | None = None
    trend: pd.DataFrame | None = None  # ehsa: trend_tau, trend_p by unit_id
    ehsa: EhsaRules | None = None  # the rules, when the patterns are ehsa's
    periods: int = 0  # the periods with incidents the patterns rest on
    across: str | None = None  # month | fy, when there are patterns

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit, the columns the command prints."""
        table = self.gistar.table.copy()
        table["correction"] = self.gistar.correction
        if self.patterns is not None:
            table["pattern"] = table["unit_id"].map(self.patterns)
        if self.trend is not None:
            for column in ("trend_tau", "trend_p"):
                table[column] = table["unit_id"].map(self.trend[column])
        if "rate" in table:
            table["rate"] = table["rate"].round(3)
        return table[[c for c in OUTPUT_COLUMNS if c in table]]

    def hot_count(self) -> HotCount:
        """How many units are hot spots at each confidence level."""
        classes = self.gistar.table["class"].value_counts()
        return HotCount(self.fy, self.unit, len(self.gistar.table),
                        tuple((level, int(classes.get(f"hot {level}", 0))) for _, level in CONFIDENCE))

    def summary(self) -> str:
        classes = self.gistar.table["class"]
        hot = classes.str.startswith("hot").sum()
        cold = classes.str.startswith("cold").sum()
        parts = [self.gistar.method(),
                 f"{self.fy} ({self.months} month{'s' if self.months != 1 else ''}): "
                 f"{hot:,} hot and {cold:,} cold of {len(classes):,} {UNIT_NAMES[self.unit]} at 90% or more"]
        if self.gistar.islands:
            parts.append(f"{len(self.gistar.islands)} without neighbours, not tested")
        if self.outside:
            parts.append(f"{self.outside} incident(s) outside every unit, not counted")
        if self.lsoa_agreement is not None:
            parts.append(f"the LSOA found agrees with police.uk's LSOA code for "
                         f"{self.lsoa_agreement:.1%} of incidents")
        if self.ehsa is not None:
            periods = plural(self.periods, "month" if self.across == "month" else "year")
            parts.append(f"patterns: emerging hot spot analysis (Esri's classes) over {periods} with incidents, "
                         f"a unit significant in a period at adjusted p < {self.ehsa.alpha:g}, the Mann-Kendall "
                         f"trend of its Gi* z-scores (pymannkendall) at p < {self.ehsa.trend_alpha:g}")
        return "; ".join(parts)


def year_rows(dataset: Dataset, fy: str | None, crime_types: tuple[str, ...]) -> tuple[pd.DataFrame, str, int]:
    """The commands' selection: the incidents of one financial year (default: the latest
    held) of the crime types asked (or all crime), the year, and the months it covers."""
    held = dataset.financial_years
    fy = fy or held[-1]
    require_held([fy], held)
    categories = crime_or_asb(list(crime_types))
    incidents = dataset.incidents
    rows = incidents[(incidents["fy"] == fy) & incidents["category"].isin(categories)]
    months = int(incidents.loc[incidents["fy"] == fy, "month"].nunique())
    return rows, fy, months


def run_hotspots(dataset: Dataset, query: HotspotQuery) -> HotspotRun:
    rows, fy, months = year_rows(dataset, query.fy, query.crime_types)
    return hotspots_for_rows(dataset, rows, fy, months, query)


def unit_counts(dataset: Dataset, rows: pd.DataFrame, fy: str, query: HotspotQuery,
                ) -> tuple[gpd.GeoDataFrame, float | None]:
    """The query's units (BNG) with a ``count`` of ``rows`` in each, and for LSOAs the share
    of incidents whose LSOA found agrees with police.uk's own code."""
    units = study_units(dataset, query, fy)
    points = incident_points(rows)
    if query.unit in GRIDS:
        return count_by_grid(points, units), None
    placed = place_in_polygons(points, units, str(query.lsoas or UNIT_SOURCES[query.unit]))
    agreement = None
    if query.unit == "lsoa":
        found = placed >= 0
        agreement = float((units["unit_id"].to_numpy()[placed[found]]
                           == points["lsoa_code"].astype(str).to_numpy()[found]).mean())
    return counts_from_placement(units, placed), agreement


def run_concentration(dataset: Dataset, query: HotspotQuery) -> tuple[Concentration, str]:
    """How concentrated the year's incidents are over the query's units, and the year."""
    rows, fy, _ = year_rows(dataset, query.fy, query.crime_types)
    counted, _ = unit_counts(dataset, rows, fy, query)
    return concentration(counted["count"].to_numpy()), fy


def run_stability(dataset: Dataset, query: HotspotQuery, from_fy: str, to_fy: str,
                  top_share: float = TOP_SHARE) -> Stability:
    """How well the top units of ``from_fy`` predict where ``to_fy``'s incidents fall (the
    units are those of ``from_fy``: for wards, the dataset's; for grids, over the wards)."""
    check_top_share(top_share)
    earlier_rows, from_fy, _ = year_rows(dataset, from_fy, query.crime_types)
    later_rows, to_fy, _ = year_rows(dataset, to_fy, query.crime_types)
    return _stability_of(unit_counts(dataset, earlier_rows, from_fy, query)[0],
                         unit_counts(dataset, later_rows, from_fy, query)[0], from_fy, to_fy, top_share)


def _stability_of(earlier: gpd.GeoDataFrame, later: gpd.GeoDataFrame, from_fy: str, to_fy: str,
                  top_share: float) -> Stability:
    """stability() of two years' counts on the same units (BNG, so areas in square metres)."""
    index = pd.Index(earlier["unit_id"], name="unit_id")
    return stability(pd.Series(earlier["count"].to_numpy(), index=index),
                     pd.Series(later["count"].to_numpy(), index=index),
                     pd.Series(earlier.geometry.area.to_numpy(), index=index), from_fy, to_fy, top_share)


@dataclass(frozen=True)
class YearsCompared:
    """Gi* on the same units in two years, and where each year's hot spots are."""
    earlier: HotspotRun
    later: HotspotRun

    @property
    def table(self) -> pd.DataFrame:
        """One row per unit: each year's count (and rate), z-score and class, then
        ``hot_in``: 'both years', 'earlier year only', 'later year only' or 'neither year'."""
        first, second = self.earlier.table, self.later.table
        out = first[["unit_id", "unit_name"]].copy()
        for run, table in ((self.earlier, first), (self.later, second)):
            for column in ("count", "rate", "gi_z", "class"):
                if column in table:
                    out[f"{column}_{run.fy}"] = table[column].to_numpy()
        out["hot_in"] = hotspot_shift(first.set_index("unit_id")["class"],
                                      second.set_index("unit_id")["class"]).to_numpy()
        return out

    def summary(self) -> str:
        shifts = self.table["hot_in"].value_counts()
        counts = ", ".join(f"hot in {shift} {int(shifts.get(shift, 0)):,}" for shift in SHIFTS)
        return (f"{self.earlier.gistar.method()}; hot spots at {SHIFT_LEVEL} or more in "
                f"{self.earlier.fy} ({plural(self.earlier.months, 'month')}) and {self.later.fy} "
                f"({plural(self.later.months, 'month')}), each year tested on its own: {counts} "
                f"of {len(self.table)} {UNIT_NAMES[self.earlier.unit]}")


def run_compare_years(dataset: Dataset, query: HotspotQuery, earlier: str, later: str) -> YearsCompared:
    """Gi* in ``earlier`` and in ``later`` on the same units (the query's, as for one
    year), and whether each unit is a hot spot at 95% or more in both, one or neither."""
    if earlier == later:
        raise InputError(Problem(f"the two years are both {earlier}", "--compare-years",
                                 "give two different financial years, e.g. 2014-15 2019-20"))
    if later < earlier:
        raise InputError(Problem(f"{earlier} comes after {later}", "--compare-years",
                                 f"give the earlier year first: {later} {earlier}"))
    held = dataset.financial_years
    missing = [fy for fy in (earlier, later) if fy not in held]
    if missing:
        raise InputError(Problem(f"no data for financial year {', '.join(missing)}", "--compare-years",
                                 f"the dataset holds {', '.join(held)}"))
    runs = []
    for fy in (earlier, later):
        rows, fy, months = year_rows(dataset, fy, query.crime_types)
        runs.append(hotspots_for_rows(dataset, rows, fy, months, query))
    if not runs[0].gistar.table["unit_id"].equals(runs[1].gistar.table["unit_id"]):
        raise InputError(Problem("the two years were counted in different units", "--compare-years",
                                 "use the dataset's wards, one LSOA file or one grid for both"))
    return YearsCompared(*runs)


@dataclass(frozen=True)
class NoTest:
    """Why no hotspot test could be run on a selection (no incidents, every unit alike)."""

    reason: str

    @classmethod
    def of(cls, exc: InputError) -> NoTest:
        return cls("; ".join(p.what for p in exc.problems))


def hotspots_for_filters(dataset: Dataset, filters: Filters, fy: str, unit: str, method: str | None = None,
                         ) -> HotspotRun | NoTest:
    """Gi* by ``unit`` for what the dashboard's filters select in one year, with the
    space-time pattern of each unit over the year's months when a ``method`` (ehsa or
    sfhotspot) is given; NoTest, saying why, when nothing can be tested (no incidents of
    those types that year, too few months for the patterns)."""
    selection = select(dataset.incidents, filters)
    rows = selection.rows[selection.rows["fy"] == fy]
    query = HotspotQuery(unit=unit, across="month" if method else None, method=method or "sfhotspot")
    try:
        return hotspots_for_rows(dataset, rows, fy, selection.months_covered(fy), query)
    except InputError as exc:
        return NoTest.of(exc)


def years_compared_for_filters(dataset: Dataset, filters: Filters, unit: str) -> YearsCompared | NoTest:
    """Gi* by ``unit`` in the filters' first and last year, each year tested on its own (as
    'hotspots --compare-years' does): where the hot spots were in both, one or neither."""
    first, last = filters.fys[0], filters.fys[-1]
    if first == last:
        return NoTest("only one financial year is chosen: choose two to compare")
    runs = [hotspots_for_filters(dataset, filters, fy, unit) for fy in (first, last)]
    failed = [run for run in runs if isinstance(run, NoTest)]
    return failed[0] if failed else YearsCompared(*runs)


def small_areas(dataset: Dataset) -> str:
    """The small areas the dashboard measures concentration and stability over: the
    dataset's LSOAs (areas of about 1,500 residents, with their population), else grid
    squares."""
    return "lsoa" if dataset.lsoas is not None else "grid"


def unit_label(dataset: Dataset, unit: str) -> str:
    """What the units are called in a sentence: 'wards', 'grid squares of 250 m'."""
    if unit in GRIDS:
        size = default_cell_size(dataset.wards_bng)
        return f"{'grid squares' if unit == 'grid' else 'hexagons'} of {size:g} m"
    return UNIT_NAMES[unit]


def _year_counts(dataset: Dataset, selection: Selection, fy: str, units_fy: str, unit: str) -> gpd.GeoDataFrame:
    """The units of ``units_fy`` with a count of the selection's incidents in ``fy``."""
    counted, _ = unit_counts(dataset, selection.rows[selection.rows["fy"] == fy], units_fy, HotspotQuery(unit=unit))
    return counted


def unit_measures_for_filters(dataset: Dataset, filters: Filters, fy: str, unit: str) -> gpd.GeoDataFrame:
    """What the filters select in one year, per unit (BNG): count, per_month and rate (per
    1,000 residents a year, NaN where the unit has no population known)."""
    selection = select(dataset.incidents, filters)
    months = selection.months_covered(fy)
    counted = add_rates(_year_counts(dataset, selection, fy, fy, unit), months)
    counted["per_month"] = counted["count"] / max(months, 1)
    return counted


def concentration_for_filters(dataset: Dataset, filters: Filters, fy: str, unit: str) -> Concentration | NoTest:
    """How concentrated what the filters select in one year is over ``unit``; NoTest,
    saying why, when there is nothing to measure."""
    try:
        counted = _year_counts(dataset, select(dataset.incidents, filters), fy, fy, unit)
        return concentration(counted["count"].to_numpy())
    except InputError as exc:
        return NoTest.of(exc)


def stability_for_filters(dataset: Dataset, filters: Filters, unit: str,
                          top_share: float = TOP_SHARE) -> Stability | NoTest:
    """Whether the top units of the filters' first year predict where the last year's
    incidents fall (both counted on the units of the first year, as 'sia stability' does);
    NoTest when it cannot be measured."""
    first, last = filters.fys[0], filters.fys[-1]
    selection = select(dataset.incidents, filters)
    try:
        return _stability_of(_year_counts(dataset, selection, first, first, unit),
                             _year_counts(dataset, selection, last, first, unit), first, last, top_share)
    except InputError as exc:
        return NoTest.of(exc)


def hotspots_for_rows(dataset: Dataset, rows: pd.DataFrame, fy: str, months: int,
                      query: HotspotQuery) -> HotspotRun:
    """Gi* on the incidents ``rows`` (one financial year covering ``months`` months)."""
    if len(rows) == 0:
        raise InputError(Problem(f"no incidents of the chosen types in {fy}", "the selection",
                                 "choose another financial year or more crime types"))
    counted, agreement = unit_counts(dataset, rows, fy, query)
    counted = add_rates(counted, months)
    result = hotspots_gistar(counted, query.measure, permutations=query.permutations, seed=query.seed,
                             correction=query.correction, inference=query.inference)
    run = HotspotRun(gistar=result, units=counted, fy=fy, months=months, unit=query.unit,
                     outside=counted.attrs.get("outside", 0), lsoa_agreement=agreement)
    if query.method not in PATTERN_METHODS:
        raise InputError(Problem(f"unknown pattern method {query.method!r}", "--method",
                                 f"use one of {', '.join(PATTERN_METHODS)}"))
    run.across = query.across
    if query.across and query.method == "ehsa":
        emerging = emerging_hotspots(incident_points(rows), counted, query.across, rules=query.ehsa,
                                     correction=query.correction)
        run.patterns, run.trend, run.ehsa = emerging["pattern"], emerging[["trend_tau", "trend_p"]], query.ehsa
        run.periods = emerging.attrs["periods"]
    elif query.across:
        # A unit is significant in a period at the strictest level the classes show.
        run.patterns, significance = hotspots_by_period(incident_points(rows), counted, query.across,
                                                        alpha=CONFIDENCE[1][0], rules=query.rules,
                                                        correction=query.correction)
        run.periods = significance.shape[1]
    return run


def study_units(dataset: Dataset, query: HotspotQuery, fy: str) -> gpd.GeoDataFrame:
    if query.unit == "ward":
        return ward_units(dataset.wards, population_column(fy))
    if query.unit == "grid":
        return grid_units(dataset.wards, query.cell_size)
    if query.unit == "hex":
        return hex_units(dataset.wards, query.cell_size)
    if query.lsoas is not None:
        units = read_lsoa_units(query.lsoas)
        if dataset.lsoas is not None:  # the dataset's population, where the codes are its LSOAs'
            held = dataset.lsoas.set_index("lsoa_code")
            column = population_column(fy)
            units["population"] = units["unit_id"].map(held[column] if column in held
                                                       else pd.Series(dtype=float)).to_numpy(dtype=float)
    else:
        units = dataset_lsoa_units(dataset, fy)
    if query.lsoa_population is not None:
        units["population"] = units["unit_id"].map(lsoa_population(query.lsoa_population)).to_numpy(dtype=float)
    return units


def dataset_lsoa_units(dataset: Dataset, fy: str | None = None) -> gpd.GeoDataFrame:
    """The dataset's LSOAs as units in British National Grid: ``unit_id`` (the LSOA code),
    ``unit_name``, ``ward_code``, ``ward`` (its name), ``area_km2`` and ``population`` in
    ``fy`` (default: the latest year held; NaN where the build has no population for it).
    InputError, saying how to add them, for a build made without LSOA boundaries."""
    if dataset.lsoas is None:
        raise InputError(Problem("the dataset holds no LSOAs", "--unit lsoa",
                                 "rebuild it with 'python -m sia ingest ... --lsoas FILE' (or 'fetch'), "
                                 "or pass --lsoas FILE, e.g. ../shared/data/boundaries/lsoa_2011_derby.geojson"))
    units = lsoa_units(dataset.lsoas, population_column(fy or dataset.financial_years[-1]))
    units["area_km2"] = dataset.lsoas["area_km2"].to_numpy(dtype=float)
    check_units(units, UNIT_SOURCES["lsoa"])
    return units


def unit_hotspot_sentence(run: HotspotRun, unit_name: str, subject: str, quote=str) -> str:
    """Whether one unit is a hotspot, in words (with **bold**), with the method and
    correction named. ``quote`` makes the unit's name safe for where the sentence goes
    (sia.views.shown_text.markdown_text for Streamlit)."""
    row = run.gistar.table.set_index("unit_name").loc[unit_name]
    name = quote(unit_name)
    label = row["class"]
    if label.startswith(("hot", "cold")):
        kind, level = label.split()
        finding = (f"**{name} is a {'hotspot' if kind == 'hot' else 'coldspot'}** for {subject} "
                   f"at {level} confidence")
    elif label == "not significant":
        finding = f"{name} is **not a significant hotspot or coldspot** for {subject}"
    else:
        finding = f"{name} has no neighbouring {UNIT_NAMES[run.unit]}, so it was not tested"
    detail = ("" if pd.isna(row["gi_z"]) else
              f" (Gi* z = {row['gi_z']:+.2f}, adjusted p = {row['p_adjusted']:.3g})")
    return (f"{run.fy}: {finding}{detail}. Method: Getis-Ord Gi* with its neighbouring "
            f"{UNIT_NAMES[run.unit]}, p-values adjusted by {run.gistar.correction_label} "
            f"({run.gistar.correction}).")
