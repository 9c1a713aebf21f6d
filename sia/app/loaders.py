"""Cached loading at the data boundary: the dataset (one copy shared by every session,
keyed by its build), and the figures that depend only on it and the filters."""
from __future__ import annotations

import functools
import gc
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from sia.analysis import violence
from sia.analysis.assessment import assess
from sia.analysis.concentration import Concentration
from sia.analysis.counts import count_incidents
from sia.analysis.filters import Filters
from sia.analysis.hotspots.runs import (
    HotCount,
    HotspotRun,
    NoTest,
    YearsCompared,
    concentration_for_filters,
    hotspots_for_filters,
    stability_for_filters,
    unit_hotspot_sentence,
    unit_measures_for_filters,
    years_compared_for_filters,
)
from sia.analysis.measures import (
    categories_against_city,
    category_mix,
    change_by_ward_and_category,
    headline,
    monthly_series,
    select,
    top_locations,
    ward_change,
    ward_measures,
)
from sia.analysis.outcomes import OUTCOME_GROUPS, OutcomeGroups, count_outcomes, load_outcome_groups, outcome_mix
from sia.analysis.peers import peer_table
from sia.analysis.priorities.evidence import (
    change_between,
    evidence_table,
    named_against_found,
    second_indicator,
    volumes,
    ward_ranking,
)
from sia.analysis.priorities.register import CITY, Register, read_register, register_in_use
from sia.analysis.stability import Stability
from sia.app.caching import cache_data
from sia.app.heavy import in_worker, warm_up
from sia.categories import ANTI_SOCIAL_BEHAVIOUR
from sia.dataset.denominators import Deprivation, deprivation_of
from sia.dataset.location import configured_data_dir, resolve_data_dir
from sia.dataset.store import Dataset, current_build, open_dataset
from sia.errors import InputError, Problem
from sia.periods import MONTH_PATTERN, fy_months
from sia.views.shown_text import markdown_text, shown
from sia.views.tables import (
    EvidenceSummary,
    counts_by_force,
    counts_by_ward_and_year,
    counts_by_year_and_category,
    coverage_grid,
    evidence_summary,
    named_against_found_table,
    set_table,
)
from sia.views.wording import significance_cell


