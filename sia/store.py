"""The dataset on disk.

A data directory holds finished builds under ``builds/<id>/`` (incidents.parquet,
wards.parquet, manifest.json) and a file ``CURRENT`` naming the one in use. A build is
written aside and published by replacing ``CURRENT`` atomically, so a failed or
interrupted build never touches the dataset that readers see. The previous build is
kept until the next one succeeds, so a reader that opened it can finish.
"""
from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import InputError, Problem
from .report import IngestReport

INCIDENTS = "incidents.parquet"
WARDS = "wards.parquet"
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
BUILDS = "builds"
FORMAT_VERSION = 1

# Incident columns, in order, as written to incidents.parquet.
INCIDENT_COLUMNS = ("month", "fy", "category", "ward_code", "ward_name", "lsoa_code", "lon", "lat",
                    "location", "outcome", "crime_id", "force", "nearest_ward")


@dataclass
class Dataset:
    build: Path
    incidents: pd.DataFrame
    wards: gpd.GeoDataFrame  # WGS84
    manifest: dict

    @property
    def build_id(self) -> str:
        return self.build.name

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo"))

    @cached_property
    def report(self) -> IngestReport:
        return IngestReport.from_dict(self.manifest["report"])

    @property
    def months(self) -> list[str]:
        return list(self.manifest["months"])

    @property
    def financial_years(self) -> list[str]:
        return list(self.manifest["financial_years"])



def current_build(data_dir: Path) -> Path | None:
    pointer = data_dir / CURRENT
    if not pointer.is_file():
        return None
    build = data_dir / BUILDS / pointer.read_text().strip()
    return build if (build / MANIFEST).is_file() else None


def write_dataset(data_dir: Path, incidents: pd.DataFrame, wards: gpd.GeoDataFrame,
                  manifest: dict) -> Path:
    """Write a new build beside the current one and make it current."""
    builds = data_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc)
    build_id = f"{stamp:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staging = builds / f".staging-{build_id}"
    previous = current_build(data_dir)
    try:
        staging.mkdir()
        incidents.to_parquet(staging / INCIDENTS, index=False)
        wards.to_crs("EPSG:4326").to_parquet(staging / WARDS, index=False)
        manifest = {"format": FORMAT_VERSION, "build": build_id,
                    "built_at": stamp.isoformat(timespec="seconds"), **manifest}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        staging.rename(builds / build_id)
        pointer = data_dir / f".{CURRENT}.{build_id}"
        pointer.write_text(build_id + "\n")
        os.replace(pointer, data_dir / CURRENT)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for old in builds.iterdir():
        if old.name not in {build_id, previous.name if previous else ""} and not old.name.startswith(".staging-"):
            shutil.rmtree(old, ignore_errors=True)
    return builds / build_id


def open_dataset(data_dir: Path) -> Dataset:
    build = current_build(data_dir)
    if build is None:
        raise InputError(Problem("holds no dataset", str(data_dir),
                                 "build one with 'python -m sia ingest ... --data-dir DIR' "
                                 "or 'python -m sia demo --data-dir DIR'"))
    manifest = json.loads((build / MANIFEST).read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise InputError(Problem(f"dataset format {manifest.get('format')} is not the supported "
                                 f"{FORMAT_VERSION}", str(build), "build it again with this version"))
    return Dataset(build=build, incidents=pd.read_parquet(build / INCIDENTS),
                   wards=gpd.read_parquet(build / WARDS), manifest=manifest)
