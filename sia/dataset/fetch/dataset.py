"""``fetch_dataset``: download what a build needs, then ingest it through the normal path.

Everything is downloaded into the cache (``DIR/downloads/``) before the build starts, and
the build is published atomically by the store, so a failed fetch never touches the
dataset in use.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sia.dataset.fetch.cache import DownloadCache
from sia.dataset.fetch.http import (
    MAX_RETRIES,
    MAX_WAIT_S,
    MIN_TIMEOUT_S,
    HttpClient,
    RetryPolicy,
)
from sia.dataset.fetch.ons import (
    DISTRICT_BOUNDARIES,
    ONS,
    ONS_BASE_URL,
    WardGeography,
    check_area_code,
    fetch_area,
    fetch_force_districts,
    fetch_lsoa_change,
    fetch_ward_geography,
    ward_vintages,
)
from sia.dataset.fetch.police_archive import (
    BTP,
    POLICE,
    POLICE_BASE_URL,
    check_force,
    check_months,
    fetch_street_files,
)
from sia.dataset.fetch.progress import Progress, data_size
from sia.dataset.ingest import BTP_FORCE, EarlierWards, WardInputs, build_dataset
from sia.dataset.limits import MAX_BUILD_INPUT, size_text
from sia.dataset.report import IngestReport
from sia.dataset.sources import SourceSelection
from sia.dataset.store import INCIDENTS
from sia.errors import InputError, Problem
from sia.periods import FIRST_POLICE_MONTH, current_month, financial_year
from sia.words import plural

DEFAULT_AREA = "E06000015"  # Derby
POPULATION_NOTE = ("population and IMD are not fetched (ONS publishes the small area population "
                   "estimates as spreadsheets, not as ArcGIS services): add them with --population "
                   "FY=FILE and --imd EDITION=FILE for rates per 1,000 residents and deprivation")


def fetchable_years(today: str | None = None) -> list[str]:
    """The financial years fetch can build: from police.uk's first month to the year now
    running (its months police.uk has published so far)."""
    first = int(financial_year(FIRST_POLICE_MONTH)[:4])
    last = int(financial_year(today or current_month())[:4])
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(first, last + 1)]


def police_base_url(given: str | None = None) -> str:
    return given or os.environ.get(POLICE.variable, "").strip() or POLICE_BASE_URL


def ons_base_url(given: str | None = None) -> str:
    return given or os.environ.get(ONS.variable, "").strip() or ONS_BASE_URL


def retry_policy(retries: int | None = None, backoff: float | None = None,
                 timeout: float | None = None) -> RetryPolicy:
    """The options given, else $SIA_FETCH_RETRIES, $SIA_FETCH_BACKOFF and $SIA_FETCH_TIMEOUT
    (how the app, which has no options, is configured), else the defaults."""
    default = RetryPolicy()

    def setting(given, variable: str, kind: type, fallback, low: float, high: float):
        text = os.environ.get(variable, "").strip()
        try:
            value = given if given is not None else kind(text) if text else fallback
        except (ValueError, OverflowError):
            value = None
        if value is None or not math.isfinite(value) or not low <= value <= high:
            where = f"${variable}" if given is None else "the option"
            raise InputError(Problem(f"{where} is {text if given is None else given!r}, not a number from "
                                     f"{low:g} to {high:g}", "", "set it to such a number, or unset it"))
        return value
    return RetryPolicy(
        attempts=setting(retries, "SIA_FETCH_RETRIES", int, default.attempts - 1, 0, MAX_RETRIES) + 1,
        backoff=setting(backoff, "SIA_FETCH_BACKOFF", float, default.backoff, 0, MAX_WAIT_S),
        timeout=setting(timeout, "SIA_FETCH_TIMEOUT", float, default.timeout, MIN_TIMEOUT_S, MAX_WAIT_S))


@dataclass
class FetchRequest:
    months: list[str]
    data_dir: Path
    force: str | None = None  # None: the police force area's, from ONS's lookup
    area: str = DEFAULT_AREA  # a local authority district
    csp: str | None = None  # a Community Safety Partnership, all its districts (instead of ``area``)
    police_base_url: str = field(default_factory=police_base_url)
    ons_base_url: str = field(default_factory=ons_base_url)
    population: dict[str, Path] = field(default_factory=dict)
    imd: dict[str, Path] = field(default_factory=dict)
    district_population: dict[str, Path] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=retry_policy)
    skip_malformed: bool = False


@dataclass
class FetchResult:
    build: Path
    report: IngestReport
    summary: list[str]  # what was downloaded, from where, at what cost


def fetch_dataset(request: FetchRequest, progress: Progress | None = None) -> FetchResult:
    if not request.months:
        raise InputError(Problem("no months asked for", "", "pass --fy 2014-15 (or --month YYYY-MM)"))
    # Everything a user typed is checked before any request is sent or file made.
    months = check_months(request.months)
    force = check_force(request.force) if request.force else None
    if request.csp is None:
        check_area_code(request.area)
    cache = DownloadCache(request.data_dir)
    police = HttpClient(POLICE, request.retry, progress)
    ons = HttpClient(ONS, request.retry, progress)
    try:
        area = fetch_area(ons, cache, request.ons_base_url, request.area, request.csp, force)
        force = area.forces[0]
        street = fetch_street_files(police, cache, request.police_base_url, months, force)
        sets = _ward_sets(ons, cache, request.ons_base_url, area.districts, street.months)
        asked = request.csp.strip().upper() if request.csp is not None else check_area_code(request.area)
        peers = fetch_force_districts(ons, cache, request.ons_base_url, area, asked)
        latest_geography = sets[-1].geography
        # Population files come by LSOA, of the 2011 or the 2021 census: wards drawn on 2021
        # LSOAs get ONS's lookup between the two, which carries a 2011 file to them.
        change = (fetch_lsoa_change(ons, cache, request.ons_base_url, latest_geography)
                  if request.population and latest_geography.vintage.lsoa_field == "LSOA21CD" else None)
    finally:
        police.close()
        ons.close()

    latest, earlier = sets[-1], sets[:-1]
    geography = latest.geography
    inputs = WardInputs(boundaries=cache.path(geography.boundaries), lsoa_lookup=cache.path(geography.lookup),
                        lsoas=cache.path(geography.lsoa_boundaries), population=dict(request.population),
                        imd=dict(request.imd), first_month=latest.first_month if earlier else None,
                        label=latest.label if earlier else "",
                        earlier=[EarlierWards(cache.path(s.geography.boundaries), s.first_month, s.label,
                                              cache.path(s.geography.lookup), cache.path(s.geography.lsoa_boundaries))
                                 for s in earlier],
                        districts=cache.path(peers[0]) if peers else None,
                        district_population=dict(request.district_population) if peers else {},
                        lsoa_change=cache.path(change["file"]) if change else None)
    provenance = {"police_base_url": request.police_base_url, "ons_base_url": request.ons_base_url,
                  "force": force, "area": ",".join(area.districts), "ward_vintage": latest.label,
                  "files": street.sources + [e for s in sets for e in s.geography.sources]
                  + ([peers[1]] if peers else []) + ([change] if change else [])}
    if request.csp is not None:
        provenance["csp"] = area.csp
    build, report = build_dataset(street.files + street.stops + street.btp + street.outcomes, inputs,
                                  request.data_dir,
                                  selection=SourceSelection(forces=frozenset({force, BTP}),
                                                            months=frozenset(street.months)),
                                  skip_malformed=request.skip_malformed, fetched=provenance, area=area)
    summary = _summary(street, sets, area, force, request, police, ons)
    at = next(i for i, line in enumerate(summary) if line.startswith("downloaded "))  # before the totals
    summary.insert(at, f"ONS: the {peers[2]} districts of the force area ({DISTRICT_BOUNDARIES}), for the area "
                       "against its force ('python -m sia peers')" if peers else
                       "ONS: the area's districts fall in more than one police force area, so it has no one force "
                       "to stand beside: no districts were fetched")
    if street.btp:
        recorded = pd.read_parquet(build / INCIDENTS, columns=["force"])["force"]
        n = int((recorded == BTP_FORCE).sum())
        summary.insert(at + 1, f"British Transport Police: {plural(n, 'crime')} at stations and on the railway "
                               f"in the area, from its national files of {plural(len(street.btp), 'month')}, counted "
                               f"with the force's (their force: {BTP_FORCE})")
    return FetchResult(build, report, summary)


@dataclass
class FetchedWardSet:
    label: str
    first_month: str | None
    geography: WardGeography  # the latest vintage of the set's


def _ward_sets(ons: HttpClient, cache: DownloadCache, base_url: str, districts: tuple[str, ...],
               months: list[str]) -> list[FetchedWardSet]:
    """The ward sets in force over ``months``: consecutive vintages of the same ward codes
    are one set, drawn by the latest of them, each with the LSOAs of its vintage (2011 LSOAs
    for wards before 2023, 2021's after)."""
    vintages = ward_vintages(months)
    fetched = [fetch_ward_geography(ons, cache, base_url, districts, v, lsoas=False) for v, _ in vintages]
    sets: list[FetchedWardSet] = []
    for (vintage, _), geography in zip(vintages, fetched):
        if sets and sets[-1].geography.codes == geography.codes:
            sets[-1].geography = geography
            sets[-1].label = vintage.label
        else:
            sets.append(FetchedWardSet(vintage.label, vintage.first_month if sets else None, geography))
    for ward_set in sets:  # each set's LSOAs, of the vintage that draws it (its wards and lookup come from the cache)
        ward_set.geography = fetch_ward_geography(ons, cache, base_url, districts, ward_set.geography.vintage)
    return sets


def _summary(street, sets, area, force, request, police, ons) -> list[str]:
    lines = [f"area: {area.name} ({', '.join(area.districts)}), police force '{force}'"]
    if street.unpublished:
        late = street.unpublished
        lines.append(f"police.uk: {len(late)} month(s) asked for not published yet ({late[0]} to {late[-1]}): the "
                     "build holds the months up to the latest police.uk publishes")
    for read in street.archives:
        how = (f"range requests read {data_size(read.bytes_read)} of its {data_size(read.size)}"
               if read.ranged else f"the server ignores ranges: downloaded whole ({data_size(read.size)})")
        what = [f"{len(read.months)} month(s) ({', '.join(read.months)})"] if read.months else []
        if read.stops:
            what.append(f"{len(read.stops)} stop-and-search file(s)")
        if read.outcomes:
            span = read.outcomes[0] if len(read.outcomes) == 1 else f"{read.outcomes[0]} to {read.outcomes[-1]}"
            what.append(f"{len(read.outcomes)} outcomes file(s) ({span})")
        listed = f"{', '.join(what[:-1])} and {what[-1]}" if len(what) > 1 else "".join(what)
        lines.append(f"police.uk {read.archive}.zip: {listed or 'nothing new'}; {how}")
    cached = len(street.files) - sum(len(read.months) for read in street.archives)
    if cached:
        lines.append(f"police.uk: {cached} month(s) already downloaded and verified, not fetched again")
    if street.stops_cached:
        lines.append(f"police.uk: {street.stops_cached} stop-and-search file(s) already downloaded and verified")
    if street.stops_absent:
        absent = street.stops_absent
        which = ", ".join(absent) if len(absent) <= 12 else f"from {absent[0]} to {absent[-1]}"
        lines.append(f"police.uk: {len(absent)} month(s) with no stop-and-search file for '{force}' in the "
                     f"archive ({which}): the build has no searches for them")
    if street.btp_absent:
        lines.append(f"police.uk: {len(street.btp_absent)} month(s) with no British Transport Police file in the "
                     "archive: the build has none of its crimes for them")
    if street.outcomes_cached:
        lines.append(f"police.uk: {street.outcomes_cached} outcomes file(s) already downloaded and verified")
    limit = f"more than the {size_text(MAX_BUILD_INPUT)} one build may read"
    if street.stops_left_out:
        lines.append(f"police.uk: {street.stops_left_out} stop-and-search file(s) left out, the latest months': "
                     f"with them the street and stop-and-search files would come to {limit}")
    if street.outcomes_left_out:
        lines.append(f"police.uk: {street.outcomes_left_out} later outcomes file(s) left out: with them the "
                     f"street, stop-and-search and outcomes files would come to {limit}")
    for ward_set in sets:
        g, v = ward_set.geography, ward_set.geography.vintage
        since = f" from {ward_set.first_month}" if ward_set.first_month else ""
        lsoas = (f", {g.lsoas} LSOAs ({v.lookup}) and their boundaries ({v.lsoa_boundaries})"
                 if g.lsoa_boundaries else "")
        lines.append(f"ONS: {g.wards} wards{since} ({v.boundaries}){lsoas} for {', '.join(area.districts)}")
    lines.append(f"downloaded {data_size(police.bytes_received + ons.bytes_received)}; cache: "
                 f"{Path(request.data_dir) / 'downloads'}")
    if not request.population and not request.imd:
        lines.append(POPULATION_NOTE)
    return lines
