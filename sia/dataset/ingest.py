"""Building a dataset: sources -> validated rows -> wards -> one table on disk (with the
ward table and, when LSOA boundaries are given, the LSOA table).

Outcomes files among the sources give each crime the latest outcome recorded for its Crime
ID (by the outcome's month, then the order the files were found in, then the order of the
rows); the street file's own outcome is kept beside it (``street_outcome``).

Every row read is accounted for in the IngestReport. Nothing is written until every
input has been read and checked; then the build is published in one step (see store).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sia.categories import ANTI_SOCIAL_BEHAVIOUR, CATEGORIES, HISTORIC_NOTES, canonical_category
from sia.dataset.area import Area
from sia.dataset.denominators import (
    age_population_column,
    lsoa_codes_in,
    lsoa_deprivation,
    lsoa_wards,
    population_column,
    read_district_population,
    read_lookup,
    read_lsoa_change,
    read_population,
    ward_deprivation,
)
from sia.dataset.geography import (
    SNAP_DISTANCE_M,
    lsoas_in_wards,
    place_in_wards,
    read_districts,
    read_lsoas,
    read_wards,
)
from sia.dataset.police_csv import read_outcomes_csv, read_stops_csv, read_street_csv
from sia.dataset.report import FileTally, IngestReport, OutcomeTally, StopsTally
from sia.dataset.sources import OUTCOMES, STOPS, STREET, PoliceFile, SourceSelection, discover
from sia.dataset.store import INCIDENT_COLUMNS, MAX_WARD_SETS, STOP_COLUMNS, STREET_OUTCOME, write_dataset
from sia.errors import InputError, Problem
from sia.periods import MONTH_PATTERN, financial_years, month_shifted
from sia.words import plural


@dataclass
class EarlierWards:
    """A ward set in force before the latest (a re-warding came after it): its boundaries and
    the first month it applies from (None: from the data's first month)."""

    boundaries: Path
    first_month: str | None = None
    label: str = ""  # 'December 2019 wards'; by default 'the wards in force from ...'
    lsoa_lookup: Path | None = None  # its LSOA to ward lookup: the population reaches its wards through it
    lsoas: Path | None = None  # the LSOA polygons of its time (2011 LSOAs before 2021's), for LSOAs on these wards


@dataclass
class WardInputs:
    """The geography a build places incidents in, and its denominators. The wards are the
    latest set (from ``first_month``, None: all months); ``earlier`` sets, each in force
    from its first month until the next set's, are kept beside them: every incident is
    placed in the latest wards and also in the wards in force in its month."""

    boundaries: Path
    code_field: str | None = None
    name_field: str | None = None
    lsoa_lookup: Path | None = None
    population: dict[str, Path] = field(default_factory=dict)  # financial year -> file
    imd: dict[str, Path] = field(default_factory=dict)  # edition ('2015') -> file
    lsoas: Path | None = None  # LSOA polygons, kept in the build with their ward and denominators
    first_month: str | None = None
    label: str = ""  # the latest set's name ('May 2023 wards'); by default 'the wards in force from ...'
    earlier: list[EarlierWards] = field(default_factory=list)
    # The police force's districts (the area's and its peers'), whose incidents in the
    # force's files are counted too, and their residents (financial year -> file by district).
    districts: Path | None = None
    district_population: dict[str, Path] = field(default_factory=dict)
    # ONS's lookup between 2011 and 2021 LSOAs: population files by LSOAs of the other census
    # than the lookup's are carried to the wards through it.
    lsoa_change: Path | None = None


@dataclass
class Geography:
    """What a build's incidents are placed and measured in."""

    wards: gpd.GeoDataFrame  # BNG: ward_code, ward_name, area_km2, population_<FY>, imd<ED>_...
    lsoas: gpd.GeoDataFrame | None  # BNG: lsoa_code, lsoa_name, ward_code, ward_name, area_km2, ...
    notes: list[str] = field(default_factory=list)  # for the ingest report


def build_dataset(sources: list[Path], wards: WardInputs, data_dir: Path, *,
                  selection: SourceSelection | None = None, skip_malformed: bool = False,
                  demo: bool = False, fetched: dict | None = None,
                  area: Area | None = None) -> tuple[Path, IngestReport]:
    """Ingest the sources into a new build in ``data_dir``; return it and its report.

    ``fetched`` records where downloaded inputs came from (URLs, archive members and
    their SHA-256), kept in the manifest beside the sources' own checksums; ``area`` the
    area the data is of (sia.dataset.area: Derby's when none is given).

    Raises InputError (and writes nothing) when an input cannot be used, or when rows
    are malformed and ``skip_malformed`` is not set.
    """
    geography = geography_from(wards)  # small inputs first: fail fast
    ward_table = geography.wards
    earlier = earlier_ward_sets(wards, geography.notes)
    geography.notes += earlier_residents(earlier, wards, geography.lsoas)
    files, skipped = discover(sources, selection)
    report = IngestReport(skipped_files=[{"file": s.label, "reason": s.reason,
                                          **({"kind": s.kind} if s.kind in (OUTCOMES, STOPS) else {})}
                                         for s in skipped],
                          notes=list(geography.notes))
    candidates = _read_all([f for f in files if f.kind == STREET], report)
    peers = force_districts(wards, candidates) if wards.districts else None
    outcome_files = [f for f in files if f.kind == OUTCOMES]
    latest = _read_outcomes(outcome_files, _crime_ids(candidates), report.outcomes) if outcome_files else None
    searches = _read_stops([f for f in files if f.kind == STOPS], report.stops)
    malformed = report.malformed + report.outcomes.malformed + report.stops.malformed
    if malformed and not skip_malformed:
        raise InputError([Problem(m.describe() + f" ({m.count:,} row{'s' if m.count > 1 else ''})",
                                  fix="fix the file, or pass --skip-malformed to set such rows aside "
                                      "and count them in the report")
                          for m in malformed])
    incidents = _place(candidates, ward_table, report)
    ward_sets = place_in_earlier_sets(incidents, earlier, wards, report) if wards.earlier else None
    if latest is not None:
        incidents = _apply_outcomes(incidents, latest, report)
    stops = _place_stops(searches, geography, report.stops) if searches is not None else None
    _check_accounts(report)
    if report.loaded == 0:  # never publish an empty build over a good one
        raise InputError(_nothing_loaded(report, candidates, ward_table))
    manifest = {
        "demo": demo,
        "sources": [{"file": f.file, "sha256": f.sha256, "rows": f.rows} for f in report.files]
        + [{"file": f.file, "sha256": f.sha256, "rows": f.rows, "kind": OUTCOMES} for f in report.outcomes.files]
        + [{"file": f.file, "sha256": f.sha256, "rows": f.rows, "kind": STOPS} for f in report.stops.files],
        "inputs": _input_checksums(wards),
        "snap_distance_m": SNAP_DISTANCE_M,
        "months": sorted(incidents["month"].unique().astype(str)),
        "financial_years": sorted(incidents["fy"].unique().astype(str)),
        "report": report.to_dict(),
    }
    if stops is not None:
        manifest["stop_months"] = list(report.stops.months)
    if fetched:
        manifest["fetched"] = fetched
    if area is not None:
        manifest["area"] = area.to_dict()
    if ward_sets is not None:
        manifest["ward_sets"] = ward_sets
    build = write_dataset(data_dir, incidents, ward_table, manifest, lsoas=geography.lsoas, stops=stops,
                          earlier_wards=[s.wards for s in earlier], earlier_lsoas=[s.lsoas for s in earlier],
                          peers=peers)
    return build, report


@dataclass
class WardSet:
    label: str
    first_month: str | None
    last_month: str | None  # None: to the data's last month
    wards: gpd.GeoDataFrame  # BNG: ward_code, ward_name, area_km2, population_<FY> where it reaches them
    lookup: pd.Series | None = None  # its LSOA to ward lookup (LSOA code -> ward code), read once
    lsoas: gpd.GeoDataFrame | None = None  # BNG: the LSOAs of its time, each in one of its wards


def earlier_ward_sets(inputs: WardInputs, notes: list[str]) -> list[WardSet]:
    """The earlier ward sets, oldest first, each with the months it is in force (and ``notes``
    on their LSOA files, as for the latest set's); InputError when their months do not make a
    sequence before the latest set's."""
    if len(inputs.earlier) + 1 > MAX_WARD_SETS:
        raise InputError(Problem(f"{len(inputs.earlier) + 1} ward sets are given; a build holds at most "
                                 f"{MAX_WARD_SETS}", "--wards", "give the sets of the years the data covers"))
    firsts = [e.first_month for e in inputs.earlier] + [inputs.first_month]
    starts = [f for f in firsts if f is not None]
    if firsts.count(None) > 1 or len(set(starts)) != len(starts) \
            or not all(re.fullmatch(MONTH_PATTERN, m) for m in starts):
        raise InputError(Problem("the ward sets' first months are not a sequence", "--wards",
                                 "give each set after the first the month it applies from, once: "
                                 "--wards FILE --wards 2023-05=FILE"))
    if inputs.earlier and (inputs.first_month is None or any(
            e.first_month is not None and e.first_month >= inputs.first_month for e in inputs.earlier)):
        raise InputError(Problem("the latest ward set (the boundaries and lookups the rates use) must apply from "
                                 "the latest first month", "--wards", "give the newest wards the latest month"))
    ordered = sorted(inputs.earlier, key=lambda e: e.first_month or "")
    bounds = [e.first_month for e in ordered[1:]] + [inputs.first_month]
    out = []
    for e, following in zip(ordered, bounds):
        wards = read_wards(e.boundaries)
        wards.attrs.pop("repaired", None)
        wards["area_km2"] = (wards.geometry.area / 1e6).round(3)
        label = e.label or (f"the wards in force from {e.first_month}" if e.first_month
                            else f"the wards in force before {following}")
        lookup = read_lookup(e.lsoa_lookup, wards) if e.lsoa_lookup else None
        lsoas = None
        if e.lsoas:
            lsoas, placed = lsoas_in_wards(read_lsoas(e.lsoas), wards, lookup, str(e.lsoas))
            notes += [f"{label}: {note}" for note in placed]
            lsoas["area_km2"] = (lsoas.geometry.area / 1e6).round(3)
        out.append(WardSet(label, e.first_month, month_shifted(following, -1), wards, lookup, lsoas))
    return out


def reaching_lookup(path: Path, what: str, lookup: pd.Series | None, carried: pd.Series | None) -> pd.Series | None:
    """Of an LSOA to ward ``lookup`` and the one across the censuses (``carried``), the one
    whose LSOAs a population or deprivation file gives; None when neither's does (or the file
    is by ward)."""
    codes = lsoa_codes_in(path, what) if lookup is not None else None
    if codes and codes & set(lookup.index):
        return lookup
    return carried if codes and carried is not None and codes & set(carried.index) else None


def earlier_residents(sets: list[WardSet], inputs: WardInputs, lsoas: gpd.GeoDataFrame | None) -> list[str]:
    """Each earlier set's wards get the residents of every population file, and the IMD of
    every deprivation file, that reaches them: through the set's own LSOA lookup (else, with
    the build's LSOA boundaries, each LSOA's ward of that set by largest overlap), or, for a
    file of the other census's LSOAs, through ONS's lookup between 2011 and 2021 LSOAs; in
    place. The notes say which years have none."""
    notes = []
    for ward_set in sets:
        if not (inputs.population or inputs.imd):
            break
        if ward_set.lookup is not None:
            lookup = ward_set.lookup[ward_set.lookup.isin(set(ward_set.wards["ward_code"]))]
        elif lsoas is not None:  # the build's LSOAs, each in the ward of this set it overlaps most
            placed, _ = lsoas_in_wards(lsoas[["lsoa_code", "lsoa_name", "geometry"]], ward_set.wards, None,
                                       ward_set.label)
            lookup = pd.Series(placed["ward_code"].to_numpy(), index=placed["lsoa_code"].to_numpy()).astype(object)
        else:
            lookup = None
        carried = read_lsoa_change(inputs.lsoa_change, lookup) if lookup is not None and inputs.lsoa_change else None
        missing = []
        for fy, path in sorted(inputs.population.items()):
            mapping = reaching_lookup(path, "population", lookup, carried)
            if mapping is None:
                missing.append(fy)
                continue
            residents = read_population(path, ward_set.wards, mapping, bounded=False)
            ward_set.wards[population_column(fy)] = residents.by_ward.to_numpy(dtype=float)
        for edition, path in sorted(inputs.imd.items()):
            mapping = reaching_lookup(path, "deprivation", lookup, carried)
            if mapping is None:
                missing.append(f"the IMD {edition}")
                continue
            summary = ward_deprivation(lsoa_deprivation(path, list(mapping.index)).table, edition, ward_set.wards,
                                       mapping)
            for column in summary.columns:
                ward_set.wards[column] = summary[column].to_numpy()
        if missing:
            notes.append(f"{ward_set.label} have no figures of {', '.join(missing)}"
                         + ("" if lookup is not None else " (no LSOA lookup or LSOA boundaries reach them)")
                         + ": figures on them give no rates or deprivation for those")
    return notes


def place_in_earlier_sets(incidents: pd.DataFrame, sets: list[WardSet], inputs: WardInputs,
                          report: IngestReport) -> list[dict]:
    """Each incident of an earlier set's months placed in that set's wards too (columns
    ``ward_code_<k>`` and ``ward_name_<k>``, missing outside its months or its wards), in place;
    the sets as the manifest records them, the latest last. (A set's LSOAs of its time need no
    column: police.uk's LSOA code of the month is of them, and LSOA units place the points.)"""
    months = incidents["month"].astype(str)
    out = []
    for k, ward_set in enumerate(sets):
        mine = (months <= ward_set.last_month) & (months >= (ward_set.first_month or ""))
        rows = np.flatnonzero(mine.to_numpy())
        ward, _ = place_in_wards(incidents["lon"].to_numpy()[rows], incidents["lat"].to_numpy()[rows],
                                 ward_set.wards)
        codes = np.full(len(incidents), -1, dtype=np.int64)
        codes[rows] = ward
        incidents[f"ward_code_{k}"] = pd.Categorical.from_codes(codes, categories=ward_set.wards["ward_code"])
        incidents[f"ward_name_{k}"] = pd.Categorical.from_codes(codes, categories=ward_set.wards["ward_name"])
        if ward_set.lsoas is not None:  # police.uk's LSOA codes of those months name the LSOAs of their time
            given = incidents["lsoa_code"].astype(str).to_numpy()[rows]
            given = given[given != ""]
            agree = np.isin(given, ward_set.lsoas["lsoa_code"].to_numpy()).mean() if len(given) else 1.0
            if agree < LSOA_AGREEMENT:
                report.notes.append(f"police.uk's LSOA code of {agree:.0%} of the incidents of {ward_set.label}'s "
                                    "months is one of its LSOAs: are they the LSOAs of that time (2011 LSOAs before "
                                    "police.uk moved to 2021's)?")
        outside = int((ward < 0).sum())
        if outside:
            span = f"{ward_set.first_month or months.min()} to {ward_set.last_month}"
            report.notes.append(f"{plural(outside, 'incident')} of {span} lie in the latest wards but outside "
                                f"{ward_set.label}, then in force: they are counted on the latest wards only")
        if not len(rows):  # offered, it would show nothing: refused, as a file given by mistake
            raise InputError(Problem(f"{ward_set.label} (to {ward_set.last_month}) cover none of the months read "
                                     f"({months.min()} to {months.max()})", "--wards",
                                     "leave that ward set out, or give the months it was in force"))
        out.append({"label": ward_set.label, "first_month": ward_set.first_month, "last_month": ward_set.last_month,
                    "wards": len(ward_set.wards), "placed": int((ward >= 0).sum()),
                    **({"lsoas": len(ward_set.lsoas)} if ward_set.lsoas is not None else {})})
    out.append({"label": inputs.label or f"the wards in force from {inputs.first_month}",
                "first_month": inputs.first_month, "last_month": None,
                "wards": int(incidents["ward_code"].cat.categories.size), "placed": len(incidents)})
    return out


# The share of a ward set's incidents whose police.uk LSOA code is one of the set's own LSOAs
# below which the build's notes ask whether the LSOA file is of the right vintage.
LSOA_AGREEMENT = 0.9

BTP_FORCE = "British Transport Police"  # as its files name it ('Falls within'): the railway's, no district's own


def force_districts(inputs: WardInputs, candidates) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The force's districts (BNG; their residents by year where given) and the force's own
    incidents in each, by month and category: every row of its files, wherever in the force
    area, placed in the districts as incidents are in wards."""
    districts = read_districts(inputs.districts)
    districts["area_km2"] = (districts.geometry.area / 1e6).round(3)
    for fy, path in sorted(inputs.district_population.items()):
        districts[population_column(fy)] = read_district_population(
            path, list(districts["district_code"])).to_numpy(dtype=float)
    rows = pd.concat([r.iloc[np.flatnonzero(k)] for r, k in candidates], ignore_index=True)
    rows = rows[rows["force"].astype(str) != BTP_FORCE]
    index, _ = place_in_wards(rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float),
                              districts.rename(columns={"district_code": "ward_code", "district_name": "ward_name"}))
    placed = rows[index >= 0]
    counts = (pd.DataFrame({"district_code": districts["district_code"].to_numpy()[index[index >= 0]],
                            "month": placed["month"].astype(str).to_numpy(),
                            "category": placed["category"].astype(str).to_numpy()})
              .groupby(["district_code", "month", "category"]).size().rename("count").reset_index())
    return districts, counts


def geography_from(inputs: WardInputs) -> Geography:
    """The ward table and, with LSOA boundaries, the LSOA table, with their denominators.
    Without a lookup, the LSOAs' wards (by overlap) take it to the wards."""
    wards = read_wards(inputs.boundaries, inputs.code_field, inputs.name_field)
    notes = _repaired_note("ward", wards.attrs.pop("repaired", []))  # not stored with the table
    wards["area_km2"] = (wards.geometry.area / 1e6).round(3)
    lookup = read_lookup(inputs.lsoa_lookup, wards) if inputs.lsoa_lookup else None
    lsoas = None
    if inputs.lsoas:
        boundaries = read_lsoas(inputs.lsoas)
        notes += _repaired_note("LSOA", boundaries.attrs.pop("repaired", []))
        lsoas, placed = lsoas_in_wards(boundaries, wards, lookup, str(inputs.lsoas))
        notes += placed
        lsoas["area_km2"] = (lsoas.geometry.area / 1e6).round(3)
    lookup = lsoa_wards(wards, lookup, lsoas)
    carried = read_lsoa_change(inputs.lsoa_change, lookup) if inputs.lsoa_change and lookup is not None else None
    for fy, path in sorted(inputs.population.items()):
        across = carried is not None and reaching_lookup(path, "population", lookup, carried) is carried
        residents = read_population(path, wards, carried if across else lookup,
                                    bounded=lsoas is not None and not across)
        if across:  # by LSOAs of the other vintage: ward totals only
            residents.by_lsoa = None
            residents.by_age = {name: (by_ward, None) for name, (by_ward, _) in residents.by_age.items()}
            notes.append(f"the population of {fy} is by LSOAs of the other census ({Path(path).name}): carried to "
                         "the wards through ONS's lookup between 2011 and 2021 LSOAs (an LSOA split between wards goes "
                         "to the ward most of its parts lie in); no LSOA has residents for that year")
        wards[population_column(fy)] = residents.by_ward.to_numpy(dtype=float)
        notes += residents.notes
        if lsoas is not None and residents.by_lsoa is not None:
            lsoas[population_column(fy)] = lsoas["lsoa_code"].map(residents.by_lsoa).to_numpy(dtype=float)
        for age_range, (by_ward, by_lsoa) in residents.by_age.items():  # for search rates by age
            wards[age_population_column(fy, age_range)] = by_ward.to_numpy(dtype=float)
            if lsoas is not None and by_lsoa is not None:
                lsoas[age_population_column(fy, age_range)] = lsoas["lsoa_code"].map(by_lsoa).to_numpy(dtype=float)
    for edition, path in sorted(inputs.imd.items()):
        if lookup is None:
            raise InputError(Problem("deprivation is given by LSOA but no LSOA to ward lookup was given", str(path),
                                     "pass --lsoa-lookup FILE (or the LSOA boundaries, --lsoas FILE)"))
        across = carried is not None and reaching_lookup(path, "deprivation", lookup, carried) is carried
        deprivation = lsoa_deprivation(path, list((carried if across else lookup).index))
        notes += deprivation.notes
        summary = ward_deprivation(deprivation.table, edition, wards, carried if across else lookup)
        for column in summary.columns:
            wards[column] = summary[column].to_numpy()
        if across:  # the IMD's LSOAs are of the other census: the wards' shares are of them, no LSOA has one
            notes.append(f"the IMD {edition} is by LSOAs of the other census ({Path(path).name}): each ward's share "
                         "in each decile is of those LSOAs, carried to the wards through ONS's lookup between 2011 "
                         "and 2021 LSOAs")
        elif lsoas is not None:
            by_lsoa = deprivation.table.reindex(lsoas["lsoa_code"])
            for column in by_lsoa.columns:
                lsoas[f"imd{edition}_{column}"] = by_lsoa[column].to_numpy(dtype=float)
    return Geography(wards, lsoas, notes)


def _repaired_note(kind: str, repaired: list[str]) -> list[str]:
    """A note naming the boundaries that were not valid polygons and were repaired."""
    if not repaired:
        return []
    one = len(repaired) == 1
    what = "boundary was not a valid polygon" if one else "boundaries were not valid polygons"
    return [f"{len(repaired)} {kind} {what} (a ring touching itself, a spike) and {'was' if one else 'were'} "
            f"repaired, changing {'its' if one else 'their'} area by under 1%: {', '.join(repaired[:5])}"
            f"{' and more' if len(repaired) > 5 else ''}"]


def _count_lines(tally, parsed) -> None:
    """A file's lines into the report (street files) or the outcomes tally: every line read
    is loaded, blank or set aside as malformed."""
    tally.rows_read += parsed.rows_read
    tally.blank_lines += parsed.blank_lines
    tally.malformed.extend(parsed.malformed)


def _read_all(files, report: IngestReport) -> list[tuple[pd.DataFrame, np.ndarray]]:
    """Each file's rows with a mask of those that may be loaded (the rest are counted)."""
    loaded_from: dict[tuple[str, str], str] = {}  # (month, force) -> file that supplied it
    candidates = []
    for file in files:
        parsed = read_street_csv(file)
        rows = parsed.rows
        _count_lines(report, parsed)
        pairs = rows.groupby(["month", "force"], observed=True).size()
        report.files.append(FileTally(file=file.label, sha256=parsed.sha256, rows=parsed.rows_read,
                                      months=sorted({m for m, _ in pairs.index}),
                                      forces=sorted({f for _, f in pairs.index})))
        # The same month of the same force loaded twice keeps its first copy. Rows are
        # never compared: identical ASB rows (no Crime ID) are separate incidents.
        duplicate = np.zeros(len(rows), dtype=bool)
        for (month, force), n in pairs.items():
            if (month, force) in loaded_from:
                duplicate |= ((rows["month"] == month) & (rows["force"] == force)).to_numpy()
                report.notes.append(f"{month} of {force} in {file.label} was already loaded from "
                                    f"{loaded_from[(month, force)]}; its {n:,} rows are set aside "
                                    "as duplicates")
            else:
                loaded_from[(month, force)] = file.label
        report.duplicate += int(duplicate.sum())

        # Counted on the few distinct names, not per row.
        names = rows.loc[~duplicate, "crime_type"].value_counts()
        names = names[names > 0]
        known = names.index.map(canonical_category).notna()
        for name, n in names[~known].items():
            report.unknown_crime_types[name] = report.unknown_crime_types.get(name, 0) + int(n)
        _note_historic_names(names[known], report)
        unknown = rows["category"].isna().to_numpy()
        no_location = np.isnan(rows["lon"].to_numpy())
        report.no_location += int((no_location & ~unknown & ~duplicate).sum())
        # No copy here: the rows and what may be loaded travel on to one final take.
        candidates.append((rows, ~(duplicate | unknown | no_location)))
    return candidates


def _note_historic_names(counts: pd.Series, report: IngestReport) -> None:
    """Say how many rows came under a historic category name, and what it became."""
    folded = counts.index.astype(str).str.casefold()
    for name, note in HISTORIC_NOTES.items():
        n = int(counts[folded == name.casefold()].sum())
        if n:
            report.notes.append(f"{n:,} rows of '{name}': {note}")


def _place(candidates: list[tuple[pd.DataFrame, np.ndarray]], wards: gpd.GeoDataFrame,
           report: IngestReport) -> pd.DataFrame:
    # discover() guarantees at least one street file, so there is at least one entry.
    rows = pd.concat([r for r, _ in candidates], ignore_index=True) if len(candidates) > 1 \
        else candidates[0][0]
    loadable = np.flatnonzero(np.concatenate([k for _, k in candidates]))
    ward, nearest = place_in_wards(rows["lon"].to_numpy(dtype=float)[loadable],
                                   rows["lat"].to_numpy(dtype=float)[loadable], wards)
    inside = ward >= 0
    report.outside_area += int((~inside).sum())
    report.placed_by_nearest_ward += int(nearest.sum())
    # One take for the filter and the order (by month, then ward): the only copy of rows.
    keep, ward, nearest = loadable[inside], ward[inside], nearest[inside]
    month_codes = rows["month"].astype("category").cat.codes.to_numpy()[keep]
    order = np.lexsort((ward, month_codes))
    rows = rows.take(keep[order]).reset_index(drop=True)
    ward, nearest = ward[order], nearest[order]

    months = rows["month"].astype(str)
    month_values = sorted(months.unique())
    out = pd.DataFrame({
        "month": pd.Categorical(months, categories=month_values, ordered=True),
        "category": pd.Categorical(rows["category"].astype(str), categories=CATEGORIES),
        "ward_code": pd.Categorical.from_codes(ward, categories=wards["ward_code"]),
        "ward_name": pd.Categorical.from_codes(ward, categories=wards["ward_name"]),
        "lsoa_code": rows["lsoa_code"].astype(str).astype("category"),
        "lon": rows["lon"].to_numpy(dtype=float),
        "lat": rows["lat"].to_numpy(dtype=float),
        "location": rows["location"].astype(str),
        "outcome": rows["outcome"].astype(str).astype("category"),
        "crime_id": rows["crime_id"].astype(str),
        "force": rows["force"].astype(str).astype("category"),
        "nearest_ward": nearest,
    })
    fy_of_month = dict(zip(month_values, financial_years(pd.Series(month_values, dtype=str))))
    out["fy"] = pd.Categorical(months.map(fy_of_month),
                               categories=sorted(set(fy_of_month.values())), ordered=True)
    report.loaded = len(out)
    return out[list(INCIDENT_COLUMNS)]


def _crime_ids(candidates: list[tuple[pd.DataFrame, np.ndarray]]) -> pa.Array:
    """The distinct Crime IDs of the rows that may be loaded, ASB left out (it never gets an
    outcome): more than the build will hold (some fall outside the area), never fewer."""
    ids = [rows.loc[loadable & (rows["category"] != ANTI_SOCIAL_BEHAVIOUR).to_numpy()
                    & (rows["crime_id"] != "").to_numpy(), "crime_id"] for rows, loadable in candidates]
    return pc.unique(pa.chunked_array([pa.array(i, type=pa.string()) for i in ids], type=pa.string())
                     .combine_chunks())


def _read_outcomes(files: list[PoliceFile], crime_ids: pa.Array, tally: OutcomeTally) -> pd.DataFrame:
    """The latest outcome of each crime the outcomes files name, among ``crime_ids``: by its
    month, then by the order of the files, then of the rows, with how many rows named the
    crime (``count``); indexed by Crime ID. One file is held at a time, and only the latest
    row of each crime is kept between files, so memory grows with the build, not with the
    outcomes; the work runs on numbers (each crime by its place in ``crime_ids``)."""
    crime = np.zeros(0, dtype=np.int64)  # per crime named so far: its place in crime_ids,
    month = np.zeros(0, dtype=np.int64)  # the latest outcome's month (as year * 12 + month),
    order = np.zeros(0, dtype=np.int64)  # its row in the order of files and rows,
    outcome = np.zeros(0, dtype=object)  # the outcome itself,
    count = np.zeros(0, dtype=np.int64)  # and how many rows named the crime
    seen = 0
    for file in files:
        parsed = read_outcomes_csv(file)
        rows = parsed.rows
        _count_lines(tally, parsed)
        tally.files.append(FileTally(file=file.label, sha256=parsed.sha256, rows=parsed.rows_read,
                                     months=sorted(rows["month"].astype(str).unique()),
                                     forces=sorted(rows["force"].astype(str).unique())))
        # An empty Crime ID is never among crime_ids: such a row stays unmatched.
        place = pc.index_in(pa.array(rows["crime_id"], type=pa.string()), value_set=crime_ids)
        keep = place.is_valid().to_numpy(zero_copy_only=False)
        months = rows["month"].cat.categories.astype(str)
        # The categories may still hold months of rows set aside as malformed: those are never used.
        month_of = np.asarray([int(m[:4]) * 12 + int(m[5:7]) if re.fullmatch(MONTH_PATTERN, m) else -1
                               for m in months], dtype=np.int64)
        crime = np.concatenate([crime, place.drop_null().to_numpy().astype(np.int64)])
        month = np.concatenate([month, month_of[rows["month"].cat.codes.to_numpy()[keep]]])
        order = np.concatenate([order, seen + np.flatnonzero(keep)])
        outcome = np.concatenate([outcome, np.asarray(rows["outcome"].cat.categories, dtype=object)[
            rows["outcome"].cat.codes.to_numpy()[keep]]])
        count = np.concatenate([count, np.ones(int(keep.sum()), dtype=np.int64)])
        seen += len(rows)
        # Each crime's rows together, the latest (by month, then order) last.
        by = np.lexsort((order, month, crime))
        crime, month, order, outcome, count = crime[by], month[by], order[by], outcome[by], count[by]
        last = np.flatnonzero(np.r_[crime[1:] != crime[:-1], True]) if len(crime) else np.zeros(0, dtype=np.int64)
        first = np.r_[0, last[:-1] + 1] if len(last) else last
        count = np.add.reduceat(count, first) if len(first) else count
        crime, month, order, outcome = crime[last], month[last], order[last], outcome[last]
    index = pd.Index(crime_ids.take(pa.array(crime, type=pa.int64())).to_pylist(), name="crime_id")
    return pd.DataFrame({"outcome": outcome, "count": count}, index=index)


def _apply_outcomes(incidents: pd.DataFrame, latest: pd.DataFrame, report: IngestReport) -> pd.DataFrame:
    """Each crime's latest outcome in ``outcome``, the street file's in ``street_outcome``;
    ASB keeps its own (empty). Counts the rows matched and unmatched, and the crimes whose
    outcome changed; notes Crime IDs that more than one crime holds (police.uk publishes a
    few), as each of them gets the outcome recorded for the ID."""
    tally = report.outcomes
    crime = ((incidents["category"] != ANTI_SOCIAL_BEHAVIOUR) & (incidents["crime_id"] != "")).to_numpy()
    by_id = latest
    ids = incidents.loc[crime, "crime_id"]
    tally.matched = int(by_id.loc[by_id.index.isin(ids), "count"].sum())
    shared = ids[ids.duplicated(keep=False) & ids.isin(by_id.index)]
    if len(shared):
        n = shared.nunique()
        report.notes.append(f"{plural(n, 'Crime ID')} with an outcome in the outcomes files "
                            f"{'is' if n == 1 else 'are each'} held by more than one crime ({len(shared):,} crimes): "
                            "each of those crimes is given the latest outcome recorded for its Crime ID")
    tally.unmatched = tally.rows_read - tally.blank_lines - tally.malformed_rows - tally.matched
    street = incidents["outcome"].astype(str)
    later = incidents["crime_id"].map(by_id["outcome"]).where(crime)
    outcome = street.where(later.isna(), later)
    tally.superseded = int((outcome != street).sum())
    out = incidents.assign(outcome=outcome.astype("category"), **{STREET_OUTCOME: incidents["outcome"]})
    at = list(INCIDENT_COLUMNS).index("outcome") + 1
    return out[[*INCIDENT_COLUMNS[:at], STREET_OUTCOME, *INCIDENT_COLUMNS[at:]]]


def _read_stops(files: list[PoliceFile], tally: StopsTally) -> pd.DataFrame | None:
    """Every stop-and-search file's rows that may be placed (a located row of a month and
    force not read before), with the force of its file; None when there are no such files.
    A file covers the month its name gives and the months of its rows. Its rows have no
    force column: a file whose name gives none (renamed on the way) repeats any file of the
    same month, and is repeated by one."""
    if not files:
        return None
    loaded_from: dict[tuple[str, str], str] = {}
    taken, months = [], set()
    for file in files:
        parsed = read_stops_csv(file)
        rows = parsed.rows
        _count_lines(tally, parsed)
        force = file.force or ""
        in_file = sorted(rows["month"].astype(str).unique())
        tally.files.append(FileTally(file=file.label, sha256=parsed.sha256, rows=parsed.rows_read,
                                     months=in_file, forces=[force] if force else []))
        duplicate = np.zeros(len(rows), dtype=bool)
        for month in in_file:
            if (month, force) in loaded_from or (month, "") in loaded_from \
                    or (not force and any(m == month for m, _ in loaded_from)):
                duplicate |= (rows["month"] == month).to_numpy()
            else:
                loaded_from[(month, force)] = file.label
        tally.duplicate += int(duplicate.sum())
        months |= set(in_file) | ({file.month} if file.month else set())
        no_location = np.isnan(rows["lon"].to_numpy(dtype=float))
        tally.no_location += int((no_location & ~duplicate).sum())
        taken.append(rows.loc[~(duplicate | no_location)].assign(force=force))
    tally.months = sorted(months)
    return pd.concat(taken, ignore_index=True) if len(taken) > 1 else taken[0].reset_index(drop=True)


def _place_stops(rows: pd.DataFrame, geography: Geography, tally: StopsTally) -> pd.DataFrame:
    """The searches inside a ward, each with its ward, its LSOA (the build's LSOA holding its
    point, '' where none does or the build has no LSOAs) and its financial year, in the order
    of month and ward. Only points inside a ward are placed (see StopsTally)."""
    wards = geography.wards
    lon, lat = rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float)
    ward, nearest = place_in_wards(lon, lat, wards)
    inside = (ward >= 0) & ~nearest
    tally.outside_area += int((~inside).sum())
    tally.near_boundary += int(nearest.sum())
    keep = np.flatnonzero(inside)
    lsoa_codes = np.full(len(keep), "", dtype=object)
    if geography.lsoas is not None and len(keep):
        lsoa, _ = place_in_wards(lon[keep], lat[keep], geography.lsoas, snap_distance=0)
        found = lsoa >= 0
        lsoa_codes[found] = geography.lsoas["lsoa_code"].to_numpy()[lsoa[found]]
    tally.no_lsoa += int((lsoa_codes == "").sum()) if geography.lsoas is not None else 0
    tally.placed += len(keep)
    months = rows["month"].astype(str).to_numpy()[keep]
    month_values = sorted(set(months))
    order = np.lexsort((ward[keep], months))
    keep, lsoa_codes = keep[order], lsoa_codes[order]
    out = rows.take(keep).reset_index(drop=True)
    fy_of_month = dict(zip(month_values, financial_years(pd.Series(month_values, dtype=str))))
    out["month"] = pd.Categorical(out["month"].astype(str), categories=month_values, ordered=True)
    out["fy"] = pd.Categorical(out["month"].astype(str).map(fy_of_month),
                               categories=sorted(set(fy_of_month.values())), ordered=True)
    out["ward_code"] = pd.Categorical.from_codes(ward[keep], categories=wards["ward_code"])
    out["ward_name"] = pd.Categorical.from_codes(ward[keep], categories=wards["ward_name"])
    out["lsoa_code"] = pd.Categorical(lsoa_codes)
    out["force"] = out["force"].astype("category")
    for column in STOP_COLUMNS:
        if column != "date" and not isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("category")
    return out[list(STOP_COLUMNS)]


