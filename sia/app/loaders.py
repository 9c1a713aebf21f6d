"""Cached loading at the data boundary: the dataset (one copy shared by every session,
keyed by its build), and the figures that depend only on it and the filters."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from sia.analysis.concentration import Concentration
from sia.analysis.filters import Filters
from sia.analysis.hotspots.runs import (
    HotspotRun,
    NoTest,
    YearsCompared,
    concentration_for_filters,
    hotspots_for_filters,
    stability_for_filters,
    unit_measures_for_filters,
    years_compared_for_filters,
)
from sia.analysis.measures import change_by_ward_and_category, select, ward_change, ward_measures
from sia.analysis.outcomes import OUTCOME_GROUPS, OutcomeGroups, count_outcomes, load_outcome_groups, outcome_mix
from sia.analysis.priorities.evidence import evidence_table
from sia.analysis.priorities.register import REGISTER, Register, load_register
from sia.analysis.stability import Stability
from sia.dataset.location import configured_data_dir, resolve_data_dir
from sia.dataset.store import Dataset, current_build, open_dataset
from sia.errors import InputError
from sia.views.shown_text import shown


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(data_dir: str, build_id: str) -> Dataset:
    # Keyed by the build id, so a new build is picked up; one copy shared by all sessions.
    # Callers must not modify the frames.
    return open_dataset(Path(data_dir))

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
    return _open(str(data_dir), build.name)


def forget_data_dir() -> None:
    """Find the data directory afresh on the next run (a build may have taken over from the
    demo). Builds are cached by id, so a new one is opened fresh."""
    _data_dir.clear()


def dataset_key(dataset: Dataset) -> tuple[str, str]:
    return str(dataset.build.parent.parent), dataset.build_id

def ward_table(key: tuple[str, str], filters: Filters):
    """ward_measures for the filters, cached per build. The selected ward is left out of
    the key: selecting a ward (a map click) recomputes nothing."""
    return _ward_table(key, without_ward(filters))

@st.cache_data(max_entries=64, show_spinner=False)
def _ward_table(key: tuple[str, str], filters: Filters):
    dataset = _open(*key)
    return ward_measures(select(dataset.incidents, filters), dataset.wards)

def ward_changes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    """ward_change between the filters' two years, cached per build (the ward left out)."""
    return _ward_changes(key, without_ward(filters))

@st.cache_data(max_entries=64, show_spinner=False)
def _ward_changes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    return ward_change(_ward_table(key, filters), filters.fys)

def category_changes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    """change_by_ward_and_category for what the filters select, cached per build (the ward
    left out): hundreds of exact tests, too many to redo on every run."""
    return _category_changes(key, without_ward(filters))

@st.cache_data(max_entries=32, show_spinner=False)
def _category_changes(key: tuple[str, str], filters: Filters) -> pd.DataFrame:
    return change_by_ward_and_category(select(_open(*key).incidents, filters))

def hotspot_run(key: tuple[str, str], filters: Filters, fy: str, unit: str,
                method: str | None = None) -> HotspotRun | NoTest:
    """Gi* by unit for what the filters select in one year (with the space-time patterns of
    ``method`` over its months, if given), cached per build (the selected ward left out of
    the key); NoTest, saying why, when nothing can be tested."""
    return _hotspot_run(key, without_ward(filters), fy, unit, method)

@st.cache_data(max_entries=32, show_spinner="Testing for hotspots (Getis-Ord Gi*)...")
def _hotspot_run(key: tuple[str, str], filters: Filters, fy: str, unit: str,
                 method: str | None) -> HotspotRun | NoTest:
    return hotspots_for_filters(_open(*key), filters, fy, unit, method)

@st.cache_data(max_entries=16, show_spinner="Testing for hotspots in each year (Getis-Ord Gi*)...")
def years_compared(key: tuple[str, str], filters: Filters, unit: str) -> YearsCompared | NoTest:
    """years_compared_for_filters, cached per build (pass filters without the ward)."""
    return years_compared_for_filters(_open(*key), filters, unit)

