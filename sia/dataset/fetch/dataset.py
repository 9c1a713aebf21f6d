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

from sia.dataset.fetch.cache import DownloadCache
from sia.dataset.fetch.http import (
    MAX_RETRIES,
    MAX_WAIT_S,
    MIN_TIMEOUT_S,
    HttpClient,
    RetryPolicy,
)
from sia.dataset.fetch.ons import (
    ONS,
    ONS_BASE_URL,
    WARDS_2019,
    check_area_code,
    fetch_ward_geography,
    ward_vintage,
)
from sia.dataset.fetch.police_archive import (
    POLICE,
    POLICE_BASE_URL,
    check_force,
    check_months,
    fetch_street_files,
)
from sia.dataset.fetch.progress import Progress, data_size
from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.limits import MAX_BUILD_INPUT, size_text
from sia.dataset.report import IngestReport
from sia.dataset.sources import SourceSelection
from sia.errors import InputError, Problem
from sia.periods import FIRST_POLICE_MONTH, financial_year, fy_months

DEFAULT_FORCE = "derbyshire"
DEFAULT_AREA = "E06000015"  # Derby
POPULATION_NOTE = ("population and IMD are not fetched (ONS publishes the small area population "
                   "estimates as spreadsheets, not as ArcGIS services): add them with --population "
                   "FY=FILE and --imd EDITION=FILE for rates per 1,000 residents and deprivation")


def fetchable_years() -> list[str]:
    """The financial years fetch can build whole: from police.uk's first month to the last
    month its ward boundaries serve."""
    first = int(financial_year(FIRST_POLICE_MONTH)[:4])
    years = (f"{y}-{(y + 1) % 100:02d}" for y in range(first, int(WARDS_2019.last_month[:4]) + 1))
    return [fy for fy in years if fy_months(fy)[-1] <= WARDS_2019.last_month]


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
    force: str = DEFAULT_FORCE
    area: str = DEFAULT_AREA
    police_base_url: str = field(default_factory=police_base_url)
    ons_base_url: str = field(default_factory=ons_base_url)
    population: dict[str, Path] = field(default_factory=dict)
    imd: dict[str, Path] = field(default_factory=dict)
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
    force = check_force(request.force)
    area = check_area_code(request.area)
    vintage = ward_vintage(months)
    cache = DownloadCache(request.data_dir)
    police = HttpClient(POLICE, request.retry, progress)
    ons = HttpClient(ONS, request.retry, progress)
    try:
        street = fetch_street_files(police, cache, request.police_base_url, months, force)
        geography = fetch_ward_geography(ons, cache, request.ons_base_url, area, vintage)
    finally:
        police.close()
        ons.close()

    inputs = WardInputs(boundaries=cache.path(geography.boundaries),
                        lsoa_lookup=cache.path(geography.lookup), lsoas=cache.path(geography.lsoa_boundaries),
                        population=dict(request.population), imd=dict(request.imd))
    provenance = {"police_base_url": request.police_base_url, "ons_base_url": request.ons_base_url,
                  "force": force, "area": area, "ward_vintage": vintage.label,
                  "files": street.sources + geography.sources}
    build, report = build_dataset(street.files + street.stops + street.outcomes, inputs, request.data_dir,
                                  selection=SourceSelection(forces=frozenset({force}),
                                                            months=frozenset(months)),
                                  skip_malformed=request.skip_malformed, fetched=provenance)
    return FetchResult(build, report, _summary(street, geography, vintage, area, force, request, police, ons))


def _summary(street, geography, vintage, area, force, request, police, ons) -> list[str]:
    lines = []
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
    if street.outcomes_cached:
        lines.append(f"police.uk: {street.outcomes_cached} outcomes file(s) already downloaded and verified")
    limit = f"more than the {size_text(MAX_BUILD_INPUT)} one build may read"
    if street.stops_left_out:
        lines.append(f"police.uk: {street.stops_left_out} stop-and-search file(s) left out, the latest months': "
                     f"with them the street and stop-and-search files would come to {limit}")
    if street.outcomes_left_out:
        lines.append(f"police.uk: {street.outcomes_left_out} later outcomes file(s) left out: with them the "
                     f"street, stop-and-search and outcomes files would come to {limit}")
    lines.append(f"ONS: {geography.wards} wards ({vintage.boundaries}), {geography.lsoas} LSOAs "
                 f"({vintage.lookup}) and their boundaries ({vintage.lsoa_boundaries}) for area {area}")
    lines.append(f"downloaded {data_size(police.bytes_received + ons.bytes_received)}; cache: "
                 f"{Path(request.data_dir) / 'downloads'}")
    if not request.population and not request.imd:
        lines.append(POPULATION_NOTE)
    return lines
