"""The dataset on disk.

A data directory holds finished builds under ``builds/<id>/`` (incidents.parquet,
wards.parquet, lsoas.parquet when the build was given LSOA boundaries, manifest.json, whose
``tables`` lists the tables) and a file ``CURRENT`` naming the one in use. A build is
written aside and published by replacing ``CURRENT`` atomically, so a failed or
interrupted build never touches the dataset that readers see. The previous build is
kept until the next one succeeds, so a reader that opened it can finish. Publishing and
the removal of old builds happen under a lock on the data directory (``.lock``), so builds
running at the same time never remove each other's work; what a killed process leaves
behind (a staging folder, a scratch folder of uploads) is removed by the next build.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from sia.categories import CATEGORIES
from sia.dataset.area import DERBY, Area, area_of
from sia.dataset.geography import BNG, to_bng
from sia.dataset.report import IngestReport
from sia.errors import InputError, Problem, first_line
from sia.periods import MONTH_PATTERN, financial_year, fy_coverage, month_shifted

INCIDENTS = "incidents.parquet"
WARDS = "wards.parquet"
LSOAS = "lsoas.parquet"
STOPS = "stops.parquet"
DISTRICTS = "districts.parquet"  # the force's districts (the area's peers), with residents by year
PEERS = "peers.parquet"  # the force's incidents by district, month and category
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
BUILDS = "builds"
FORMAT_VERSION = 1
# The tables a build may hold, listed in its manifest with their SHA-256. Builds made before
# LSOAs and checksums were kept list none: they hold the first two, and still open.
TABLES = (INCIDENTS, WARDS, LSOAS, STOPS, DISTRICTS, PEERS)
REQUIRED_TABLES = (INCIDENTS, WARDS)
# A build of several ward sets keeps each earlier set's wards in wards_<k>.parquet (k = 0 the
# oldest) and each incident's ward in it in the columns ward_code_<k> and ward_name_<k>; and
# the LSOAs of its time, when given, in lsoas_<k>.parquet.
EARLIER_WARDS = re.compile(r"(wards|lsoas)_([0-9])\.parquet")
MAX_WARD_SETS = 10
VIEW_KEYS = ("ward_set", "wards_of")  # what Dataset.on_ward_set adds to its manifest, never written

# Incident columns, in order, as written to incidents.parquet.
INCIDENT_COLUMNS = ("month", "fy", "category", "ward_code", "ward_name", "lsoa_code", "lon", "lat",
                    "location", "outcome", "crime_id", "force", "nearest_ward")
# The street file's own outcome, after 'outcome' (the latest, from outcomes files), written
# only by a build given outcomes files; a build without (or made before outcomes files were
# read) opens with it equal to 'outcome'.
STREET_OUTCOME = "street_outcome"
# Searches, as written to stops.parquet by a build given stop-and-search files: the file's
# fields (see police_csv.STOP_COLUMNS; 'date' as written, the rest categories), the month and
# financial year of the search, its ward and LSOA ('' for none), and the force of its file.
STOP_COLUMNS = ("month", "fy", "date", "type", "ward_code", "ward_name", "lsoa_code", "lon", "lat", "gender",
                "age", "self_ethnicity", "officer_ethnicity", "legislation", "object", "outcome", "linked",
                "removal", "operation", "force")


@dataclass
class Dataset:
    build: Path
    incidents: pd.DataFrame
    wards: gpd.GeoDataFrame  # WGS84
    manifest: dict
    lsoas: gpd.GeoDataFrame | None = None  # WGS84; None for a build made without LSOA boundaries
    stops: pd.DataFrame | None = None  # searches; None for a build given no stop-and-search files
    districts: gpd.GeoDataFrame | None = None  # the force's districts (WGS84); None without them
    peers: pd.DataFrame | None = None  # the force's incidents by district, month and category

    @property
    def build_id(self) -> str:
        return self.build.name

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo"))

    @cached_property
    def wards_bng(self) -> gpd.GeoDataFrame:
        """The wards in British National Grid (metres), made once per opened dataset."""
        return self.wards.to_crs(BNG)

    @cached_property
    def ward_names(self) -> list[str]:
        """The wards' names in order (callers must not change the list)."""
        return sorted(self.wards["ward_name"])

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """fy_coverage of the months the dataset holds, made once per opened dataset
        (callers must not change it)."""
        return fy_coverage(self.months)

    @cached_property
    def report(self) -> IngestReport:
        return IngestReport.from_dict(self.manifest["report"])

    @property
    def ward_sets(self) -> list[dict]:
        """The ward sets the build holds, oldest first, the latest (the one shown by default)
        last: label, first_month and last_month (None: open), wards. One for a build of a
        single set."""
        sets = self.manifest.get("ward_sets")
        if sets:
            return [dict(s) for s in sets]
        return [{"label": "", "first_month": None, "last_month": None, "wards": len(self.wards)}]

    def on_ward_set(self, k: int) -> Dataset:
        """The dataset on its earlier ward set ``k``: the months it was in force, each incident
        in its ward then (one outside those wards is left out), its wards' table with the
        residents that reached them, and the LSOAs of its time when the build holds them (LSOA
        units place the incidents in them; police.uk's LSOA code of those months is of them);
        no stop and search, which is kept for the latest wards only."""
        sets = self.ward_sets
        if not 0 <= k < len(sets) - 1:
            raise InputError(Problem(f"the dataset holds no earlier ward set {k}", "the wards",
                                     f"choose one of {', '.join(s['label'] for s in sets)}"))
        first, last = sets[k]["first_month"] or "", sets[k]["last_month"]
        months = [m for m in self.months if first <= m <= last]
        if not months:
            raise InputError(Problem(f"{sets[k]['label']} cover none of the dataset's months", "the wards",
                                     "choose the latest wards"))
        with_lsoas = f"lsoas_{k}.parquet" in self.manifest.get("tables", ())
        try:
            wards = gpd.read_parquet(self.build / f"wards_{k}.parquet")
            lsoas = gpd.read_parquet(self.build / f"lsoas_{k}.parquet") if with_lsoas else None
        except Exception as exc:  # noqa: BLE001 - removed or damaged since the build was opened
            raise InputError(Problem(f"the dataset build {self.build.name} cannot give {sets[k]['label']} "
                                     f"({first_line(exc)})", str(self.build), "reload the page")) from None
        rows = self.incidents[self.incidents["month"].isin(months) & self.incidents[f"ward_code_{k}"].notna()]
        incidents = rows.drop(columns=["ward_code", "ward_name"]).rename(
            columns={f"ward_code_{k}": "ward_code", f"ward_name_{k}": "ward_name"})
        incidents["month"] = incidents["month"].cat.set_categories(months)
        years = sorted({financial_year(m) for m in months})
        incidents["fy"] = incidents["fy"].cat.set_categories(years)
        manifest = {**self.manifest, "months": months, "financial_years": years, "ward_set": k}
        if with_lsoas and (problem := _lsoas_wrong(lsoas, wards)):
            raise InputError(Problem(f"the dataset build {self.build.name} cannot give the LSOAs of "
                                     f"{sets[k]['label']}: {problem}", str(self.build), "rebuild the dataset"))
        return Dataset(build=self.build, incidents=incidents[[c for c in self.incidents.columns if c in incidents]],
                       wards=wards, manifest=manifest, lsoas=lsoas)

    def ward_set_in_force(self, month: str) -> int:
        """The index in ward_sets of the set in force in ``month`` (read from the manifest alone)."""
        sets = self.ward_sets
        for k, s in enumerate(sets):
            if (s["first_month"] or "") <= month and (s["last_month"] is None or month <= s["last_month"]):
                return k
        raise InputError(Problem(f"no ward set of the dataset was in force in {month}", "--wards-of",
                                 f"give a month from {sets[0]['first_month'] or self.months[0]} on"))

    def on_wards_of(self, month: str) -> Dataset:
        """The dataset on the ward set in force in ``month`` (itself for the latest)."""
        k = self.ward_set_in_force(month)
        if k == len(self.ward_sets) - 1:
            return self
        view = self.on_ward_set(k)
        view.manifest["wards_of"] = self.ward_sets[k]["last_month"]  # one month names the set, for caches keyed by it
        return view

    @property
    def ward_set_label(self) -> str:
        """Which wards the figures use ('May 2023 wards'), '' for a build of one set."""
        sets = self.ward_sets
        return sets[self.manifest.get("ward_set", len(sets) - 1)]["label"] if len(sets) > 1 else ""

    @cached_property
    def area(self) -> Area:
        """The area the dataset is of (its name in every title and sentence)."""
        return area_of(self.manifest)

    @property
    def months(self) -> list[str]:
        return list(self.manifest["months"])

    @property
    def financial_years(self) -> list[str]:
        return list(self.manifest["financial_years"])

    @property
    def stop_months(self) -> list[str]:
        """The months the build's stop-and-search files cover (none without them)."""
        return list(self.manifest.get("stop_months", []))

    def column(self, name: str) -> pd.Series:
        """One incident column, read from the build (for a column the server leaves unread),
        on the incidents' index; InputError when the build has been removed since it was
        opened (two newer builds replace it)."""
        try:
            column = pd.read_parquet(self.build / INCIDENTS, columns=[name])[name]
        except FileNotFoundError:
            raise InputError(Problem(f"the dataset build {self.build.name} has been replaced since this page "
                                     "was opened", "the dataset", "reload the page and download again")) from None
        return column.set_axis(self.incidents.index)



