"""Building a dataset from files uploaded in the app (for networks that cannot fetch).

The uploads are written to a temporary folder, checked, and ingested through the normal
path; the build is published atomically, and the temporary folder is removed whatever
happens, so a bad upload leaves nothing behind and the current dataset untouched.
"""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError, Problem
from .ingest import WardInputs, build_dataset
from .periods import parse_financial_year
from .report import IngestReport

FY_IN_NAME = re.compile(r"(\d{4}-\d{2})")


@dataclass(frozen=True)
class Upload:
    name: str  # as the user's computer named it
    data: bytes


@dataclass
class UploadedInputs:
    police: list[Upload] = field(default_factory=list)  # street CSVs and/or archive zips
    wards: Upload | None = None
    lsoa_lookup: Upload | None = None
    population: list[Upload] = field(default_factory=list)  # one a financial year, named with it


def build_from_uploads(inputs: UploadedInputs, data_dir: Path) -> tuple[Path, IngestReport]:
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
    if problems:
        raise InputError(problems)

    with tempfile.TemporaryDirectory(prefix="sia-upload-") as folder:
        saved = _Saver(Path(folder))
        wards = WardInputs(
            boundaries=saved(inputs.wards),
            lsoa_lookup=saved(inputs.lsoa_lookup) if inputs.lsoa_lookup else None,
            population={years[u.name]: saved(u) for u in inputs.population})
        try:
            return build_dataset([saved(u) for u in inputs.police], wards, data_dir)
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
        path.write_bytes(upload.data)
        return path
