"""Reading and validating one police.uk street-level CSV, vectorised.

The file is parsed by pyarrow; every check runs on whole columns (or on the few distinct
values of Month and Crime type), never row by row in Python.
"""
from __future__ import annotations

import csv
import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from .categories import canonical_category
from .errors import InputError, Problem
from .periods import MONTH_PATTERN
from .report import MAX_LINES_KEPT, MalformedRows
from .sources import StreetFile

# police.uk column -> column in the dataset. 'Reported by', 'LSOA name' and 'Context' are
# not needed: the ward table names places, and Context is empty in every published file.
COLUMNS = {
    "Crime ID": "crime_id",
    "Month": "month",
    "Falls within": "force",
    "Longitude": "lon",
    "Latitude": "lat",
    "Location": "location",
    "LSOA code": "lsoa_code",
    "Crime type": "crime_type",
    "Last outcome category": "outcome",
}

# Great Britain, generously: police.uk points outside this box are not map points.
GB_LON = (-8.7, 1.9)
GB_LAT = (49.8, 60.95)

BLANK = re.compile(rb"\s*")
_DICT = pa.dictionary(pa.int32(), pa.string())
# Dictionary-encoded where a file has few distinct values (checked on those values);
# LSOA code and outcome stay text: encoding them is cheaper after rows are placed.
_FAST_TYPES = {"Crime ID": pa.string(), "Month": _DICT, "Falls within": _DICT,
               "Longitude": pa.float64(), "Latitude": pa.float64(), "Location": pa.string(),
               "LSOA code": pa.string(), "Crime type": _DICT, "Last outcome category": pa.string()}
_TEXT_TYPES = {**_FAST_TYPES, "Longitude": pa.string(), "Latitude": pa.string()}


@dataclass
class ParsedFile:
    """The rows of one file, each either a candidate for loading or malformed."""

    rows: pd.DataFrame  # candidates: valid month, coordinates valid or both empty
    rows_read: int
    malformed: list[MalformedRows]
    sha256: str


def read_street_csv(file: StreetFile) -> ParsedFile:
    try:
        raw = file.read_bytes()
    except Exception as exc:  # a corrupt zip member, an unreadable file
        raise InputError(Problem(f"cannot be read ({exc})", file.label,
                                 "download or copy the file again")) from None
    if BLANK.fullmatch(raw):  # stops at the first character that is not blank
        raise InputError(Problem("the file is empty", file.label,
                                 "download it again; a police.uk street file has a header and rows"))
    _check_header(raw, file.label)
    end_of_header = raw.find(b"\n")
    if end_of_header < 0 or BLANK.fullmatch(raw, end_of_header + 1):
        raise InputError(Problem("the file has a header but no rows", file.label,
                                 "download it again or leave it out"))

    # The checksum (for the manifest) runs beside the parse: hashlib releases the GIL.
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(lambda: hashlib.sha256(raw).hexdigest())
        table, bad_lines = _parse(raw, file.label)
        sha256 = digest.result()
    df = table.to_pandas()
    df.columns = [COLUMNS.get(c, c) for c in df.columns]
    n = len(df) + len(bad_lines)
    lines = _line_numbers(len(df), bad_lines)

    malformed: list[MalformedRows] = []
    if bad_lines:
        malformed.append(_malformed(file.label, "wrong number of fields",
                                    np.asarray(bad_lines)))

    # Month: checked on its distinct values.
    month_ok = _valid_categories(df["month"], lambda m: pd.Series(m).str.fullmatch(MONTH_PATTERN))
    bad = ~month_ok
    _add(malformed, file.label, df["month"], bad, lines, "Month {!r} is not YYYY-MM")

    # Coordinates: numbers, both present or both absent, inside Great Britain.
    lon, lat, lon_text_bad, lat_text_bad = _coordinates(df)
    _add(malformed, file.label, df["lon_text"] if "lon_text" in df else None,
         lon_text_bad & ~bad, lines, "Longitude {!r} is not a number")
    bad |= lon_text_bad
    _add(malformed, file.label, df["lat_text"] if "lat_text" in df else None,
         lat_text_bad & ~bad, lines, "Latitude {!r} is not a number")
    bad |= lat_text_bad
    one_missing = (np.isnan(lon) != np.isnan(lat)) & ~bad
    _add(malformed, file.label, None, one_missing, lines,
         "only one of Longitude and Latitude is given")
    bad |= one_missing
    outside_gb = ~np.isnan(lon) & ~np.isnan(lat) & ~bad & (
        (lon < GB_LON[0]) | (lon > GB_LON[1]) | (lat < GB_LAT[0]) | (lat > GB_LAT[1]))
    _add(malformed, file.label, None, outside_gb, lines,
         "coordinates lie outside Great Britain (Longitude and Latitude swapped?)")
    bad |= outside_gb

    df["lon"], df["lat"] = lon, lat
    df = df.drop(columns=[c for c in ("lon_text", "lat_text") if c in df])
    df["category"] = _categories(df["crime_type"])
    rows = df.loc[~bad].reset_index(drop=True) if bad.any() else df
    return ParsedFile(rows=rows, rows_read=n, malformed=malformed,
                      sha256=sha256)