BUILD_ID = re.compile(r"[0-9]{8}T[0-9]{6}-[0-9a-f]{8}")
LOCK = ".lock"  # held while a build is published and old ones are removed
SCRATCH = "scratch"  # folders a build works in (uploads), each held by a lock while in use
# How long a build waits for another to finish publishing in the same data directory.
PUBLISH_WAIT_S = 600
_REBUILD = ("build it again with 'python -m sia ingest ... --data-dir {dir}' (or load data on the "
            "Data page); the previous build, if any, is kept in {dir}/builds")


def current_build(data_dir: Path) -> Path | None:
    """The build ``CURRENT`` names; None when there is no ``CURRENT``; InputError when it is
    damaged or names a build that is not there (the text is never used as a path before it
    has the shape of a build id)."""
    pointer = Path(data_dir) / CURRENT
    if not pointer.is_file():
        return None
    fix = _REBUILD.format(dir=data_dir)
    text = pointed_id(pointer)
    if text is None:
        raise InputError(Problem("the dataset's CURRENT file is damaged: it does not name a build",
                                 str(pointer), fix))
    build = Path(data_dir) / BUILDS / text
    if not (build / MANIFEST).is_file():
        raise InputError(Problem(f"CURRENT names build {text}, which is missing or incomplete",
                                 str(pointer), fix))
    return build


