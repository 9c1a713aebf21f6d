"""Building a dataset from files uploaded in the app (for networks that cannot fetch).

The uploads are written to a scratch folder in the data directory (``DIR/scratch/``),
checked, and ingested through the normal path; the build is published atomically, and the
folder is removed whatever happens (or by the next build, if this process is killed), so a
bad upload leaves nothing behind and the current dataset untouched.
"""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sia.dataset.area import DERBY, Area, area_name
from sia.dataset.ingest import WardInputs, build_dataset
from sia.dataset.limits import MAX_IN_APP_BUILD_INPUT, MB, size_text
from sia.dataset.report import IngestReport
from sia.dataset.sources import SourceSelection
from sia.dataset.store import scratch_folder
from sia.errors import InputError, Problem
from sia.periods import parse_financial_year

FY_IN_NAME = re.compile(r"([0-9]{4}-[0-9]{2})")
# What one session may upload: a file (server.maxUploadSize in .streamlit/config.toml), and
# all the files of one build together. Streamlit holds uploads in the server's memory until
# the session lets them go, so both are capped. A force's street files are a few MB a month.
MAX_UPLOAD_FILE = 200 * MB
MAX_UPLOAD_TOTAL = 400 * MB


@dataclass(frozen=True)
class Upload:
    name: str  # as the user's computer named it: shown, never used as a path
    data: bytes | BinaryIO  # the content, or a file object to stream it from

    @property
    def size(self) -> int:
        if isinstance(self.data, (bytes, bytearray)):
            return len(self.data)
        return self.data.seek(0, io.SEEK_END)


DERBY_NAMED = Area(DERBY.name)  # the name alone: a build that records no area is Derby's


@dataclass
class UploadedInputs:
    police: list[Upload] = field(default_factory=list)  # street CSVs and/or archive zips
    wards: Upload | None = None
    lsoa_lookup: Upload | None = None
    population: list[Upload] = field(default_factory=list)  # one a financial year, named with it
    lsoas: Upload | None = None  # LSOA polygons, kept in the build
    area_name: str = "Derby"  # the area's name in every title (sia.dataset.area), as typed


def check_upload_sizes(uploads: list[Upload]) -> None:
    """Refuse uploads over the limits of one file or of one session's files together."""
    problems = [Problem(f"is {size_text(u.size)}, more than the {size_text(MAX_UPLOAD_FILE)} a file may be",
                        u.name, "upload the force's street files month by month") for u in uploads
                if u.size > MAX_UPLOAD_FILE]
    total = sum(u.size for u in uploads)
    if total > MAX_UPLOAD_TOTAL:
        problems.append(Problem(f"the files come to {size_text(total)}, more than the "
                                f"{size_text(MAX_UPLOAD_TOTAL)} one upload may hold", "",
                                "upload fewer months at a time, or build the dataset with "
                                "'python -m sia ingest' on the server"))
    if problems:
        raise InputError(problems)


def build_from_uploads(inputs: UploadedInputs, data_dir: Path) -> tuple[Path, IngestReport]:
    everything = [u for u in [*inputs.police, inputs.wards, inputs.lsoa_lookup, *inputs.population, inputs.lsoas]
                  if u]
    check_upload_sizes(everything)
    problems = []
    if not inputs.police:
        problems.append(Problem("no police.uk files uploaded", "",
                                "add the street-level CSVs (YYYY-MM-<force>-street.csv) or an archive zip"))
    if inputs.wards is None:
        problems.append(Problem("no ward boundaries uploaded", "",
                                "add the ward polygons as GeoJSON or GeoPackage"))
    years = {}
    for upload in inputs.population:
        found = FY_IN_NAME.search(upload.name)
        try:
            years[upload.name] = parse_financial_year(found.group(1)) if found else None
        except ValueError:
            years[upload.name] = None
        if years[upload.name] is None:
            problems.append(Problem("the file name does not say its financial year", upload.name,
                                    "rename it to include the year, e.g. population-2014-15.csv"))
    try:
        area = Area(area_name(inputs.area_name))
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)

    with scratch_folder(data_dir) as folder:
        saved = _Saver(folder)
        wards = WardInputs(
            boundaries=saved(inputs.wards),
            lsoa_lookup=saved(inputs.lsoa_lookup) if inputs.lsoa_lookup else None,
            population={years[u.name]: saved(u) for u in inputs.population},
            lsoas=saved(inputs.lsoas) if inputs.lsoas else None)
        try:
            return build_dataset([saved(u) for u in inputs.police], wards, data_dir, selection=SourceSelection(
                max_bytes=MAX_IN_APP_BUILD_INPUT,
                over_limit_fix="upload fewer months, or build the dataset on the server with "
                               "'python -m sia ingest' and set SIA_DATA_DIR"),
                area=area if area != DERBY_NAMED else None)  # Derby's as before areas were recorded
        except InputError as exc:  # name the files as the user knows them, not the temp copies
            prefix = f"{folder}/"
            raise InputError([Problem(p.what.replace(prefix, ""), p.where.replace(prefix, ""), p.fix)
                              for p in exc.problems]) from None


class _Saver:
    """Writes each upload under its own name (made safe), numbering any repeats."""

    def __init__(self, folder: Path):
        self.folder, self.used = folder, set()

    def __call__(self, upload: Upload) -> Path:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.name).name) or "upload"
        stem, suffix, n = Path(name).stem, Path(name).suffix, 1
        while name in self.used:
            n += 1
            name = f"{stem}-{n}{suffix}"
        self.used.add(name)
        path = self.folder / name
        if isinstance(upload.data, (bytes, bytearray)):
            path.write_bytes(upload.data)
        else:  # streamed: the upload is not copied again in memory
            upload.data.seek(0)
            with open(path, "wb") as out:
                shutil.copyfileobj(upload.data, out, 1 << 20)
        return path