def _nothing_loaded(report: IngestReport, candidates, wards: gpd.GeoDataFrame) -> Problem:
    """Why a build holds no incident, in words a user can act on."""
    reasons = "; ".join(f"{reason}: {n:,}" for reason, n in report.set_aside().items() if n)
    fix = "nothing was written and the dataset in use is unchanged"
    if report.outside_area:
        located = [(r["lon"].to_numpy(float)[k], r["lat"].to_numpy(float)[k]) for r, k in candidates]
        lon = np.concatenate([x for x, _ in located])
        lat = np.concatenate([y for _, y in located])
        minx, miny, maxx, maxy = wards.to_crs("EPSG:4326").total_bounds
        fix = (f"the incidents lie at longitude {np.nanmin(lon):.3f} to {np.nanmax(lon):.3f}, latitude "
               f"{np.nanmin(lat):.3f} to {np.nanmax(lat):.3f}, but the wards at {minx:.3f} to {maxx:.3f}, "
               f"{miny:.3f} to {maxy:.3f}: give the wards of the police files' area (or choose the "
               f"area's force with --force); " + fix)
    elif report.unknown_crime_types and not report.no_location:
        found = ", ".join(map(repr, list(report.unknown_crime_types)[:5]))
        fix = (f"none of the crime types is a police.uk category (found {found}); "
               + fix)
    return Problem(f"no incident could be loaded from the {report.rows_read:,} rows read ({reasons})",
                   "the build", fix)


def _check_accounts(report: IngestReport) -> None:
    if report.unaccounted:
        raise RuntimeError(f"ingest lost track of {report.unaccounted} rows; this is a bug")
    if report.outcomes.unaccounted:
        raise RuntimeError(f"ingest lost track of {report.outcomes.unaccounted} outcome rows; this is a bug")
    if report.stops.unaccounted:
        raise RuntimeError(f"ingest lost track of {report.stops.unaccounted} stop-and-search rows; this is a bug")


def _input_checksums(wards: WardInputs) -> dict:
    def entry(path: Path) -> dict:
        return {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    out = {"wards": entry(wards.boundaries)}
    if wards.lsoa_lookup:
        out["lsoa_lookup"] = entry(wards.lsoa_lookup)
    out["population"] = {fy: entry(p) for fy, p in sorted(wards.population.items())}
    out["imd"] = {ed: entry(p) for ed, p in sorted(wards.imd.items())}
    if wards.lsoas:
        out["lsoas"] = entry(wards.lsoas)
    return out