def area_in(data_dir: Path | None) -> Area:
    """The area of the data directory's current build, read from its manifest alone (the
    sign-in screen names it without opening the data); Derby's for the demo (None)."""
    build = current_build(data_dir) if data_dir is not None else None
    return _build_area(build) if build is not None else DERBY


@functools.lru_cache(maxsize=16)
def _build_area(build: Path) -> Area:
    return area_of(_read_manifest(build, _REBUILD.format(dir=build.parent.parent)))  # a build never changes


def pointed_id(pointer: Path) -> str | None:
    """The id a pointer file (CURRENT, REGISTER) names, or None when it names none: the text
    is never used as a path before it has the shape of an id."""
    try:
        text = pointer.read_bytes()[:200].decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if BUILD_ID.fullmatch(text) else None


def _current_id(data_dir: Path) -> str | None:
    """The id of the current build, or None when there is none or it is damaged (a new
    build then replaces it: that is the repair)."""
    try:
        build = current_build(data_dir)
    except InputError:
        return None
    return build.name if build else None


@contextmanager
def publishing(data_dir: Path):
    """Hold the data directory's lock: one build at a time is published, and nothing is
    removed while another process is publishing. Locks are released by the system when a
    process dies, so a killed build never blocks the next."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    lock = FileLock(Path(data_dir) / LOCK)
    try:
        lock.acquire(timeout=PUBLISH_WAIT_S)
    except Timeout:
        raise InputError(Problem(f"another build has been publishing for over {PUBLISH_WAIT_S // 60} "
                                 "minutes", str(data_dir), "try again later")) from None
    try:
        yield
    finally:
        lock.release()


def write_dataset(data_dir: Path, incidents: pd.DataFrame, wards: gpd.GeoDataFrame,
                  manifest: dict, lsoas: gpd.GeoDataFrame | None = None, stops: pd.DataFrame | None = None,
                  earlier_wards: list[gpd.GeoDataFrame] = (),
                  earlier_lsoas: list[gpd.GeoDataFrame | None] = (),
                  peers: tuple[gpd.GeoDataFrame, pd.DataFrame] | None = None) -> Path:
    """Write a new build beside the current one and make it current (publish_entry)."""
    def fill(staging: Path, build_id: str, stamp: datetime) -> None:
        incidents.to_parquet(staging / INCIDENTS, index=False)
        wards.to_crs("EPSG:4326").to_parquet(staging / WARDS, index=False)
        tables = list(REQUIRED_TABLES)
        for k, earlier in enumerate(earlier_wards):
            earlier.to_crs("EPSG:4326").to_parquet(staging / f"wards_{k}.parquet", index=False)
            tables.append(f"wards_{k}.parquet")
        for k, earlier in enumerate(earlier_lsoas):
            if earlier is not None:
                earlier.to_crs("EPSG:4326").to_parquet(staging / f"lsoas_{k}.parquet", index=False)
                tables.append(f"lsoas_{k}.parquet")
        if lsoas is not None:
            lsoas.to_crs("EPSG:4326").to_parquet(staging / LSOAS, index=False)
            tables.append(LSOAS)
        if stops is not None:
            stops.to_parquet(staging / STOPS, index=False)
            tables.append(STOPS)
        if peers is not None:
            peers[0].to_crs("EPSG:4326").to_parquet(staging / DISTRICTS, index=False)
            peers[1].to_parquet(staging / PEERS, index=False)
            tables += [DISTRICTS, PEERS]
        full = {"format": FORMAT_VERSION, "build": build_id, "built_at": stamp.isoformat(timespec="seconds"),
                **manifest, "tables": {name: _sha256(staging / name) for name in tables}}
        (staging / MANIFEST).write_text(json.dumps(full, indent=1, ensure_ascii=False))

    return publish_entry(data_dir, BUILDS, CURRENT, _current_id, fill, before=remove_stale_scratch)


def publish_entry(data_dir: Path, folder: str, pointer_name: str, current_id, fill, before=None) -> Path:
    """Write a new entry of ``DIR/folder`` (a build, a register) aside and make the pointer
    file ``pointer_name`` name it in one step; keep the entry it replaces, remove older ones.
    ``fill(staging, entry_id, stamp)`` writes the entry's files; ``current_id(data_dir)`` is
    the id in use (None when there is none or it is damaged); ``before(data_dir)`` runs
    first. Everything happens under the data directory's lock, so a staging folder met there
    is one a killed process left behind, and the entries kept are read under the same lock
    that publishes them."""
    root = Path(data_dir) / folder
    with publishing(data_dir):
        root.mkdir(parents=True, exist_ok=True)
        for stale in root.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        if before is not None:
            before(data_dir)
        stamp = datetime.now(UTC)
        entry_id = f"{stamp:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        staging = root / f".staging-{entry_id}"
        previous = current_id(data_dir)
        try:
            staging.mkdir()
            fill(staging, entry_id, stamp)
            staging.rename(root / entry_id)
            pointer = Path(data_dir) / f".{pointer_name}.{entry_id}"
            pointer.write_text(entry_id + "\n")
            os.replace(pointer, Path(data_dir) / pointer_name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in root.iterdir():
            if old.name not in {entry_id, previous} and not old.name.startswith(".staging-"):
                shutil.rmtree(old, ignore_errors=True)
        for pointer in Path(data_dir).glob(f".{pointer_name}.*"):  # left by a killed publisher
            pointer.unlink(missing_ok=True)
    return root / entry_id


@contextmanager
def scratch_folder(data_dir: Path):
    """A fresh folder under ``DIR/scratch/`` for one build's temporary files (uploads),
    removed afterwards. Its lock is held while it is in use, so a folder whose lock can be
    taken was left by a killed process and is removed by the next build."""
    root = Path(data_dir) / SCRATCH
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_scratch(data_dir)
    name = uuid.uuid4().hex
    lock = FileLock(root / f"{name}{LOCK}")
    lock.acquire(timeout=0)  # a new name: nobody else holds it
    folder = root / name
    try:
        folder.mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.release()
        (root / f"{name}{LOCK}").unlink(missing_ok=True)


def remove_stale_scratch(data_dir: Path) -> None:
    """Remove the scratch folders no live process holds."""
    root = Path(data_dir) / SCRATCH
    if not root.is_dir():
        return
    held = set()
    for lock_file in root.glob(f"*{LOCK}"):
        lock = FileLock(lock_file)
        try:
            lock.acquire(blocking=False)
        except Timeout:
            held.add(lock_file.name[:-len(LOCK)])
            continue
        try:
            shutil.rmtree(root / lock_file.name[:-len(LOCK)], ignore_errors=True)
            lock_file.unlink(missing_ok=True)
        finally:
            lock.release()
    for folder in root.iterdir():
        # A folder is made only after its lock: one without a lock file is stale.
        if folder.is_dir() and folder.name not in held and not (root / f"{folder.name}{LOCK}").exists():
            shutil.rmtree(folder, ignore_errors=True)


def open_dataset(data_dir: Path, served: bool = False, build_id: str | None = None) -> Dataset:
    """The current build (or the build ``build_id``, as current_build named it), read whole;
    ``served``: in the form the dashboard's server keeps in memory for every session (see
    SERVED_WITHOUT). A build replaced and removed (by two later builds) while it was being
    read is not damage: the read starts again on the new current one; a named build removed
    is refused in words."""
    if build_id is not None:
        build = Path(data_dir) / BUILDS / build_id
        if not BUILD_ID.fullmatch(build_id) or not (build / MANIFEST).is_file():
            raise InputError(Problem(f"the dataset build {build_id[:40]} has been replaced since this page was "
                                     "opened", str(data_dir), "reload the page"))
        return _open_build(data_dir, build, SERVED_WITHOUT if served else ())
    for _ in range(3):
        build = current_build(data_dir)
        try:
            return _open_build(data_dir, build, SERVED_WITHOUT if served else ())
        except InputError:
            if build is None or build.exists() or current_build(data_dir) == build:
                raise
    raise InputError(Problem("the dataset changed three times while it was being read", str(data_dir),
                             "try again once the builds running there have finished"))


# Left unread by the dashboard's server: a crime's ID serves only the incidents download,
# which reads it from the build (Dataset.column), and at 3 million rows it would take more
# memory than all the other columns together. The server also keeps places as categories
# (a place has hundreds of incidents at that size), and each incident's point in British
# National Grid (SERVED_BNG), projected once rather than for every hotspot or grid query.
SERVED_WITHOUT = ("crime_id",)
SERVED_BNG = ("bng_x", "bng_y")


def _open_build(data_dir: Path, build: Path | None, leave_out: tuple[str, ...] = ()) -> Dataset:
    if build is None:
        raise InputError(Problem("holds no dataset", str(data_dir),
                                 "build one with 'python -m sia ingest ... --data-dir DIR' "
                                 "or 'python -m sia demo --data-dir DIR'"))
    fix = _REBUILD.format(dir=data_dir)
    manifest = _read_manifest(build, fix)
    altered = [name for name, digest in manifest.get("tables", {}).items()
               if not (build / name).is_file() or _sha256(build / name) != digest]
    if altered:  # a change that still decodes would otherwise pass as data
        raise InputError(Problem(f"the dataset build {build.name} is damaged: {', '.join(altered)} "
                                 "changed after it was built (its checksum differs from the manifest's)",
                                 str(build), fix))
    try:
        held = pq.read_schema(build / INCIDENTS).names
        incidents = pd.read_parquet(build / INCIDENTS, columns=[c for c in held if c not in leave_out])
        leave_out = tuple(c for c in leave_out if c in held)  # one the build lacks is missing, as ever
        wards = gpd.read_parquet(build / WARDS)
        lsoas = gpd.read_parquet(build / LSOAS) if LSOAS in manifest.get("tables", ()) else None
        stops = pd.read_parquet(build / STOPS) if STOPS in manifest.get("tables", ()) else None
        held_peers = DISTRICTS in manifest.get("tables", ()) and PEERS in manifest.get("tables", ())
        districts = gpd.read_parquet(build / DISTRICTS) if held_peers else None
        peers = pd.read_parquet(build / PEERS) if held_peers else None
    except Exception as exc:  # noqa: BLE001 - a truncated or altered file, whatever the reader says
        raise InputError(Problem(f"the dataset build {build.name} is damaged: its tables cannot be "
                                 f"read ({first_line(exc)})", str(build), fix)) from None
    wrong = (_tables_wrong(incidents, wards, manifest, leave_out)
             or (_lsoas_wrong(lsoas, wards) if lsoas is not None else None)
             or (_stops_wrong(stops, wards, manifest) if stops is not None else None))
    if wrong:
        raise InputError(Problem(f"the dataset build {build.name} is damaged: {wrong}", str(build), fix))
    if STREET_OUTCOME not in incidents:  # no outcomes files were read: the street file's is the latest
        incidents.insert(incidents.columns.get_loc("outcome") + 1, STREET_OUTCOME, incidents["outcome"].copy())
    if leave_out:
        incidents["location"] = incidents["location"].astype("category")
        incidents[SERVED_BNG[0]], incidents[SERVED_BNG[1]] = to_bng(incidents["lon"].to_numpy(),
                                                                    incidents["lat"].to_numpy())
    return Dataset(build=build, incidents=incidents, wards=wards, manifest=manifest, lsoas=lsoas, stops=stops,
                   districts=districts, peers=peers)


_CATEGORICAL = ("month", "fy", "category", "ward_code", "ward_name", "lsoa_code", "outcome", "force")


def _tables_wrong(incidents: pd.DataFrame, wards: gpd.GeoDataFrame, manifest: dict,
                  leave_out: tuple[str, ...] = ()) -> str | None:
    """What is wrong with a build's tables, as ingest writes them; None when they are sound.
    Checked on the columns' types and their few distinct values, so it costs little."""
    missing = [c for c in INCIDENT_COLUMNS if c not in incidents and c not in leave_out]
    if missing:
        return f"the incidents lack the columns {', '.join(missing)}"
    if len(incidents) == 0:
        return "it holds no incidents"
    categorical = (*_CATEGORICAL, STREET_OUTCOME) if STREET_OUTCOME in incidents else _CATEGORICAL
    odd = [c for c in categorical if not isinstance(incidents[c].dtype, pd.CategoricalDtype)]
    odd += [c for c in ("lon", "lat") if not pd.api.types.is_float_dtype(incidents[c])]
    odd += [] if pd.api.types.is_bool_dtype(incidents["nearest_ward"]) else ["nearest_ward"]
    if odd:
        return f"the incidents' columns {', '.join(odd)} are not of their types"
    months = [str(m) for m in incidents["month"].cat.categories]
    if months != manifest["months"] or not all(re.fullmatch(MONTH_PATTERN, m) for m in months):
        return "its months do not agree with its manifest"
    if [str(f) for f in incidents["fy"].cat.categories] != manifest["financial_years"] \
            or set(financial_year(m) for m in months) != set(manifest["financial_years"]):
        return "its financial years do not agree with its months"
    if not set(incidents["category"].cat.categories) <= set(CATEGORIES):
        return "its incidents hold categories that are not police.uk's"
    if not (np.isfinite(incidents["lon"].to_numpy()).all() and np.isfinite(incidents["lat"].to_numpy()).all()):
        return "its incidents' coordinates are not all numbers"
    if "ward_code" not in wards or "ward_name" not in wards or wards.crs is None:
        return "its ward table lacks codes, names or a coordinate reference system"
    if wards["ward_code"].isna().any() or wards["ward_name"].isna().any() \
            or wards["ward_code"].duplicated().any() or wards["ward_name"].duplicated().any():
        return "its wards' codes or names are missing or repeated"
    if wards.geometry.isna().any() or not set(wards.geom_type) <= {"Polygon", "MultiPolygon"}:
        return "its wards are not all polygons"
    if not (set(incidents["ward_code"].cat.categories) <= set(wards["ward_code"])
            and set(incidents["ward_name"].cat.categories) <= set(wards["ward_name"])):
        return "its incidents name wards its ward table lacks"
    earlier = [f"ward_{part}_{k}" for k in range(len(manifest.get("ward_sets", [None])) - 1)
               for part in ("code", "name")]
    if any(c not in incidents or not isinstance(incidents[c].dtype, pd.CategoricalDtype) for c in earlier):
        return "its incidents lack their wards in an earlier ward set"
    return None


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _lsoas_wrong(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> str | None:
    """What is wrong with a build's LSOA table, as ingest writes it; None when it is sound."""
    if not {"lsoa_code", "lsoa_name", "ward_code", "ward_name"} <= set(lsoas.columns) or lsoas.crs is None:
        return "its LSOA table lacks codes, names, wards or a coordinate reference system"
    if len(lsoas) == 0 or lsoas[["lsoa_code", "lsoa_name", "ward_code"]].isna().any().any() \
            or lsoas["lsoa_code"].duplicated().any():
        return "its LSOAs' codes, names or wards are missing or repeated"
    if not all(pd.api.types.is_string_dtype(lsoas[c]) or pd.api.types.is_object_dtype(lsoas[c])
               for c in ("lsoa_code", "lsoa_name", "ward_code")):
        return "its LSOAs' codes, names or wards are not text"
    if lsoas.geometry.isna().any() or not set(lsoas.geom_type) <= {"Polygon", "MultiPolygon"}:
        return "its LSOAs are not all polygons"
    if not set(lsoas["ward_code"]) <= set(wards["ward_code"]):
        return "its LSOAs name wards its ward table lacks"
    figures = [c for c in lsoas.columns if re.fullmatch(r"population_.+|imd[0-9]{4}_.+|area_km2", str(c))]
    if not all(pd.api.types.is_float_dtype(lsoas[c]) for c in figures):
        return "its LSOAs' population or deprivation figures are not numbers"
    return None


def _stops_wrong(stops: pd.DataFrame, wards: gpd.GeoDataFrame, manifest: dict) -> str | None:
    """What is wrong with a build's searches, as ingest writes them; None when they are sound."""
    if list(stops.columns) != list(STOP_COLUMNS):
        return "its stop-and-search table lacks columns or holds others"
    odd = [c for c in STOP_COLUMNS if c not in ("date", "lon", "lat")
           and not isinstance(stops[c].dtype, pd.CategoricalDtype)]
    if odd or not all(pd.api.types.is_float_dtype(stops[c]) for c in ("lon", "lat")):
        return "its stop-and-search columns are not of their types"
    months = [str(m) for m in stops["month"].cat.categories]
    if not set(months) <= set(manifest.get("stop_months", [])):
        return "its searches' months are not among the months its manifest says they cover"
    if not set(stops["ward_code"].cat.categories) <= set(wards["ward_code"]):
        return "its searches name wards its ward table lacks"
    return None


def _ward_sets_sound(sets, tables) -> bool:
    """The manifest's ward sets: each earlier one with its table, months in sequence."""
    if not (isinstance(sets, list) and 2 <= len(sets) <= MAX_WARD_SETS and all(isinstance(s, dict) for s in sets)):
        return False
    month = re.compile(MONTH_PATTERN)
    for k, s in enumerate(sets):
        first, last, label = s.get("first_month"), s.get("last_month"), s.get("label")
        latest = k == len(sets) - 1
        if not (isinstance(label, str) and 0 < len(label) <= 80 and label.isprintable()
                and (first is None if k == 0 else isinstance(first, str) and month.fullmatch(first))
                and (last is None if latest else isinstance(last, str) and month.fullmatch(last))
                and (first is None or last is None or first <= last)
                and (latest or isinstance(tables, dict) and f"wards_{k}.parquet" in tables)):
            return False
    # in sequence: each set ends the month before the next begins; each named once
    follows = all(month_shifted(sets[k]["last_month"], 1) == sets[k + 1]["first_month"] for k in range(len(sets) - 1))
    return follows and len({s["label"] for s in sets}) == len(sets)


def _read_manifest(build: Path, fix: str) -> dict:
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as exc:
        raise InputError(Problem(f"the dataset build {build.name} is damaged: {MANIFEST} cannot be read "
                                 f"({first_line(exc)})", str(build), fix)) from None
    if manifest.get("format") != FORMAT_VERSION:
        raise InputError(Problem(f"dataset format {manifest.get('format')!r} is not the supported "
                                 f"{FORMAT_VERSION}", str(build), "build it again with this version"))
    shapes = {"months": list, "financial_years": list, "report": dict, "built_at": str}
    wrong = [k for k, kind in shapes.items() if not isinstance(manifest.get(k), kind)]
    for key in ("months", "financial_years"):
        if key not in wrong and not (manifest[key] and all(isinstance(v, str) for v in manifest[key])):
            wrong.append(key)
    # The tables and their SHA-256; builds made before checksums were kept list none.
    tables = manifest.get("tables", {})
    if not (isinstance(tables, dict) and all(t in TABLES or EARLIER_WARDS.fullmatch(t) for t in tables)
            and (not tables or set(REQUIRED_TABLES) <= set(tables))
            and all(isinstance(d, str) and re.fullmatch(r"[0-9a-f]{64}", d) for d in tables.values())):
        wrong.append("tables")
    stop_months = manifest.get("stop_months", [])
    if not (isinstance(stop_months, list) and all(isinstance(m, str) and re.fullmatch(MONTH_PATTERN, m)
                                                   for m in stop_months)):
        wrong.append("stop_months")
    elif isinstance(tables, dict) and STOPS in tables and not stop_months:
        wrong.append("stop_months")
    if "ward_sets" in manifest and not _ward_sets_sound(manifest["ward_sets"], tables):
        wrong.append("ward_sets")
    wrong += [key for key in VIEW_KEYS if key in manifest]  # only a view on earlier wards holds them
    if "area" in manifest:
        try:
            Area.from_dict(manifest["area"])
        except ValueError as exc:
            wrong.append(f"area ({exc})")
    if "report" not in wrong:
        try:
            IngestReport.from_dict(manifest["report"])
        except ValueError as exc:
            wrong.append(f"report ({exc})")
    if wrong:
        raise InputError(Problem(f"the dataset build {build.name} is damaged: its {MANIFEST} lacks "
                                 f"{', '.join(wrong)}", str(build), fix))
    return manifest