def _open(data_dir: str, build_id: str, wards_of: str = "") -> Dataset:
    """The build, on the ward set in force in the month ``wards_of`` when given (a key's
    third part, see dataset_key), else on its latest wards."""
    return _on_wards_of(data_dir, build_id, wards_of) if wards_of else _open_build(data_dir, build_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def _on_wards_of(data_dir: str, build_id: str, wards_of: str) -> Dataset:
    return _open_build(data_dir, build_id).on_wards_of(wards_of)


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_build(data_dir: str, build_id: str) -> Dataset:
    # Keyed by the build id, so a new build is picked up; one copy shared by all sessions.
    # Callers must not modify the frames.
    dataset = open_dataset(Path(data_dir), served=True, build_id=build_id)  # this build, even if replaced since
    # What the server holds from now on (the dataset, the modules loaded so far) is left out
    # of Python's cyclic garbage collection, which would otherwise walk it all every few page
    # views. Reference counting still frees what is let go (a replaced build's frames); only
    # cycles among objects alive now (sessions open at this moment) would outlive them.
    gc.freeze()
    warm_up(_open_in_worker, data_dir, build_id)  # before the first heavy view
    return dataset


def _open_in_worker(data_dir: str, build_id: str) -> None:
    _open_build(data_dir, build_id)

@st.cache_resource(show_spinner="Preparing the dataset (the synthetic demo is built on first run)...")
def _data_dir(configured: str | None) -> str:
    # Keyed by $SIA_DATA_DIR's value; cached so that concurrent first sessions build the
    # demo once, not side by side.
    return str(resolve_data_dir())

def current_dataset() -> Dataset:
    """The configured dataset, or the demo (built on first use), from the cache; InputError
    when it cannot be opened."""
    configured = configured_data_dir()
    data_dir = Path(_data_dir(str(configured) if configured else None))
    build = current_build(data_dir)
    if build is None:  # removed since it was found: find it again
        _data_dir.clear()
        st.rerun()
    return _open(str(data_dir), build.name, wards_of(_open_build(str(data_dir), build.name)))


WARDS_PARAM = "wards"  # ?wards=2022-06: the wards in force that month (sia.app.sidebar.ward_set_choice)
WARDS_KEPT = "_sia_wards_of"  # the same, kept in the session across page switches


def wards_of(dataset: Dataset) -> str:
    """The month ?wards= names, when the dataset holds an earlier ward set in force then;
    '' for the latest wards (a month of theirs, none, or anything else)."""
    month = st.query_params.get(WARDS_PARAM) or st.session_state.get(WARDS_KEPT, "")
    if len(dataset.ward_sets) < 2 or not (isinstance(month, str) and re.fullmatch(MONTH_PATTERN, month)):
        return ""
    try:  # from the manifest alone: the view itself is opened once, by _on_wards_of
        k = dataset.ward_set_in_force(month)
    except InputError:
        return ""
    return "" if k == len(dataset.ward_sets) - 1 else dataset.ward_sets[k]["last_month"]


def dataset_of(key: tuple[str, str]) -> Dataset:
    """The dataset of ``dataset_key``'s key, opened once per process (and per build)."""
    return _open(*key)


def forget_data_dir() -> None:
    """Find the data directory afresh on the next run (a build may have taken over from the
    demo). Builds are cached by id, so a new one is opened fresh."""
    _data_dir.clear()


def dataset_key(dataset: Dataset) -> tuple[str, ...]:
    """What cached figures are keyed by: the data directory, the build and, for the dataset
    on an earlier ward set, the month whose wards it uses."""
    key = (str(dataset.build.parent.parent), dataset.build_id)
    return key + (dataset.manifest["wards_of"],) if dataset.manifest.get("wards_of") else key

def _ward_left_out(cached):
    """``cached(key, filters, ...)``, a figure that does not depend on the selected ward,
    called with the ward left out of its key: selecting a ward (a map click) recomputes
    nothing."""
    @functools.wraps(cached)
    def call(key: tuple[str, str], filters: Filters, *args, **kwargs):
        return cached(key, without_ward(filters), *args, **kwargs)
    return call

@_ward_left_out
@cache_data(max_entries=64)
def ward_table(key: tuple[str, str], filters: Filters):
    """ward_measures for the filters, cached per build."""
    dataset = _open(*key)
    return ward_measures(select(dataset.incidents, filters), dataset.wards)

@_ward_left_out
@cache_data(max_entries=64)
def ward_changes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    """ward_change between the filters' two years, cached per build."""
    return ward_change(ward_table(key, filters), filters.fys)

@_ward_left_out
@cache_data(max_entries=64)
def biggest_changes(key: tuple[str, str], filters: Filters, n: int = 8) -> pd.DataFrame:
    """The ``n`` wards whose incidents a month changed most between the filters' two years,
    as the overview shows them (by ward: each year a month, the change, in %, and whether
    it is significant, in words)."""
    years = filters.fys
    change = ward_changes(key, filters).dropna(subset=["change"])
    change = change.reindex(change["change"].abs().sort_values(ascending=False).index).head(n)
    change["significant"] = [significance_cell(sig, p) for sig, p in zip(change["significant"], change["p_value"])]
    return change[["before", "after", "change", "change_pct", "significant"]].rename(columns={
        "before": f"{years[0]} a month", "after": f"{years[1]} a month", "change": "Change a month",
        "change_pct": "Change (%)", "significant": "Significant?"}).rename_axis("Ward")

@cache_data(max_entries=32)
def _category_changes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    # Hundreds of exact tests, too many to redo on every run or for every ward selected.
    return change_by_ward_and_category(select(_open(*key).incidents, filters))

@_ward_left_out
@cache_data(max_entries=64)
def category_changes(key: tuple[str, str], filters: Filters, ward: str) -> pd.DataFrame:
    """The ward's rows of change_by_ward_and_category for what the filters select, largest
    change first, cached per build."""
    changes = _category_changes(key, filters)
    mine = changes[changes["ward_name"] == ward]
    return mine.reindex(mine["change"].abs().sort_values(ascending=False).index)

# The heavy figures (Gi* and the space-time patterns, every unit's measures, the years
# compared) are made by a worker process (sia.app.heavy) and cached here: the worker calls
# the module-level function given (which opens the dataset in the worker).

def _hotspots(key: tuple[str, str], filters: Filters, fy: str, unit: str, method: str | None):
    return hotspots_for_filters(_open(*key), filters, fy, unit, method)


@_ward_left_out
@cache_data(max_entries=32, show_spinner="Testing for hotspots (Getis-Ord Gi*)...")
def hotspot_run(key: tuple[str, str], filters: Filters, fy: str, unit: str,
                method: str | None = None) -> HotspotRun | NoTest:
    """Gi* by unit for what the filters select in one year (with the space-time patterns of
    ``method`` over its months, if given), cached per build; NoTest, saying why, when
    nothing can be tested."""
    return in_worker(_hotspots, key, filters, fy, unit, method)

@_ward_left_out
@cache_data(max_entries=64)
def hotspot_finding(key: tuple[str, str], filters: Filters, fy: str, unit: str, unit_name: str) -> str:
    """Whether one unit was a hotspot in ``fy``, in words (Markdown, its name quoted), or why
    nothing was tested; cached per build (the test's tables stay in the cache)."""
    run = hotspot_run(key, filters, fy, unit, None)  # as the map asks for it: one cached run
    if isinstance(run, NoTest):
        return f"{fy}: no hotspot test ({shown(run.reason)})"
    return unit_hotspot_sentence(run, unit_name, filters.subject(), quote=markdown_text)

@_ward_left_out
@cache_data(max_entries=64)
def hot_count(key: tuple[str, str], filters: Filters, fy: str, unit: str) -> HotCount | NoTest:
    """How many units are Gi* hot spots in ``fy`` at each level, from the map's own cached
    run; NoTest, saying why, when nothing can be tested."""
    run = hotspot_run(key, filters, fy, unit, None)  # as the map asks for it: one cached run
    return run if isinstance(run, NoTest) else run.hot_count()

@cache_data(max_entries=16, show_spinner="Testing for hotspots in each year (Getis-Ord Gi*)...")
def years_compared(key: tuple[str, str], filters: Filters, unit: str) -> YearsCompared | NoTest:
    """years_compared_for_filters, cached per build (pass filters without the ward)."""
    return in_worker(_years_compared, key, filters, unit)


def _years_compared(key: tuple[str, str], filters: Filters, unit: str):
    return years_compared_for_filters(_open(*key), filters, unit)

@cache_data(max_entries=32)
def unit_measures(key: tuple[str, str], filters: Filters, fy: str, unit: str):
    """unit_measures_for_filters, cached per build (pass filters without the ward)."""
    return in_worker(_unit_measures, key, filters, fy, unit)


def _unit_measures(key: tuple[str, str], filters: Filters, fy: str, unit: str):
    return unit_measures_for_filters(_open(*key), filters, fy, unit)

@cache_data(max_entries=32)
def concentration(key: tuple[str, str], filters: Filters, fy: str, unit: str) -> Concentration | NoTest:
    """concentration_for_filters, cached per build (pass filters without the ward)."""
    return in_worker(_concentration, key, filters, fy, unit)


def _concentration(key: tuple[str, str], filters: Filters, fy: str, unit: str):
    return concentration_for_filters(_open(*key), filters, fy, unit)

@cache_data(max_entries=32)
def stability(key: tuple[str, str], filters: Filters, unit: str) -> Stability | NoTest:
    """stability_for_filters between the filters' first and last year, cached per build."""
    return in_worker(_stability, key, filters, unit)


def _stability(key: tuple[str, str], filters: Filters, unit: str):
    return stability_for_filters(_open(*key), filters, unit)

# The pages' figures, each made once per build and filter set and shared by every session:
# a page view then only looks them up, whatever the size of the data. The selected ward is
# left out of the key where the figure is of the whole city; given where it is the ward's.

@_ward_left_out
@cache_data(max_entries=64)
def headline_figures(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    """headline (crime and ASB per month, per year) of what the filters select."""
    return headline(_open(*key).incidents, filters)

@_ward_left_out
@cache_data(max_entries=64)
def monthly_counts(key: tuple[str, str], filters: Filters, ward: str | None = None) -> pd.DataFrame:
    """monthly_series of what the filters select, in ``ward`` or the city."""
    return monthly_series(select(_open(*key).incidents, filters), ward)

@_ward_left_out
@cache_data(max_entries=64)
def category_mixes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    """category_mix of the city for the filters' years and months."""
    return category_mix(_open(*key).incidents, filters)

@_ward_left_out
@cache_data(max_entries=64)
def against_city(key: tuple[str, str], filters: Filters, ward: str) -> pd.DataFrame:
    """categories_against_city: ``ward``'s rates by category beside Derby's."""
    dataset = _open(*key)
    return categories_against_city(dataset.incidents, dataset.wards, filters, ward)

@_ward_left_out
@cache_data(max_entries=64)
def busiest_places(key: tuple[str, str], filters: Filters, ward: str) -> pd.DataFrame:
    """top_locations: the places in ``ward`` with most of what the filters select."""
    return top_locations(select(_open(*key).incidents, filters), ward)

@cache_data(max_entries=64)
def ward_deprivation(key: tuple[str, str], ward: str) -> list[Deprivation]:
    """deprivation_of the ward, cached per build."""
    return deprivation_of(_open(*key).wards, ward)

@cache_data(max_entries=4)
@cache_data(max_entries=16)
def peer_figures(key: tuple[str, ...], fy: str, incident_type: str) -> pd.DataFrame | None:
    """The area against the other districts of its force (sia.analysis.peers), or None for a
    dataset without them."""
    dataset = _open(*key)
    if dataset.peers is None:
        return None
    return peer_table(dataset.peers, dataset.districts, dataset.area.districts, fy, dataset.months, incident_type)

def data_tables(key: tuple[str, str]) -> dict[str, pd.DataFrame | int]:
    """The Data page's tables of the whole dataset: ASB incidents, the months covered, incidents
    by year and category, and by ward and year."""
    incidents = _open(*key).incidents
    return {"asb": int((incidents["category"] == ANTI_SOCIAL_BEHAVIOUR).sum()),
            "coverage": coverage_grid(incidents), "by_year_and_category": counts_by_year_and_category(incidents),
            "by_ward_and_year": counts_by_ward_and_year(incidents), "by_force": counts_by_force(incidents)}

@_ward_left_out
@cache_data(max_entries=32)
def incident_counts(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    """What the filters select, counted by ward, crime type, year and month (every
    combination, zeros too) in the filters' years."""
    counts = count_incidents(select(_open(*key).incidents, filters).rows, ["ward", "crime_type", "fy", "month"],
                             crime_types=list(filters.categories))
    return counts[counts["fy"].isin(filters.fys)]

@_ward_left_out
@cache_data(max_entries=64)
def selected_total(key: tuple[str, str], filters: Filters) -> int:
    """How many incidents the filters select."""
    return len(select(_open(*key).incidents, filters).rows)

def selected_incidents(key: tuple[str, str], filters: Filters, columns: list[str]) -> pd.DataFrame:
    """The incidents the filters select, with ``columns`` (which may name a column the
    server leaves unread, such as crime_id: it is read from the build). Not cached: made
    for a download, when it is clicked."""
    dataset = _open(*key)
    rows = select(dataset.incidents, filters).rows
    unread = {c: dataset.column(c).loc[rows.index] for c in columns if c not in rows}
    return rows.assign(**unread)[columns]

@cache_data(max_entries=32)
def priority_figures(key: tuple[str, str], version: tuple[str, int], priority_id: str, fys: tuple[str, ...],
                     ranking_fy: str) -> dict:
    """One priority's volumes, its change between the two years (None with one year, or when
    it cannot be tested), its ward ranking in ``ranking_fy``, and the wards the document names
    against those found (named_against_found) as shown, with how many of the named wards are
    among the highest; per build and register version."""
    dataset = _open(*key)
    priority = _register(*version).priorities[priority_id]
    ranking = ward_ranking(dataset.incidents, dataset.wards, priority, ranking_fy)
    against = named_against_found(ranking, priority.wards)
    return {"volumes": volumes(dataset.incidents, dataset.wards, priority, list(fys)),
            "change": change_between(dataset.incidents, priority, dataset.months, list(fys)) if len(fys) == 2 else None,
            "ranking": ranking,
            "against": named_against_found_table(against, ranking["measure"].iloc[0]),
            "named_in_top": int((against["named"] & against["in_top"]).sum()),
            "second": second_indicator(priority, dataset.stops, dataset.stop_months, dataset.wards, dataset.lsoas,
                                       tuple(fys), ranking_fy)}

def without_ward(filters: Filters) -> Filters:
    return replace(filters, ward=None)

def _validated(read, path: Path, what: str):
    """``read(path, mtime)`` of a data file the pages rely on, re-read when the file
    changes; a malformed file (whatever it holds: the readers give every fault as an
    InputError) stops the page with the validation messages, shown as text."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0  # missing or unreadable: the reader says which
    try:
        return read(str(path), mtime)
    except InputError as exc:
        st.error(f"{what} cannot be read:\n\n" + "\n".join(f"- {shown(p)}" for p in exc.problems))
        st.stop()

def register_version(key: tuple[str, str]) -> tuple[str, int]:
    """The register the dataset's figures are held against (the one loaded into its data
    directory, else data/priorities.toml) and its version (modification time), which the
    cached figures are keyed by; a damaged one stops the page saying so."""
    try:
        path = register_in_use(Path(key[0]))
        return (str(path), path.stat().st_mtime_ns) if path is not None else NO_REGISTER_VERSION
    except (InputError, OSError) as exc:
        problems = exc.problems if isinstance(exc, InputError) else [Problem(str(exc))]
        st.error("The priority register cannot be read:\n\n" + "\n".join(f"- {shown(p)}" for p in problems))
        st.stop()


NO_REGISTER_VERSION = ("", 0)  # the area has no register (register_in_use)

def priority_register(version: tuple[str, int], city_years: tuple[str, ...] = ()) -> Register:
    """The priority register in use (register_version), validated; with ``city_years``, it
    must hold a city set for each of those years, with a priority police.uk data can
    indicate among them (what the Priorities page compares), or the page stops saying what
    is missing."""
    if version == NO_REGISTER_VERSION:
        return read_register(None)  # holds no set: a page asking for years says what to load
    return _validated(functools.partial(_register_for, city_years=city_years), Path(version[0]),
                      "The priority register")

def _register_for(path: str, mtime: int, city_years: tuple[str, ...]) -> Register:
    register = _register(path, mtime)
    years = {s.fy for s in register.sets.values() if s.kind == CITY}
    problems = [Problem(f"has no city priority set for {fy}", path,
                        f"add a [[set]] for {fy}: the Priorities page compares the city sets of "
                        f"{' and '.join(city_years)}") for fy in city_years if fy not in years]
    if city_years and not problems and not any(
            p.measurable for fy in city_years for p in register.in_set(register.city_set(fy).id)):
        problems.append(Problem(f"no city priority of {' or '.join(city_years)} has an indicator in "
                                "police.uk data", path,
                                "give one the indicator direct or partial, with its categories"))
    if problems:
        raise InputError(problems)
    return register

def outcome_groups() -> OutcomeGroups:
    """The outcome groups (data/outcomes.toml), validated."""
    return _validated(_outcome_groups, OUTCOME_GROUPS, "The outcome groups")

@cache_data(max_entries=2)
def _outcome_groups(path: str, mtime: int) -> OutcomeGroups:
    return load_outcome_groups(Path(path))

@_ward_left_out
@cache_data(max_entries=32, hash_funcs={OutcomeGroups: repr})
def outcome_counts(key: tuple[str, str], filters: Filters, groups: OutcomeGroups, by: list[str]) -> pd.DataFrame:
    """count_outcomes of what the filters select (crime only) by ``by``, cached per build."""
    rows = select(_open(*key).incidents, filters).rows
    return count_outcomes(rows, by, groups, crime_types=list(filters.categories))

@cache_data(max_entries=64, hash_funcs={OutcomeGroups: repr})
def outcome_mixes(key: tuple[str, str], filters: Filters, groups: OutcomeGroups) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The outcome mix (sia.analysis.outcomes.outcome_mix) of what the filters select, in
    the filters' ward when they name one, and of the same selection in all Derby; cached
    per build and outcome groups."""
    rows = select(_open(*key).incidents, without_ward(filters)).rows
    mine = rows[rows["ward_name"] == filters.ward] if filters.ward else rows
    return outcome_mix(mine, groups), outcome_mix(rows, groups)

@cache_data(max_entries=2)
def _register(path: str, mtime: int) -> Register:
    return read_register(Path(path) if path else None)

@cache_data(max_entries=8)
def priority_set_table(version: tuple[str, int], set_id: str) -> pd.DataFrame:
    """set_table of the register's set ``set_id``, per register version."""
    return set_table(_register(*version), set_id)

@cache_data(max_entries=8)
def priority_summary(key: tuple[str, str], version: tuple[str, int], fys: tuple[str, ...],
                     sets: tuple[str, ...]) -> EvidenceSummary:
    """evidence_summary of the evidence_table for the city sets: the Priorities page's
    table, made once per build and register version."""
    dataset, register = _open(*key), _register(*version)
    evidence = evidence_table(register, dataset.incidents, dataset.wards, dataset.months, fys, sets)
    return evidence_summary(evidence, register, fys)


@cache_data(max_entries=32)
def violence_picture(key: tuple[str, str], fy: str, chosen: tuple[str, ...]) -> dict:
    """The Serious violence page's figures for one year (sia.analysis.violence): the months
    counted (of the ``chosen`` months, as the sidebar's years and matched months count them,
    those both the street and any stop-and-search files cover), the monthly series, the ward
    table and where the searches go against where the violence is (empty without
    stop-and-search files)."""
    dataset = _open(*key)
    held = [m for m in fy_months(fy) if m in dataset.months and m in chosen]
    months = [m for m in held if m in dataset.stop_months] if dataset.stops is not None else held
    picture = {"months": months or held, "stop_months": [m for m in held if m in dataset.stop_months]}
    picture["monthly"] = violence.monthly(dataset.incidents, dataset.stops, held, dataset.stop_months)
    picture["wards"] = violence.by_ward(dataset.incidents, dataset.stops if months else None, dataset.wards, fy,
                                        picture["months"])
    picture["alignments"] = (violence.alignments(dataset.incidents, dataset.stops, dataset.wards, dataset.lsoas,
                                                 months) if dataset.stops is not None and months else [])
    return picture


@cache_data(max_entries=16)
def strategic_assessment(key: tuple[str, str], version: tuple[str, int], fy: str, against: str | None,
                         weights: tuple[tuple[str, float], ...], harm: tuple[tuple[str, float], ...]):
    """sia.analysis.assessment.assess of a year, per build, register version and weights."""
    dataset = _open(*key)
    return assess(dataset.incidents, dataset.wards, dataset.lsoas, dataset.months, _register(*version),
                  load_outcome_groups(), fy, against, dict(weights), dict(harm))