def _check_header(raw: bytes, label: str) -> None:
    end = raw.find(b"\n")
    first = raw[:end if end >= 0 else len(raw)].decode("utf-8-sig", errors="replace").strip("\r")
    header = next(csv.reader([first]), [])
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(Problem(
            f"missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}",
            label, "give a police.uk street-level CSV with its header row unchanged"))


def _parse(raw: bytes, label: str) -> tuple[pa.Table, list[int]]:
    """Parse with pyarrow; numbers straight to float, falling back to text when a
    coordinate is not a number so that the bad rows can be named."""
    for types in (_FAST_TYPES, _TEXT_TYPES):
        try:
            table, bad = _read(raw, types, threads=True)
            if bad:  # rare: read again on one thread, which knows line numbers
                table, bad = _read(raw, types, threads=False)
            break
        except pa.ArrowInvalid as exc:
            if types is _TEXT_TYPES or "conversion error to double" not in str(exc):
                raise InputError(Problem(f"cannot be parsed as CSV ({exc})", label,
                                         "check that it is a police.uk CSV in UTF-8")) from None
    if types is _TEXT_TYPES:
        table = _text_coordinates(table)
    return table, bad


def _read(raw: bytes, types: dict, threads: bool) -> tuple[pa.Table, list[int]]:
    bad: list[int] = []

    def on_invalid(row) -> str:
        bad.append(row.number if row.number is not None else -1)
        return "skip"

    table = pcsv.read_csv(
        pa.BufferReader(raw),
        read_options=pcsv.ReadOptions(use_threads=threads),
        parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pcsv.ConvertOptions(include_columns=list(COLUMNS), column_types=types,
                                            strings_can_be_null=False),
    )
    return table, bad


def _text_coordinates(table: pa.Table) -> pa.Table:
    """Keep the text of the coordinate columns beside their parsed values."""
    for name, text in (("Longitude", "lon_text"), ("Latitude", "lat_text")):
        table = table.append_column(text, table.column(name))
    return table


def _coordinates(df: pd.DataFrame):
    if "lon_text" not in df:
        lon = df["lon"].to_numpy(dtype=float, na_value=np.nan)
        lat = df["lat"].to_numpy(dtype=float, na_value=np.nan)
        none = np.zeros(len(df), dtype=bool)
        return lon, lat, none, none
    out = []
    for col in ("lon_text", "lat_text"):
        text = df[col].str.strip()
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        out.append((num, (text != "").to_numpy() & np.isnan(num)))
    (lon, lon_bad), (lat, lat_bad) = out
    return lon, lat, lon_bad, lat_bad


def _valid_categories(col: pd.Series, check) -> np.ndarray:
    cats = col.cat.categories
    ok = np.asarray(check(cats), dtype=bool) if len(cats) else np.zeros(0, dtype=bool)
    codes = col.cat.codes.to_numpy()
    return np.where(codes >= 0, ok[codes] if len(ok) else False, False)


def _categories(crime_type: pd.Series) -> pd.Series:
    """Canonical category (historic names mapped); missing where the name is unknown."""
    return crime_type.map(canonical_category)


def _line_numbers(n_rows: int, bad_lines: list[int]) -> np.ndarray:
    """File line number of each parsed row (header is line 1), skipping ragged rows."""
    total = n_rows + len(bad_lines)
    lines = np.arange(2, total + 2)
    if bad_lines and all(b > 0 for b in bad_lines):
        lines = np.setdiff1d(lines, np.asarray(bad_lines), assume_unique=True)
    return lines[:n_rows]


def _malformed(label: str, reason: str, lines: np.ndarray) -> MalformedRows:
    return MalformedRows(file=label, reason=reason, count=int(len(lines)),
                         lines=[int(x) for x in lines[:MAX_LINES_KEPT]])


def _add(out: list[MalformedRows], label: str, values: pd.Series | None, mask: np.ndarray,
         lines: np.ndarray, reason: str) -> None:
    """Record rows under ``mask``, one entry per distinct offending value (first few)."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return
    if values is None or "{" not in reason:
        out.append(_malformed(label, reason, lines[idx]))
        return
    offending = values.iloc[idx].astype(str).to_numpy()
    for value in pd.unique(offending)[:5]:
        sel = idx[offending == value]
        out.append(_malformed(label, reason.format(value), lines[sel]))
    rest = idx[~np.isin(offending, pd.unique(offending)[:5])]
    if len(rest):
        out.append(_malformed(label, reason.format("…") + " (other values)", lines[rest]))