@st.cache_data(max_entries=32, show_spinner=False)
def unit_measures(key: tuple[str, str], filters: Filters, fy: str, unit: str):
    """unit_measures_for_filters, cached per build (pass filters without the ward)."""
    return unit_measures_for_filters(_open(*key), filters, fy, unit)

@st.cache_data(max_entries=32, show_spinner=False)
def concentration(key: tuple[str, str], filters: Filters, fy: str, unit: str) -> Concentration | NoTest:
    """concentration_for_filters, cached per build (pass filters without the ward)."""
    return concentration_for_filters(_open(*key), filters, fy, unit)

@st.cache_data(max_entries=32, show_spinner=False)
def stability(key: tuple[str, str], filters: Filters, unit: str) -> Stability | NoTest:
    """stability_for_filters between the filters' first and last year, cached per build."""
    return stability_for_filters(_open(*key), filters, unit)

def without_ward(filters: Filters) -> Filters:
    return replace(filters, ward=None)

def _validated(read, path: Path, what: str):
    """``read(path, mtime)`` of a data file the pages rely on, re-read when the file
    changes; a malformed file stops the page with the validation messages."""
    try:
        return read(str(path), path.stat().st_mtime_ns)
    except InputError as exc:
        st.error(f"{what} cannot be read:\n\n" + "\n".join(f"- {shown(p)}" for p in exc.problems))
        st.stop()

def priority_register() -> Register:
    """The priority register (data/priorities.toml), validated."""
    return _validated(_register, REGISTER, "The priority register")

def outcome_groups() -> OutcomeGroups:
    """The outcome groups (data/outcomes.toml), validated."""
    return _validated(_outcome_groups, OUTCOME_GROUPS, "The outcome groups")

@st.cache_data(show_spinner=False, max_entries=2)
def _outcome_groups(path: str, mtime: int) -> OutcomeGroups:
    return load_outcome_groups(Path(path))

@st.cache_data(max_entries=32, show_spinner=False, hash_funcs={OutcomeGroups: repr})
def outcome_counts(key: tuple[str, str], filters: Filters, groups: OutcomeGroups, by: list[str]) -> pd.DataFrame:
    """count_outcomes of what the filters select (crime only) by ``by``, cached per build."""
    rows = select(_open(*key).incidents, without_ward(filters)).rows
    return count_outcomes(rows, by, groups, crime_types=list(filters.categories))

def outcome_mixes(key: tuple[str, str], filters: Filters, groups: OutcomeGroups) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The outcome mix (sia.analysis.outcomes.outcome_mix) of what the filters select, in
    the filters' ward when they name one, and of the same selection in all Derby; cached
    per build and outcome groups."""
    return _outcome_mixes(key, filters, groups)

@st.cache_data(max_entries=64, show_spinner=False, hash_funcs={OutcomeGroups: repr})
def _outcome_mixes(key: tuple[str, str], filters: Filters, groups: OutcomeGroups):
    rows = select(_open(*key).incidents, without_ward(filters)).rows
    mine = rows[rows["ward_name"] == filters.ward] if filters.ward else rows
    return outcome_mix(mine, groups), outcome_mix(rows, groups)

@st.cache_data(show_spinner=False, max_entries=2)
def _register(path: str, mtime: int) -> Register:
    return load_register(Path(path))

@st.cache_data(show_spinner=False, max_entries=8)
def priority_evidence(key: tuple[str, str], register_mtime: int, fys: tuple[str, ...],
                      sets: tuple[str, ...]) -> pd.DataFrame:
    """evidence_table for the city sets, cached per build and register version."""
    dataset = _open(*key)
    return evidence_table(_register(str(REGISTER), register_mtime), dataset.incidents,
                          dataset.wards, dataset.months, fys, sets)
